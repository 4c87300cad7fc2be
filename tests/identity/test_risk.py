"""Adaptive authentication: each signal, the levels driving allow / MFA / block, AUDIT and OFF, feedback, history."""
import datetime

import pytest

from identity import clock
from identity.context import RequestContext
from identity.models import AuthEvent, User, UserPool
from identity.services import geo, risk, signin
from tests import factories
from tests.factories import DEFAULT_PASSWORD
from tests.identity.directory_support import cognito_error, last_email_code

HOME = RequestContext(ip_address="203.0.113.7", user_agent="Firefox at home", device_id="laptop")
# Another host of the same /24, the same device: nothing new.
HOME_AGAIN = RequestContext(ip_address="203.0.113.99", user_agent="Firefox at home", device_id="laptop")
NEW_DEVICE = RequestContext(ip_address="203.0.113.7", user_agent="Chrome", device_id="phone")
ELSEWHERE = RequestContext(ip_address="198.51.100.20", user_agent="curl", device_id="unknown")


@pytest.fixture
def pool(db):
    return factories.create_pool(threat_protection_mode="ENFORCED", mfa_configuration="OPTIONAL", mfa_email_enabled=True,
                                 risk_low_notify=False, risk_medium_notify=False, risk_high_notify=False)


@pytest.fixture
def client(pool):
    return factories.create_client(pool=pool)


def _user(pool, verified=True):
    return factories.create_user(pool=pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true" if verified else "false"})


def _sign_in(pool, client, context, password=DEFAULT_PASSWORD, username="ana"):
    return signin.initiate_auth(pool=pool, client=client, auth_flow="USER_PASSWORD_AUTH",
                                auth_parameters={"USERNAME": username, "PASSWORD": password}, context=context)


def _last_event(user) -> AuthEvent:
    return AuthEvent.objects.filter(user=user).order_by("-id").first()


def _set(pool, **fields):
    UserPool.objects.filter(pk=pool.pk).update(**fields)
    pool.refresh_from_db()


def test_a_first_sign_in_has_no_risk_and_is_recorded(pool, client):
    user = _user(pool)
    assert isinstance(_sign_in(pool, client, HOME), signin.AuthenticationResult)
    event = _last_event(user)
    assert (event.event_type, event.response, event.risk_decision, event.risk_level) == ("SignIn", "Pass", "NoRisk", "")
    assert event.network == "203.0.113.0/24" and event.device_key and event.ip_address == "203.0.113.7"
    assert event.challenges == [{"ChallengeName": "Password", "ChallengeResponse": "Success"}]


def test_the_same_device_and_network_stay_without_risk(pool, client):
    user = _user(pool)
    _sign_in(pool, client, HOME)
    _sign_in(pool, client, HOME_AGAIN)
    assert _last_event(user).risk_reasons == [] and _last_event(user).risk_decision == "NoRisk"


def test_a_new_device_is_low_and_a_new_device_on_a_new_network_is_medium(pool, client):
    user = _user(pool)
    _sign_in(pool, client, HOME)
    _sign_in(pool, client, NEW_DEVICE)
    event = _last_event(user)
    assert (event.risk_reasons, event.risk_level, event.risk_decision) == (["new_device"], "Low", "AccountTakeover")
    _sign_in(pool, client, ELSEWHERE)
    assert _last_event(user).risk_reasons == ["new_device", "new_network"] and _last_event(user).risk_level == "Medium"


def test_medium_risk_requires_mfa_and_the_answered_code_completes_the_event(pool, client, mailoutbox):
    _set(pool, risk_medium_action="MFA_REQUIRED")
    user = _user(pool)
    _sign_in(pool, client, HOME)
    challenge = _sign_in(pool, client, ELSEWHERE)
    assert isinstance(challenge, signin.ChallengeResult) and challenge.name == "EMAIL_OTP"
    assert _last_event(user).response == "InProgress"
    result = signin.respond_to_auth_challenge(pool=pool, client=client, challenge_name="EMAIL_OTP", session=challenge.session,
                                              responses={"USERNAME": "ana", "EMAIL_OTP_CODE": last_email_code(mailoutbox)}, context=ELSEWHERE)
    assert result.amr == ("pwd", "mfa")
    event = _last_event(user)
    assert event.response == "Pass" and [c["ChallengeName"] for c in event.challenges] == ["Password", "Mfa"]


def test_mfa_required_blocks_a_user_without_a_factor(pool, client):
    _set(pool, risk_medium_action="MFA_REQUIRED", risk_medium_notify=True)
    user = _user(pool, verified=False)
    _sign_in(pool, client, HOME)
    with cognito_error("NotAuthorizedException", risk.BLOCKED_MESSAGE):
        _sign_in(pool, client, ELSEWHERE)
    event = _last_event(user)
    assert (event.response, event.risk_decision, event.risk_level) == ("Fail", "Block", "Medium")


def test_mfa_if_configured_lets_a_user_without_a_factor_in(pool, client):
    _set(pool, risk_medium_action="MFA_IF_CONFIGURED")
    _user(pool, verified=False)
    _sign_in(pool, client, HOME)
    assert isinstance(_sign_in(pool, client, ELSEWHERE), signin.AuthenticationResult)


def test_mfa_if_configured_challenges_a_user_with_one(pool, client):
    _set(pool, risk_medium_action="MFA_IF_CONFIGURED")
    _user(pool)
    _sign_in(pool, client, HOME)
    assert _sign_in(pool, client, ELSEWHERE).name == "EMAIL_OTP"


def test_block_refuses_the_right_password_and_emails_the_user(pool, client, mailoutbox, django_capture_on_commit_callbacks):
    _set(pool, risk_medium_action="BLOCK", risk_medium_notify=True)
    user = _user(pool)
    _sign_in(pool, client, HOME)
    with django_capture_on_commit_callbacks(execute=True), cognito_error("NotAuthorizedException", risk.BLOCKED_MESSAGE):
        _sign_in(pool, client, ELSEWHERE)
    event = _last_event(user)
    assert event.risk_decision == "Block"
    [notice] = mailoutbox
    assert notice.to == ["ana@example.com"] and "was blocked" in notice.body and "198.51.100.20" in notice.body
    token = notice.body.split("token=")[1].split("&")[0]
    risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(event.event_id), value="Valid", provider="User", token=token)
    assert _last_event(user).feedback_value == "Valid"


