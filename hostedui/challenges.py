"""Each sign-in challenge the state machine can ask is a page: a form and a template, nothing more.

A new challenge (MFA codes, TOTP set-up, passkeys) is one more entry in CHALLENGE_PAGES; the view
that shows and answers them does not change.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from hostedui.forms import NewPasswordForm
from identity.services import signin


@dataclass(frozen=True)
class ChallengePage:
    title: str
    template: str
    # (POST data or None, the challenge's parameters) -> a form with .responses()
    form: Callable[[dict | None, dict], forms.Form]


def _missing_attributes(parameters: dict) -> list[str]:
    names = json.loads(parameters.get("requiredAttributes") or "[]")
    return [name.removeprefix("userAttributes.") for name in names]


CHALLENGE_PAGES = {
    signin.NEW_PASSWORD_REQUIRED: ChallengePage(
        title=_("Choose a new password"),
        template="challenges/new_password.html",
        form=lambda data, parameters: NewPasswordForm(data, missing=_missing_attributes(parameters)),
    ),
}
