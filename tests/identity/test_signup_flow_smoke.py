import re

from identity.models import User
from identity.services import passwords, signup, users
from tests import factories


def _code(mailoutbox):
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)


def test_sign_up_confirm_and_reset(pool, client_app, mailoutbox):
    result = signup.sign_up(pool=pool, client=client_app, username="bob", password="Sup3r-secret", attributes={"email": "bob@example.com"})
    assert result.code_delivery.destination == "b***@e***"
    assert result.user.status == User.Status.UNCONFIRMED
    user = signup.confirm_sign_up(pool=pool, client=client_app, username="BOB", code=_code(mailoutbox))
    assert user.status == User.Status.CONFIRMED and user.is_verified("email")
    passwords.forgot_password(pool=pool, client=client_app, username="bob")
    passwords.confirm_forgot_password(pool=pool, client=client_app, username="bob", code=_code(mailoutbox), password="N3w-secret!")
    user.refresh_from_db()
    assert passwords.password_matches(user, "N3w-secret!")


def test_admin_create_user_sends_invitation(pool, mailoutbox):
    user = users.admin_create_user(pool=pool, username="carol", attributes={"email": "c@example.com"})
    assert user.status == User.Status.FORCE_CHANGE_PASSWORD
    assert "carol" in mailoutbox[0].body


def test_email_username_pool(db, mailoutbox):
    pool = factories.create_pool(username_attributes=["email"])
    client = factories.create_client(pool=pool)
    result = signup.sign_up(pool=pool, client=client, username="Dan@Example.com", password="Sup3r-secret")
    assert result.user.username == str(result.user.sub)
    signup.confirm_sign_up(pool=pool, client=client, username="dan@example.com", code=_code(mailoutbox))
