"""The hosted pages end to end over HTTP without JavaScript: every flow returns to the app with a code."""
from __future__ import annotations

import pytest
from django.core import mail

from identity.models import User
from identity.services import passwords
from tests import factories
from tests.hostedui.conftest import CHALLENGE, Pages, last_code, text

PASSWORD = factories.DEFAULT_PASSWORD


def test_sign_up_confirm_and_land_on_the_callback(pages, hosted_pool):
    page = pages.get(pages.url("signup"))
    assert "Your password needs:" in text(page)
    page = pages.post(page, {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    assert "We sent a code to z***@e***" in text(page) or "We sent a code to" in text(page)
    user = User.objects.get(pool=hosted_pool, username="zoe")
    assert user.status == User.Status.UNCONFIRMED
    done = pages.post(page, {"code": last_code("zoe@example.com")})
    assert done.status_code == 302 and done.callback["code"]
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED and user.attributes["email_verified"] == "true"


def test_sign_up_errors_are_shown_on_the_page_and_nothing_is_created(pages, hosted_pool):
    page = pages.get(pages.url("signup"))
    weak = pages.post(page, {"username": "zoe", "email": "zoe@example.com", "password": "short", "confirm_password": "short"})
    assert weak.status_code == 400 and "The password is too short." in text(weak)
    mismatch = pages.post(page, {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD, "confirm_password": PASSWORD + "x"})
    assert "The passwords do not match." in text(mismatch)
    assert 'aria-invalid="true"' in text(mismatch) and 'aria-describedby="id_confirm_password-error"' in text(mismatch)
    factories.create_user(pool=hosted_pool, username="taken")
    taken = pages.post(page, {"username": "taken", "email": "t@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    assert "An account with this username already exists." in text(taken)
    assert not User.objects.filter(pool=hosted_pool, username="zoe").exists()


def test_email_username_pool_asks_for_email_and_required_attributes(db):
    schema_pool = factories.create_pool(username_attributes=["email"])
    schema_pool.schema = [dict(entry, Required=True) if entry["Name"] == "given_name" else entry for entry in schema_pool.schema]
    schema_pool.save()
    app = factories.create_client(pool=schema_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
                                  callback_urls=["https://app.example.com/callback"])
    pages = Pages(schema_pool, app)
    page = pages.get(pages.url("signup"))
    assert 'name="username"' not in text(page) and ">Email</label>" in text(page) and "Given name" in text(page)
    missing = pages.post(page, {"email": "kim@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    assert missing.status_code == 400 and User.objects.filter(pool=schema_pool).count() == 0
    page = pages.post(page, {"email": "kim@example.com", "given_name": "Kim", "password": PASSWORD, "confirm_password": PASSWORD})
    user = User.objects.get(pool=schema_pool)
    assert user.attributes["email"] == "kim@example.com" and user.attributes["given_name"] == "Kim"
    assert pages.post(page, {"code": last_code("kim@example.com")}).callback["code"]


def test_resend_sends_a_new_code_and_the_old_one_stops_working(pages):
    page = pages.post(pages.get(pages.url("signup")), {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    first = last_code("zoe@example.com")
    page = pages.post(page, {"resend": "1"})
    assert "We sent a new code" in text(page) and len(mail.outbox) == 2
    second = last_code("zoe@example.com")
    if first != second:
        wrong = pages.post(page, {"code": first})
        assert wrong.status_code == 400
    assert pages.post(page, {"code": second}).callback["code"]


def test_wrong_code_is_a_form_error(pages):
    page = pages.post(pages.get(pages.url("signup")), {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD, "confirm_password": PASSWORD})
    code = last_code("zoe@example.com")
    wrong = pages.post(page, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "Invalid verification code provided" in text(wrong)


def test_sign_in_and_wrong_password(pages, hosted_pool):
    factories.create_user(pool=hosted_pool, username="ana")
    page = pages.get(pages.url("login"))
    wrong = pages.post(page, {"username": "ana", "password": "nope"})
    assert wrong.status_code == 400 and "Incorrect username or password." in text(wrong)
    assert pages.post(page, {"username": "ana", "password": PASSWORD}).callback["code"]


def test_unknown_user_reads_as_a_wrong_password_when_the_client_hides_existence(pages):
    page = pages.get(pages.url("login"))
    answer = pages.post(page, {"username": "nobody", "password": PASSWORD})
    assert "Incorrect username or password." in text(answer) and "does not exist" not in text(answer)


def test_unconfirmed_user_with_the_right_password_goes_to_confirm(pages, hosted_pool):
    factories.create_user(pool=hosted_pool, username="una", status=User.Status.UNCONFIRMED, attributes={"email": "una@example.com"})
    page = pages.post(pages.get(pages.url("login")), {"username": "una", "password": PASSWORD})
    assert "Confirm your account" in text(page)
    assert pages.post(page, {"code": last_code("una@example.com")}).callback["code"]


def test_forgot_password_then_sign_in_with_the_new_one(pages, hosted_pool):
    factories.create_user(pool=hosted_pool, username="ana", attributes={"email": "ana@example.com", "email_verified": "true"})
    page = pages.post(pages.get(pages.url("forgotPassword")), {"username": "ana"})
    assert "Reset your password" in text(page)
    new = "Brand-new-passw0rd"
    login = pages.post(page, {"code": last_code("ana@example.com"), "password": new, "confirm_password": new})
    assert "Your password has been reset" in text(login)
    assert pages.post(login, {"username": "ana", "password": new}).callback["code"]


def test_forgot_password_for_an_unknown_user_looks_the_same(pages):
    page = pages.post(pages.get(pages.url("forgotPassword")), {"username": "ghost@example.com"})
    assert page.status_code == 200 and "Reset your password" in text(page) and not mail.outbox
    wrong = pages.post(page, {"code": "123456", "password": "Brand-new-passw0rd", "confirm_password": "Brand-new-passw0rd"})
    assert "Invalid verification code provided" in text(wrong)


def test_temporary_password_then_new_password_with_missing_required_attribute(db):
    pool = factories.create_pool()
    pool.schema = [dict(entry, Required=True) if entry["Name"] == "family_name" else entry for entry in pool.schema]
    pool.save()
    app = factories.create_client(pool=pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
                                  callback_urls=["https://app.example.com/callback"])
    user = factories.create_user(pool=pool, username="tina", status=User.Status.FORCE_CHANGE_PASSWORD)
    passwords.store_password(user, "Temp-Passw0rd!", temporary=True)
    user.save()
    pages = Pages(pool, app)
    challenge = pages.post(pages.get(pages.url("login")), {"username": "tina", "password": "Temp-Passw0rd!"})
    assert "Choose a new password" in text(challenge) and "Family name" in text(challenge)
    weak = pages.post(challenge, {"new_password": "weak", "confirm_password": "weak", "family_name": "Ng"})
    assert weak.status_code == 400 and "The password is too short." in text(weak)
    done = pages.post(challenge, {"new_password": "Own-Passw0rd!", "confirm_password": "Own-Passw0rd!", "family_name": "Ng"})
    assert done.callback["code"]
    user.refresh_from_db()
    assert user.status == User.Status.CONFIRMED and user.attributes["family_name"] == "Ng"


def test_second_client_of_the_pool_signs_in_without_a_password(pages, hosted_pool):
    factories.create_user(pool=hosted_pool, username="ana")
    assert pages.post(pages.get(pages.url("login")), {"username": "ana", "password": PASSWORD}).callback["code"]
    other = factories.create_client(pool=hosted_pool, allowed_oauth_flows=["code"], allowed_oauth_scopes=["openid"],
                                    callback_urls=["https://app.example.com/callback"])
    query = (f"client_id={other.client_id}&response_type=code&redirect_uri=https://app.example.com/callback&scope=openid&state=st4te"
             f"&code_challenge={CHALLENGE}&code_challenge_method=S256")
    assert pages.get(f"/{hosted_pool.id}/oauth2/authorize?{query}").callback["code"]
    # prompt=login asks again even though the session is live
    again = pages.get(f"/{hosted_pool.id}/oauth2/authorize?{query}&prompt=login")
    assert again.status_code == 200 and 'name="password"' in text(again)


def test_signed_in_page_offers_sign_out(hosted_pool, app):
    factories.create_user(pool=hosted_pool, username="ana")
    pages = Pages(hosted_pool, app)
    pages.authorize = {"client_id": app.client_id}
    landed = pages.post(pages.get(pages.url("login")), {"username": "ana", "password": PASSWORD})
    assert "You are signed in" in text(landed) and "Sign out" in text(landed)
    signed_out = pages.get(f"/{hosted_pool.id}/logout?client_id={app.client_id}")
    assert signed_out.status_code == 200
    assert pages.get(pages.url("signedIn")).request_url.startswith(f"/{hosted_pool.id}/login")


def test_admin_only_pool_has_no_sign_up(db):
    pool = factories.create_pool(allow_admin_create_user_only=True)
    app = factories.create_client(pool=pool)
    pages = Pages(pool, app)
    assert "Sign up" not in text(pages.get(pages.url("login"))).split("</form>")[1]
    assert pages.get(pages.url("signup")).status_code == 403


def test_unknown_client_is_a_plain_error_page(hosted_pool):
    response = Pages(hosted_pool, factories.create_client(pool=hosted_pool)).http.get(f"/{hosted_pool.id}/login?client_id=nope")
    assert response.status_code == 400 and "no known app client" in text(response)


def test_challenge_page_without_a_challenge_goes_back_to_sign_in(pages):
    response = pages.get(pages.url("challenge"))
    assert response.request_url.startswith(f"/{pages.pool.id}/login") and "This step has expired" in text(response)


@pytest.mark.parametrize("route", ["login", "signup", "confirm", "forgotPassword", "challenge"])
def test_every_page_sends_a_strict_policy(pages, route):
    response = pages.http.get(pages.url(route))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://app.example.com" in policy
    assert response["X-Frame-Options"] == "DENY" and "no-store" in response["Cache-Control"]


def test_posts_need_the_csrf_token(pages, hosted_pool):
    factories.create_user(pool=hosted_pool, username="ana")
    response = pages.http.post(pages.url("login"), {"username": "ana", "password": PASSWORD})
    assert response.status_code == 403


def test_posts_are_rate_limited_per_address(pages, settings):
    settings.USERPOOLS_RATE_LIMITS = {"sign-in": {"per_ip": 2}}
    page = pages.get(pages.url("login"))
    for _ in range(2):
        assert pages.post(page, {"username": "x", "password": "y"}).status_code == 400
    limited = pages.post(page, {"username": "x", "password": "y"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert "Too many attempts" in text(limited)


def test_language_from_lang_then_accept_language(pages):
    assert 'lang="en"' in text(pages.get(pages.url("login")))
    assert 'lang="fr"' in text(pages.get(pages.url("login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"))
    assert 'lang="es"' in text(pages.get(pages.url("login", lang="es"), HTTP_ACCEPT_LANGUAGE="fr"))


def test_the_oidc_signed_out_and_error_pages_follow_the_language(pages, hosted_pool, app):
    signed_out = pages.http.get(f"/{hosted_pool.id}/logout?client_id={app.client_id}&lang=de")
    assert 'lang="de"' in text(signed_out)
    error = pages.http.get(f"/{hosted_pool.id}/oauth2/authorize?client_id=nope&lang=fr")
    assert error.status_code == 400 and 'lang="fr"' in text(error)
