"""Each sign-in challenge the state machine can ask is a page: a form and a template, nothing more.

A new challenge is one more entry in CHALLENGE_PAGES; the view that shows and answers them does
not change. A page may `prepare` its step (TOTP set-up fetches its secret) and `submit` it
differently (set-up verifies the code before answering).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Callable

import qrcode
import qrcode.image.svg
from django import forms
from django.utils.translation import gettext_lazy as _

from hostedui.forms import NewPasswordForm
from identity import crypto
from identity.services import directory, mfa, passwordless, signin

FACTOR_NAMES = {
    mfa.SOFTWARE_TOKEN_MFA: _("Authenticator app"),
    mfa.SMS_MFA: _("Text message (SMS)"),
    mfa.EMAIL_OTP: _("Email"),
    mfa.WEB_AUTHN: _("Passkey"),
}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, response_key: str, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.response_key = response_key
        self.fields["code"].help_text = help_text

    def responses(self) -> dict[str, str]:
        return {self.response_key: self.cleaned_data["code"].strip()}


class SelectFactorForm(forms.Form):
    factor = forms.ChoiceField(label=_("How do you want to confirm it's you?"), widget=forms.RadioSelect)

    def __init__(self, *args, options: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = [(name, FACTOR_NAMES.get(name, name)) for name in options]

    def responses(self) -> dict[str, str]:
        return {"ANSWER": self.cleaned_data["factor"]}


class PasskeyForm(forms.Form):
    """WEB_AUTHN: the page's script puts the browser's answer (AuthenticationResponseJSON) here."""

    credential = forms.CharField(widget=forms.HiddenInput, max_length=16384)

    def responses(self) -> dict[str, str]:
        return {"CREDENTIAL": self.cleaned_data["credential"]}


class AuthenticatorSetupForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=6, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    device_name = forms.CharField(label=_("Device name"), max_length=128, required=False, initial="",
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def responses(self) -> dict[str, str]:
        return {}


class EmailSetupForm(forms.Form):
    """MFA_SETUP answered with EMAIL: codes by email to this address, proven by the first one."""

    email = forms.EmailField(label=_("Email address"), max_length=2048, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def responses(self) -> dict[str, str]:
        return {"EMAIL": self.cleaned_data["email"]}


def _setup_options(parameters: dict) -> list[str]:
    return json.loads(parameters.get("MFAS_CAN_SETUP") or "[]")


def _setup_form(data: dict | None, parameters: dict) -> forms.Form:
    # One page, one form per way the pool lets a user set up here; the button pressed says which.
    options = _setup_options(parameters)
    wants_email = mfa.EMAIL_OTP in options and (data is None and mfa.SOFTWARE_TOKEN_MFA not in options or (data or {}).get("method") == "email")
    if wants_email:
        return EmailSetupForm(data, prefix="email")
    return AuthenticatorSetupForm(data if mfa.SOFTWARE_TOKEN_MFA in options else None)


@dataclass(frozen=True)
class ChallengePage:
    title: str
    template: str
    # (POST data or None, the challenge's parameters) -> a form with .responses()
    form: Callable[[dict | None, dict], forms.Form]
    # (the pool, the pending challenge, the request context) -> the pending challenge, ready to show
    prepare: Callable[[object, dict, object], dict] = lambda pool, pending, context: pending
    # (the valid form, the pending challenge, the request context) -> the Session to answer with
    submit: Callable[[forms.Form, dict, object], str] = lambda form, pending, context: pending["session"]
    extra: Callable[[dict], dict] = lambda pending: {}
    offers_recovery_codes: bool = False


def _missing_attributes(parameters: dict) -> list[str]:
    names = json.loads(parameters.get("requiredAttributes") or "[]")
    return [name.removeprefix("userAttributes.") for name in names]


def _delivery_note(parameters: dict) -> dict:
    return {"destination": parameters.get("CODE_DELIVERY_DESTINATION", "")}


def _sent_code_page(title: str, response_key: str) -> ChallengePage:
    """A page for a code we sent by text or email, naming where it went."""
    return ChallengePage(
        title=title,
        template="challenges/code.html",
        form=lambda data, parameters: CodeForm(data, response_key=response_key),
        extra=lambda pending: _delivery_note(pending["parameters"]),
    )


def _associate(pool, pending: dict, context) -> dict:
    if pending.get("enrolment") or mfa.SOFTWARE_TOKEN_MFA not in _setup_options(pending["parameters"]):
        return pending
    secret, session = signin.associate_software_token_in_session(session=pending["session"], context=context)
    user = directory.find_user(pool, pending["username"])
    # The authenticator's key waits in the session store between two pages: encrypted, as keys at rest are.
    enrolment = crypto.encrypt(json.dumps({"secret": secret, "uri": mfa.provisioning_uri(user=user, secret=secret)}))
    return {**pending, "session": session, "enrolment": enrolment}


def _verify(form: forms.Form, pending: dict, context) -> str:
    if isinstance(form, EmailSetupForm):  # answered with EMAIL by the page's view: no token to verify
        return pending["session"]
    return signin.verify_software_token_in_session(
        session=pending["session"], code=form.cleaned_data["code"], friendly_name=form.cleaned_data["device_name"], context=context,
    )


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _setup_context(pending: dict) -> dict:
    enrolment = json.loads(crypto.decrypt(pending["enrolment"])) if pending.get("enrolment") else {}
    options = _setup_options(pending["parameters"])
    context = {
        "secret": enrolment.get("secret", ""), "qr": _qr_data_uri(enrolment["uri"]) if enrolment else "",
        "can_totp": mfa.SOFTWARE_TOKEN_MFA in options, "can_email": mfa.EMAIL_OTP in options,
        # Texted codes need a phone number on the account, which only an administrator (or the
        # signed-in user) can add; Cognito's MFA_SETUP cannot set SMS up either.
        "sms_needs_phone": mfa.SMS_MFA in options,
        "email_form": EmailSetupForm(prefix="email"), "blank_totp_form": AuthenticatorSetupForm(),
    }
    if mfa.SOFTWARE_TOKEN_MFA not in options:
        context["title"] = _("Add a second step to your sign-in")
    return context


CHALLENGE_PAGES = {
    signin.NEW_PASSWORD_REQUIRED: ChallengePage(
        title=_("Choose a new password"),
        template="challenges/new_password.html",
        form=lambda data, parameters: NewPasswordForm(data, missing=_missing_attributes(parameters)),
    ),
    mfa.SOFTWARE_TOKEN_MFA: ChallengePage(
        title=_("Enter the code from your authenticator app"),
        template="challenges/code.html",
        form=lambda data, parameters: CodeForm(data, response_key="SOFTWARE_TOKEN_MFA_CODE",
                                               help_text=_("Lost your device? Enter one of your recovery codes instead.")),
    ),
    mfa.SMS_MFA: _sent_code_page(_("Enter the code we texted you"), "SMS_MFA_CODE"),
    mfa.EMAIL_OTP: _sent_code_page(_("Enter the code we emailed you"), "EMAIL_OTP_CODE"),
    passwordless.SMS_OTP: _sent_code_page(_("Enter the code we texted you"), "SMS_OTP_CODE"),
    passwordless.WEB_AUTHN: ChallengePage(
        title=_("Sign in with your passkey"),
        template="challenges/passkey.html",
        form=lambda data, parameters: PasskeyForm(data),
        extra=lambda pending: {"request_options": pending["parameters"].get("CREDENTIAL_REQUEST_OPTIONS", "")},
    ),
    mfa.SELECT_MFA_TYPE: ChallengePage(
        title=_("Confirm it's you"),
        template="challenges/select_factor.html",
        form=lambda data, parameters: SelectFactorForm(data, options=json.loads(parameters.get("MFAS_CAN_CHOOSE") or "[]")),
    ),
    mfa.MFA_SETUP: ChallengePage(
        title=_("Set up an authenticator app"),
        template="challenges/totp_setup.html",
        form=_setup_form,
        prepare=_associate,
        submit=_verify,
        extra=_setup_context,
        offers_recovery_codes=True,
    ),
}
