"""Forms of the hosted pages. They collect and shape input; every rule is the services' to apply."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from identity import schema
from identity.models import UserPool, UserPoolClient
from identity.services import passwords

USERNAME_MAX = 128
PASSWORD_MAX = passwords.MAX_PASSWORD_LENGTH
# Labels of the standard attributes a sign-up page may ask for.
ATTRIBUTE_LABELS = {
    "email": _("Email"),
    "phone_number": _("Phone number"),
    "name": _("Name"),
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "middle_name": _("Middle name"),
    "nickname": _("Nickname"),
    "preferred_username": _("Preferred username"),
    "profile": _("Profile page"),
    "picture": _("Picture URL"),
    "website": _("Website"),
    "gender": _("Gender"),
    "birthdate": _("Birthdate"),
    "zoneinfo": _("Time zone"),
    "locale": _("Locale"),
    "address": _("Address"),
}
AUTOCOMPLETE = {
    "email": "email", "phone_number": "tel", "name": "name", "given_name": "given-name", "family_name": "family-name",
    "middle_name": "additional-name", "nickname": "nickname", "birthdate": "bday", "address": "street-address",
    "website": "url", "gender": "sex", "locale": "language",
}


def _password_field(label, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=PASSWORD_MAX, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete, "data-password": "true"}),
    )


def _new_password_pair(form: forms.Form, first: str = "password", second: str = "confirm_password") -> None:
    if form.cleaned_data.get(first) and form.cleaned_data.get(second) is not None and form.cleaned_data[first] != form.cleaned_data[second]:
        form.add_error(second, _("The passwords do not match."))


def identifier_label(pool: UserPool) -> str:
    """What the sign-in field asks for: the pool's sign-in identifiers, in words."""
    attributes = pool.username_attributes
    if attributes == ["email"]:
        return str(_("Email"))
    if attributes == ["phone_number"]:
        return str(_("Phone number"))
    if attributes:
        return str(_("Email or phone number"))
    return str(_("Username"))


ALIAS_WORDS = {"email": _("email"), "phone_number": _("phone number"), "preferred_username": _("preferred username")}


def identifier_hint(pool: UserPool) -> str:
    aliases = [str(ALIAS_WORDS[name]) for name in pool.alias_attributes if name in ALIAS_WORDS]
    if not aliases:
        return ""
    return str(_("You can also sign in with your %(aliases)s.") % {"aliases": str(_(" or ")).join(aliases)})


class SignInForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=USERNAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = _password_field(_("Password"), "current-password")

    def __init__(self, *args, pool: UserPool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = identifier_label(pool)
        self.fields["username"].help_text = identifier_hint(pool)


class SignUpForm(forms.Form):
    """The pool's sign-in identifier, its required attributes and the app's writable ones, and a password twice."""

    def __init__(self, *args, pool: UserPool, client: UserPoolClient, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = pool
        if not pool.username_attributes:
            self.fields["username"] = forms.CharField(
                label=_("Username"), max_length=USERNAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
            )
        identifiers = set(pool.username_attributes)
        for name in signup_attributes(pool, client):
            self.fields[name] = self._attribute_field(name, required=_required(pool, name) and not (len(identifiers) > 1 and name in identifiers))
        self.fields["password"] = _password_field(_("Password"), "new-password")
        self.fields["confirm_password"] = _password_field(_("Confirm password"), "new-password")

    @staticmethod
    def _attribute_field(name: str, *, required: bool) -> forms.CharField:
        kind = {"email": forms.EmailInput, "phone_number": forms.TextInput}.get(name, forms.TextInput)
        attrs = {"autocomplete": AUTOCOMPLETE.get(name, "off")}
        if name == "phone_number":
            attrs.update({"inputmode": "tel", "placeholder": "+12065551212"})
        label = ATTRIBUTE_LABELS.get(name) or name.removeprefix(schema.CUSTOM_PREFIX).replace("_", " ").capitalize()
        return forms.CharField(label=label, required=required, max_length=schema.MAX_VALUE_LENGTH, widget=kind(attrs=attrs))

    def clean(self):
        cleaned = super().clean()
        _new_password_pair(self)
        identifiers = self.pool.username_attributes
        if len(identifiers) > 1 and not any(cleaned.get(name) for name in identifiers):
            self.add_error(identifiers[0], _("Enter an email or a phone number."))
        return cleaned

    def username_and_attributes(self) -> tuple[str, dict[str, str]]:
        """What SignUp takes: in an email/phone-username pool, the first identifier given is the username."""
        values = {name: value for name, value in self.cleaned_data.items() if name not in ("username", "password", "confirm_password") and value}
        if self.pool.username_attributes:
            username = next(values[name] for name in self.pool.username_attributes if values.get(name))
            return username, values
        return self.cleaned_data["username"], values


def _required(pool: UserPool, name: str) -> bool:
    rule = schema.rules_for(pool.schema).get(name)
    return bool(rule and rule.required) or name in pool.username_attributes


def signup_attributes(pool: UserPool, client: UserPoolClient) -> list[str]:
    """The attributes a sign-up page asks for, in schema order.

    The sign-in identifiers, the required attributes, an auto-verified email or phone (the code goes
    there), and the attributes the app client lists as writable; never a verification flag or sub.
    """
    rules = schema.rules_for(pool.schema)
    wanted = set(pool.username_attributes) | set(pool.auto_verified_attributes)
    wanted |= {name for name, rule in rules.items() if rule.required}
    wanted |= set(client.write_attributes)
    hidden = {"sub", "email_verified", "phone_number_verified", "updated_at"}
    ordered = list(pool.username_attributes) + [name for name in rules if name not in pool.username_attributes]
    return [name for name in ordered if name in wanted and name not in hidden and name in rules]


class ConfirmForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=USERNAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    code = forms.CharField(
        label=_("Code"), max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, pool: UserPool, known_username: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if known_username:
            del self.fields["username"]
        else:
            self.fields["username"].label = identifier_label(pool)


class NewRecoveryCodesForm(forms.Form):
    """A fresh second factor before new recovery codes: a session cookie alone must not be enough."""

    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=16,
        help_text=_("Or one of your unused recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class ResendForm(forms.Form):
    username = forms.CharField(required=False, max_length=USERNAME_MAX, widget=forms.HiddenInput)


class ForgotPasswordForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=USERNAME_MAX, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))

    def __init__(self, *args, pool: UserPool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = identifier_label(pool)


class ResetPasswordForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    password = _password_field(_("New password"), "new-password")
    confirm_password = _password_field(_("Confirm password"), "new-password")

    def clean(self):
        cleaned = super().clean()
        _new_password_pair(self)
        return cleaned


class NewPasswordForm(forms.Form):
    """NEW_PASSWORD_REQUIRED: a password of the user's own, and the required attributes the user lacks."""

    new_password = _password_field(_("New password"), "new-password")
    confirm_password = _password_field(_("Confirm password"), "new-password")

    def __init__(self, *args, missing: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        for name in missing:
            self.fields[name] = SignUpForm._attribute_field(name, required=True)

    def clean(self):
        cleaned = super().clean()
        _new_password_pair(self, "new_password", "confirm_password")
        return cleaned

    def responses(self) -> dict[str, str]:
        extra = {f"userAttributes.{name}": value for name, value in self.cleaned_data.items() if name not in ("new_password", "confirm_password")}
        return {"NEW_PASSWORD": self.cleaned_data["new_password"], **extra}


def password_rules(pool: UserPool) -> list[dict]:
    """The pool's password policy as a list a page shows up front and its script checks as the user types."""
    rules = [{"rule": "length", "value": pool.password_minimum_length,
              "text": _("At least %(count)d characters") % {"count": pool.password_minimum_length}}]
    for required, name, text in (
        (pool.password_require_uppercase, "uppercase", _("An uppercase letter")),
        (pool.password_require_lowercase, "lowercase", _("A lowercase letter")),
        (pool.password_require_numbers, "number", _("A number")),
        (pool.password_require_symbols, "symbol", _("A special character")),
    ):
        if required:
            rules.append({"rule": name, "value": "", "text": text})
    return rules


SYMBOLS = "".join(sorted(passwords.SYMBOLS))
