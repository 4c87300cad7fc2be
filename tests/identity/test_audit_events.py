"""Services write the audit trail with who, what and from where; never a password or a code."""
import re
from types import SimpleNamespace

import pytest

from identity.context import RequestContext
from identity.models import AuditEvent
from identity.services import passwords, pools, signup, users
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import cognito_error, predictable_codes
from tests.identity.helpers import last_code

CONTEXT = RequestContext(actor="user", ip_address="203.0.113.9", user_agent="pytest-browser")


def test_events_carry_the_caller_and_no_secrets(pool, client_app, mailoutbox):
    signup.sign_up(pool=pool, client=client_app, username="ana", password="Sup3r-secret!", attributes={"email": "a@example.com"}, context=CONTEXT)
    code = last_code(mailoutbox)
    signup.confirm_sign_up(pool=pool, client=client_app, username="ana", code=code, context=CONTEXT)
    passwords.forgot_password(pool=pool, client=client_app, username="ana", context=CONTEXT)
    reset_code = last_code(mailoutbox)
    passwords.confirm_forgot_password(pool=pool, client=client_app, username="ana", code=reset_code, password="Fresh-Passw0rd!", context=CONTEXT)
    users.admin_disable_user(pool=pool, username="ana", context=RequestContext(actor="operator:root"))
    rows = list(AuditEvent.objects.filter(pool=pool).order_by("id"))
    kinds = [row.event_type for row in rows]
    assert kinds[-5:] == ["SignUp", "ConfirmSignUp", "ForgotPassword", "ConfirmForgotPassword", "AdminDisableUser"]
    sign_up = rows[-5]
    assert (sign_up.actor, sign_up.ip_address, sign_up.user_agent, sign_up.username) == ("user", "203.0.113.9", "pytest-browser", "ana")
    assert rows[-1].actor == "operator:root"
    dumped = str([(row.details, row.user_agent) for row in rows])
    for secret in ("Sup3r-secret!", "Fresh-Passw0rd!", code, reset_code):
        assert secret not in dumped


def test_failures_are_recorded_too(pool, client_app, user):
    try:
        passwords.change_password(user=user, previous_password="wrong", proposed_password="Fresh-Passw0rd!", context=CONTEXT)
    except Exception:
        pass
    assert AuditEvent.objects.filter(user=user, event_type="PasswordChangeFailure").exists()


# Every directory service: the right event, the caller's actor/ip/agent, and no secret anywhere in the trail.

CALLER = RequestContext(actor="client:3n8ab", ip_address="2001:db8::7", user_agent="aws-sdk-js/3 ua/2.1")
NEW = "Fresh-Passw0rd!"


def _codes(mailoutbox):
    return [m for m in re.findall(r"\b\d{6}\b", " ".join(m.body for m in mailoutbox))]


def _sign_up_bob(w):
    signup.sign_up(pool=w.pool, client=w.client, username="bob", password="Sup3r-secret!", attributes={"email": "b@example.com"})


def _sign_up(w):
    signup.sign_up(pool=w.pool, client=w.client, username="bob", password="Sup3r-secret!", attributes={"email": "b@example.com"}, context=CALLER)
    return ["Sup3r-secret!"]


def _confirm(w):
    _sign_up_bob(w)
    signup.confirm_sign_up(pool=w.pool, client=w.client, username="bob", code=last_code(w.mailoutbox), context=CALLER)


def _confirm_wrong(w):
    _sign_up_bob(w)
    with cognito_error("CodeMismatchException"):
        signup.confirm_sign_up(pool=w.pool, client=w.client, username="bob", code="000000", context=CALLER)
    return ["000000"]


def _resend(w):
    _sign_up_bob(w)
    signup.resend_confirmation_code(pool=w.pool, client=w.client, username="bob", context=CALLER)


def _admin_confirm(w):
    _sign_up_bob(w)
    signup.admin_confirm_sign_up(pool=w.pool, username="bob", context=CALLER)


