"""Forms of the pool console: they collect input; the services in identity/services/ decide."""
from __future__ import annotations

from django import forms

from identity import schema
from identity.models import Group, UserPool, UserPoolClient
from identity.services import pools


def _choices(values) -> list[tuple[str, str]]:
    return [(value, value) for value in sorted(values)]


class LinesField(forms.CharField):
    """A list of strings, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class UserPoolForm(forms.ModelForm):
    username_attributes = forms.MultipleChoiceField(choices=_choices(pools.USERNAME_ATTRIBUTE_CHOICES), required=False, widget=forms.CheckboxSelectMultiple)
    alias_attributes = forms.MultipleChoiceField(choices=_choices(pools.ALIAS_ATTRIBUTE_CHOICES), required=False, widget=forms.CheckboxSelectMultiple)
    auto_verified_attributes = forms.MultipleChoiceField(choices=_choices({"email", "phone_number"}), required=False, widget=forms.CheckboxSelectMultiple)
    attributes_require_verification_before_update = forms.MultipleChoiceField(choices=_choices({"email", "phone_number"}), required=False, widget=forms.CheckboxSelectMultiple)
    new_custom_attribute = forms.CharField(required=False, max_length=20, help_text="Add a custom: attribute (name without the prefix).")
    new_custom_attribute_type = forms.ChoiceField(choices=_choices([schema.STRING, schema.NUMBER, schema.DATETIME, schema.BOOLEAN]), required=False)
    new_custom_attribute_mutable = forms.BooleanField(required=False, initial=True)

    class Meta:
        model = UserPool
        exclude = ["schema"]


class UserPoolClientForm(forms.ModelForm):
    generate_secret = forms.BooleanField(required=False, help_text="Give the client a secret (shown once, after saving).")
    explicit_auth_flows = forms.MultipleChoiceField(choices=_choices(pools.AUTH_FLOWS), required=False, widget=forms.CheckboxSelectMultiple)
    allowed_oauth_flows = forms.MultipleChoiceField(choices=_choices(pools.OAUTH_FLOWS), required=False, widget=forms.CheckboxSelectMultiple)
    allowed_oauth_scopes = forms.CharField(required=False, help_text='Space-separated, e.g. "openid email profile api/read".')
    callback_urls = LinesField(required=False)
    logout_urls = LinesField(required=False)
    read_attributes = LinesField(required=False, help_text="One per line; empty means all.")
    write_attributes = LinesField(required=False, help_text="One per line; empty means all mutable.")

    class Meta:
        model = UserPoolClient
        exclude = ["secret_digest", "secret_encrypted", "secret_created_at", "allowed_oauth_flows_user_pool_client", "supported_identity_providers"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("generate_secret", None)
            self.fields["pool"].disabled = True
            self.initial["allowed_oauth_scopes"] = " ".join(self.instance.allowed_oauth_scopes)

    def clean_allowed_oauth_scopes(self):
        return self.cleaned_data["allowed_oauth_scopes"].split()

    def service_fields(self) -> dict:
        ignored = {"pool", "generate_secret"}
        return {name: value for name, value in self.cleaned_data.items() if name not in ignored}


class NewUserForm(forms.Form):
    pool = forms.ModelChoiceField(queryset=UserPool.objects.all())
    username = forms.CharField(max_length=128, help_text="An email or phone number in pools that sign in with those.")
    email = forms.EmailField(required=False)
    email_verified = forms.BooleanField(required=False)
    phone_number = forms.CharField(required=False, max_length=20)
    temporary_password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True), help_text="Generated when empty.")
    suppress_message = forms.BooleanField(required=False, help_text="Do not send the invitation.")

    def attributes(self) -> dict[str, str]:
        data = self.cleaned_data
        values = {name: data[name] for name in ("email", "phone_number") if data.get(name)}
        if data.get("email") and data.get("email_verified"):
            values["email_verified"] = "true"
        return values


def attribute_form(user) -> type[forms.Form]:
    """A form with one field per attribute of the user's pool schema (immutable ones read-only)."""
    fields = {}
    for name, rule in schema.rules_for(user.pool.schema).items():
        if name == "sub":
            continue
        if rule.data_type == schema.BOOLEAN:
            field = forms.ChoiceField(choices=[("", "—"), ("true", "true"), ("false", "false")], required=False)
        else:
            field = forms.CharField(required=False, max_length=schema.MAX_VALUE_LENGTH)
        field.label = name
        field.disabled = not rule.mutable
        fields[name] = field
    return type("UserAttributesForm", (forms.Form,), fields)


class SetPasswordForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    permanent = forms.BooleanField(required=False, initial=True, help_text="Unchecked: a temporary password the user must change.")


class GroupMembershipForm(forms.Form):
    add_to_group = forms.ModelChoiceField(queryset=Group.objects.none(), required=False)

    def __init__(self, *args, pool=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pool is not None:
            self.fields["add_to_group"].queryset = Group.objects.filter(pool=pool)