def test_invalid_feedback_makes_that_device_high_risk_and_valid_feedback_trusts_it(pool, client):
    _set(pool, risk_high_action="BLOCK")
    user = _user(pool)
    _sign_in(pool, client, HOME)
    _sign_in(pool, client, NEW_DEVICE)
    suspicious = _last_event(user)
    risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(suspicious.event_id), value="Invalid", provider="Admin")
    with cognito_error("NotAuthorizedException", risk.BLOCKED_MESSAGE):
        _sign_in(pool, client, NEW_DEVICE)
    assert _last_event(user).risk_reasons == ["untrusted_device"] and _last_event(user).risk_level == "High"
    risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(suspicious.event_id), value="Valid", provider="Admin")
    _sign_in(pool, client, NEW_DEVICE)
    assert _last_event(user).risk_decision == "NoRisk"


def test_failed_passwords_raise_the_users_and_the_addresss_velocity(pool, client):
    user = _user(pool)
    _sign_in(pool, client, HOME)
    for _ in range(3):
        with cognito_error("NotAuthorizedException"):
            _sign_in(pool, client, HOME, password="Wrong-Horse-1")
    assert _last_event(user).response == "Fail"
    assert _last_event(user).challenges == [{"ChallengeName": "Password", "ChallengeResponse": "Failure"}]
    _sign_in(pool, client, HOME)
    assert _last_event(user).risk_reasons == ["user_failures"]
    for n in range(10):  # one address trying many names, as credential stuffing does
        with cognito_error("NotAuthorizedException"):
            _sign_in(pool, client, HOME, username=f"nobody{n}")
    _sign_in(pool, client, HOME)
    assert "address_failures" in _last_event(user).risk_reasons


def test_an_hour_far_from_the_users_habit_counts(pool, client, monkeypatch):
    user = _user(pool)
    day = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone.utc)
    for n in range(5):
        monkeypatch.setattr(clock, "now", lambda n=n: day + datetime.timedelta(days=n))
        _sign_in(pool, client, HOME)
    monkeypatch.setattr(clock, "now", lambda: day + datetime.timedelta(days=6, hours=1))
    _sign_in(pool, client, HOME)
    assert _last_event(user).risk_reasons == []
    monkeypatch.setattr(clock, "now", lambda: day + datetime.timedelta(days=7, hours=13))
    _sign_in(pool, client, HOME)
    assert _last_event(user).risk_reasons == ["unusual_hour"]