def _forgot(w):
    passwords.forgot_password(pool=w.pool, client=w.client, username=w.user.username, context=CALLER)


def _confirm_forgot(w):
    passwords.forgot_password(pool=w.pool, client=w.client, username=w.user.username)
    passwords.confirm_forgot_password(
        pool=w.pool, client=w.client, username=w.user.username, code=last_code(w.mailoutbox), password=NEW, context=CALLER
    )
    return [NEW]


def _confirm_forgot_wrong(w):
    passwords.forgot_password(pool=w.pool, client=w.client, username=w.user.username)
    with cognito_error("CodeMismatchException"):
        passwords.confirm_forgot_password(pool=w.pool, client=w.client, username=w.user.username, code="000000", password=NEW, context=CALLER)
    return [NEW, "000000"]


def _change(w):
    passwords.change_password(user=w.user, previous_password=DEFAULT_PASSWORD, proposed_password=NEW, context=CALLER)
    return [DEFAULT_PASSWORD, NEW]


def _change_wrong(w):
    with cognito_error("NotAuthorizedException"):
        passwords.change_password(user=w.user, previous_password="Guessed-Pa55!", proposed_password=NEW, context=CALLER)
    return ["Guessed-Pa55!", NEW]


def _admin_set(w):
    passwords.admin_set_user_password(pool=w.pool, username=w.user.username, password=NEW, permanent=False, context=CALLER)
    return [NEW]


def _admin_reset(w):
    passwords.admin_reset_user_password(pool=w.pool, username=w.user.username, context=CALLER)


def _invitation_password(w):
    return re.search(r"temporary password is (\S+)\.$", w.mailoutbox[-1].body).group(1)


def _admin_create(w):
    users.admin_create_user(pool=w.pool, username="carol", attributes={"email": "c@example.com"}, context=CALLER)
    return [_invitation_password(w), NEW]


def _admin_create_resend(w):
    users.admin_create_user(pool=w.pool, username="carol", attributes={"email": "c@example.com"}, temporary_password=NEW)
    users.admin_create_user(pool=w.pool, username="carol", message_action="RESEND", context=CALLER)
    return [NEW, _invitation_password(w)]


def _update(w):
    users.update_user_attributes(user=w.user, client=w.client, attributes={"email": "new@example.com", "name": "Al"}, context=CALLER)


def _admin_update(w):
    users.admin_update_user_attributes(pool=w.pool, username=w.user.username, attributes={"name": "Al"}, context=CALLER)


def _delete_attributes(w):
    users.delete_user_attributes(user=w.user, client=w.client, names=["email"], context=CALLER)


def _admin_delete_attributes(w):
    users.admin_delete_user_attributes(pool=w.pool, username=w.user.username, names=["email"], context=CALLER)


def _verification_code(w):
    users.get_user_attribute_verification_code(user=w.user, client=w.client, attribute_name="email", context=CALLER)


def _verify(w):
    users.get_user_attribute_verification_code(user=w.user, client=w.client, attribute_name="email")
    users.verify_user_attribute(user=w.user, attribute_name="email", code=last_code(w.mailoutbox), context=CALLER)


def _disable(w):
    users.admin_disable_user(pool=w.pool, username=w.user.username, context=CALLER)


def _enable(w):
    users.admin_enable_user(pool=w.pool, username=w.user.username, context=CALLER)


def _delete(w):
    users.delete_user(user=w.user, context=CALLER)


def _admin_delete(w):
    users.admin_delete_user(pool=w.pool, username=w.user.username, context=CALLER)


