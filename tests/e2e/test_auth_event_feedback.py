"""A high-risk sign-in in Chromium is blocked and emailed over SMTP; the link in that real email opens the feedback
page, "No, this was not me" is clicked, and the event's feedback is Invalid (both pages axe-checked)."""
import re

from identity.context import RequestContext
from identity.models import AuthEvent, UserPool
from identity.services import signin
from tests.e2e.axe import assert_accessible, assert_announced
from tests.e2e.conftest import PASSWORD
from tests.e2e.steps import expect_page, press, sign_in
from tests.smtp_sink import text_of

HOME = RequestContext(ip_address="203.0.113.7", user_agent="Firefox at home", device_id="laptop")


def test_the_link_in_the_risk_email_records_that_it_was_not_me(page, new_page, rp, ana, mailbox):
    pool = rp.pool
    UserPool.objects.filter(pk=pool.pk).update(threat_protection_mode="ENFORCED", risk_high_action="BLOCK", risk_high_notify=True)
    # Ana has signed in from home before; the browser is a new device on a new network.
    signin.initiate_auth(pool=UserPool.objects.get(pk=pool.pk), client=rp.client, auth_flow="USER_PASSWORD_AUTH",
                         auth_parameters={"USERNAME": "ana", "PASSWORD": PASSWORD}, context=HOME)
    page.goto(rp.authorize_url())
    for attempt in range(3):  # someone guessing first: failures for this user
        sign_in(page, "ana", f"Wrong-guess-{attempt}")
        assert_announced(page.get_by_text("Incorrect username or password."))
    sign_in(page, "ana", PASSWORD)
    assert_announced(page.get_by_text("This sign-in was blocked to protect your account. Try again later."))
    blocked = AuthEvent.objects.filter(user=ana, event_type="SignIn").order_by("-id").first()
    assert (blocked.risk_level, blocked.risk_decision) == ("High", "Block")

    body = text_of(mailbox.latest_to("ana@example.com"))
    assert "was blocked" in body
    link = re.search(r"This was not me: (\S+)", body).group(1)
    assert link.startswith(f"{rp.base_url}/{pool.id}/auth-event-feedback?") and "token=" in link

    mail_client = new_page()  # the email is opened elsewhere: no session of the sign-in
    mail_client.goto(link)
    expect_page(mail_client, pool, "auth-event-feedback")
    assert "token=" not in mail_client.url
    assert mail_client.get_by_role("heading", name="Was this you?").is_visible()
    assert mail_client.get_by_text("The sign-in was blocked.").is_visible()
    assert mail_client.get_by_text("network 127.0.0.0/24").is_visible()
    assert_accessible(mail_client)
    blocked.refresh_from_db()
    assert blocked.feedback_value == ""  # opening the link changed nothing

    press(mail_client, "No, this was not me")
    assert_announced(mail_client.get_by_text("This sign-in is marked as not yours", exact=False))
    assert mail_client.get_by_text("You said this sign-in was not yours. You can change your answer.").is_visible()
    assert mail_client.get_by_role("link", name="Change your password").is_visible()
    assert_accessible(mail_client)
    blocked.refresh_from_db()
    assert (blocked.feedback_value, blocked.feedback_provider) == ("Invalid", "User")