def test_impossible_travel_is_high_risk(pool, client, monkeypatch):
    # A stand-in for geo.locate answers for two addresses (tests/identity/test_geoip.py reads a real database).
    places = {"203.0.113.7": geo.Location(48.85, 2.35, "Paris", "FR", "Europe/Paris"),
              "203.0.113.99": geo.Location(35.68, 139.69, "Tokyo", "JP", "Asia/Tokyo")}
    monkeypatch.setattr(geo, "locate", lambda ip: places.get(ip))
    user = _user(pool)
    _sign_in(pool, client, HOME)
    assert (_last_event(user).city, _last_event(user).country) == ("Paris", "FR")
    _set(pool, risk_high_action="BLOCK")
    with cognito_error("NotAuthorizedException", risk.BLOCKED_MESSAGE):
        _sign_in(pool, client, HOME_AGAIN)  # Tokyo, moments later
    assert _last_event(user).risk_reasons == ["impossible_travel"]


def test_audit_records_the_risk_but_never_acts(pool, client, mailoutbox):
    _set(pool, threat_protection_mode="AUDIT", risk_medium_action="BLOCK", risk_medium_notify=True)
    user = _user(pool)
    _sign_in(pool, client, HOME)
    assert isinstance(_sign_in(pool, client, ELSEWHERE), signin.AuthenticationResult)
    event = _last_event(user)
    assert (event.response, event.risk_level, event.risk_decision) == ("Pass", "Medium", "AccountTakeover") and mailoutbox == []


def test_off_records_nothing_and_lists_nothing(pool, client):
    _set(pool, threat_protection_mode="OFF")
    user = _user(pool)
    _sign_in(pool, client, HOME)
    with cognito_error("NotAuthorizedException"):
        _sign_in(pool, client, HOME, password="Wrong-Horse-1")
    assert not AuthEvent.objects.filter(user=user).exists()
    with cognito_error("UserPoolAddOnNotEnabledException"):
        risk.list_auth_events(pool=pool, user=user)


def test_a_breached_password_at_sign_in_blocks_and_requires_a_reset(pool, client):
    _set(pool, compromised_credentials_check_sign_in=True)
    user = _user(pool)
    _store(user, "Password1!")
    with cognito_error("PasswordResetRequiredException"):
        _sign_in(pool, client, HOME, password="Password1!")
    user.refresh_from_db()
    assert user.status == User.Status.RESET_REQUIRED
    event = _last_event(user)
    assert event.compromised_credentials and event.risk_decision == "Block"


def test_a_breached_password_at_sign_in_under_notify_is_let_in_and_told(pool, client, mailoutbox, django_capture_on_commit_callbacks):
    _set(pool, compromised_credentials_check_sign_in=True, compromised_credentials_action="NOTIFY")
    user = _user(pool)
    _store(user, "Password1!")
    with django_capture_on_commit_callbacks(execute=True):
        assert isinstance(_sign_in(pool, client, HOME, password="Password1!"), signin.AuthenticationResult)
    assert _last_event(user).compromised_credentials and "data breaches" in mailoutbox[-1].body


def _store(user, password):
    from identity.services import passwords

    passwords.store_password(user, password, temporary=False)
    user.save()


def test_feedback_tokens_are_bound_to_their_event(pool, client):
    user = _user(pool)
    _sign_in(pool, client, HOME)
    _sign_in(pool, client, NEW_DEVICE)
    first, second = AuthEvent.objects.filter(user=user).order_by("id")
    with cognito_error("NotAuthorizedException"):
        risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(second.event_id), value="Invalid", provider="User",
                                        token=risk.feedback_token(first))
    with cognito_error("NotAuthorizedException"):
        risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(second.event_id), value="Invalid", provider="User",
                                        token=risk.feedback_token(second) + "x")
    with cognito_error("InvalidParameterException"):
        risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(second.event_id), value="Maybe", provider="Admin")
    with cognito_error("ResourceNotFoundException"):
        risk.update_auth_event_feedback(pool=pool, user=user, event_id="not-a-uuid", value="Valid", provider="Admin")
    assert not AuthEvent.objects.filter(user=user).exclude(feedback_value="").exists()