USER_EVENTS = [
    (_sign_up, "SignUp"),
    (_confirm, "ConfirmSignUp"),
    (_confirm_wrong, "ConfirmSignUpFailure"),
    (_resend, "ResendCode"),
    (_admin_confirm, "AdminConfirmSignUp"),
    (_forgot, "ForgotPassword"),
    (_confirm_forgot, "ConfirmForgotPassword"),
    (_confirm_forgot_wrong, "ConfirmForgotPasswordFailure"),
    (_change, "PasswordChange"),
    (_change_wrong, "PasswordChangeFailure"),
    (_admin_set, "AdminSetUserPassword"),
    (_admin_reset, "AdminResetUserPassword"),
    (_admin_create, "AdminCreateUser"),
    (_admin_create_resend, "AdminCreateUserResend"),
    (_update, "UpdateUserAttributes"),
    (_admin_update, "UpdateUserAttributes"),
    (_delete_attributes, "DeleteUserAttributes"),
    (_admin_delete_attributes, "DeleteUserAttributes"),
    (_verification_code, "GetUserAttributeVerificationCode"),
    (_verify, "VerifyUserAttribute"),
    (_disable, "AdminDisableUser"),
    (_enable, "AdminEnableUser"),
    (_delete, "DeleteUser"),
    (_admin_delete, "AdminDeleteUser"),
]


def _everything_in_the_trail() -> str:
    # Every column a service fills from its inputs (timestamps could match a 6-digit code by chance).
    columns = ("event_type", "username", "actor", "user_agent", "details")
    return " ".join(str(value) for row in AuditEvent.objects.values(*columns) for value in row.values())


@pytest.mark.parametrize(("operation", "event_type"), USER_EVENTS, ids=[op.__name__.strip("_") for op, _ in USER_EVENTS])
def test_each_user_service_records_its_event(pool, client_app, user, mailoutbox, monkeypatch, operation, event_type):
    predictable_codes(monkeypatch, start=987654, step=1)
    world = SimpleNamespace(pool=pool, client=client_app, user=user, mailoutbox=mailoutbox)
    secrets = operation(world) or []
    events = AuditEvent.objects.filter(event_type=event_type, actor=CALLER.actor)
    assert events.count() == 1
    event = events.get()
    assert (event.ip_address, event.user_agent, event.pool_id) == ("2001:db8::7", "aws-sdk-js/3 ua/2.1", pool.pk)
    assert event.username and (event.user is None) == (event_type in ("DeleteUser", "AdminDeleteUser"))
    trail = _everything_in_the_trail()
    for secret in [*secrets, *_codes(mailoutbox), DEFAULT_PASSWORD]:
        assert secret not in trail


def test_pool_and_client_services_record_their_events(db, monkeypatch):
    pool = pools.create_user_pool(name="Shop", context=CALLER)
    created = pools.create_user_pool_client(pool=pool, name="web", generate_secret=True, context=CALLER)
    rotated = pools.rotate_client_secret(client=created.client, context=CALLER)
    pools.add_custom_attributes(pool=pool, custom_attributes=[{"Name": "team"}], context=CALLER)
    rows = AuditEvent.objects.filter(actor=CALLER.actor).order_by("id")
    assert [row.event_type for row in rows] == ["CreateUserPool", "CreateUserPoolClient", "RotateClientSecret", "UpdateUserPool"]
    assert all(row.pool_id == pool.pk and row.ip_address == "2001:db8::7" and row.user_agent == "aws-sdk-js/3 ua/2.1" for row in rows)
    trail = _everything_in_the_trail()
    assert created.secret not in trail and rotated not in trail
    # The pool's own trail goes with it; the deletion itself is kept, tied to no pool.
    pool_id = pool.pk
    pools.delete_user_pool(pool=pool, context=CALLER)
    (deletion,) = AuditEvent.objects.filter(actor=CALLER.actor)
    assert (deletion.event_type, deletion.pool, deletion.details["pool_id"]) == ("DeleteUserPool", None, pool_id)
    assert deletion.ip_address == "2001:db8::7"


def test_the_user_agent_is_cut_to_fit(pool, user):
    users.admin_disable_user(pool=pool, username=user.username, context=RequestContext(actor="operator:root", user_agent="x" * 2000))
    assert len(AuditEvent.objects.get(event_type="AdminDisableUser").user_agent) == 512