def test_events_are_listed_newest_first_a_page_at_a_time(pool, client):
    user = _user(pool)
    for _ in range(3):
        _sign_in(pool, client, HOME)
    page, after = risk.list_auth_events(pool=pool, user=user, max_results=2)
    rest, end = risk.list_auth_events(pool=pool, user=user, max_results=2, after=after)
    assert [e.id for e in page + rest] == sorted((e.id for e in page + rest), reverse=True) and len(page + rest) == 3 and end is None


def test_the_pools_notify_templates_fill_cognitos_placeholders(pool, client, mailoutbox, django_capture_on_commit_callbacks):
    from identity.services import risk_config

    notify = risk_config.check_notify_configuration({
        "From": "security@example.com", "ReplyTo": "help@example.com", "SourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
        "BlockEmail": {"Subject": "Blocked:\n{username}", "TextBody": "{username} {ip-address} {login-time} {device-name} no: {one-click-link-invalid}",
                       "HtmlBody": "<p>{device-name}</p><a href=\"{one-click-link-valid}\">me</a>"},
    })
    _set(pool, risk_medium_action="BLOCK", risk_medium_notify=True, risk_notify_configuration=notify)
    user = _user(pool)
    _sign_in(pool, client, HOME)
    with django_capture_on_commit_callbacks(execute=True), cognito_error("NotAuthorizedException", risk.BLOCKED_MESSAGE):
        _sign_in(pool, client, RequestContext(ip_address="198.51.100.20", user_agent="<b>Evil</b>", device_id="other"))
    [notice] = mailoutbox
    assert (notice.subject, notice.from_email, notice.reply_to) == ("Blocked: ana", "security@example.com", ["help@example.com"])
    event = _last_event(user)
    assert notice.body.startswith(f"ana 198.51.100.20 {event.created_at:%Y-%m-%d %H:%M:%S} UTC <b>Evil</b> no: ")
    invalid_link = notice.body.split("no: ")[1]
    assert "/auth-event-feedback?" in invalid_link and f"client_id={client.client_id}" in invalid_link and invalid_link.endswith("value=Invalid")
    markup, kind = notice.alternatives[0]
    assert kind == "text/html" and markup.startswith("<p>&lt;b&gt;Evil&lt;/b&gt;</p><a href=\"http") and "value=Valid" in markup


def test_a_feedback_token_is_for_its_event_only_and_expires(pool, client, monkeypatch):
    user = _user(pool)
    _sign_in(pool, client, HOME)
    _sign_in(pool, client, HOME_AGAIN)
    first, second = AuthEvent.objects.filter(user=user).order_by("id")
    token = risk.feedback_token(first)
    assert risk.auth_event_for_feedback(pool=pool, token=token) == first
    with cognito_error("NotAuthorizedException", "Invalid feedback token."):
        risk.update_auth_event_feedback(pool=pool, user=user, event_id=str(second.event_id), value="Invalid", provider="User", token=token)
    with cognito_error("NotAuthorizedException", "Invalid feedback token."):
        risk.auth_event_for_feedback(pool=factories.create_pool(threat_protection_mode="ENFORCED"), token=token)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with cognito_error("NotAuthorizedException", "Invalid feedback token."):
        risk.auth_event_for_feedback(pool=pool, token=tampered)
    later = clock.now() + datetime.timedelta(days=risk.FEEDBACK_TOKEN_DAYS, minutes=1)
    monkeypatch.setattr("time.time", lambda: later.timestamp())  # django.core.signing reads time.time()
    with cognito_error("NotAuthorizedException", "Invalid feedback token."):
        risk.auth_event_for_feedback(pool=pool, token=token)
    assert not AuthEvent.objects.filter(user=user).exclude(feedback_value="").exists()


def test_address_ranges_match_ipv4_ipv6_and_mapped_addresses_and_skip_what_is_not_a_range():
    ranges = ["not-a-range", "10.0.0.0/8", "2001:db8::/32"]
    assert risk.in_ranges("10.1.2.3", ranges) and risk.in_ranges("::ffff:10.9.9.9", ranges) and risk.in_ranges("2001:db8::1", ranges)
    assert not risk.in_ranges("192.0.2.1", ranges) and not risk.in_ranges(None, ranges) and not risk.in_ranges("garbage", ranges)
