"""Forms of the pool console; each one's job ends in a single service call."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from identity import schema
from identity.admin.triggers import LambdaConfigField
from identity.context import SYSTEM, RequestContext
from identity.errors import IdentityError
from identity.models import Group, ResourceServer, User, UserPool, UserPoolClient, UserPoolDomain
from identity.services import groups, passwords, passwordless, pools, triggers_config, users

ATTRIBUTE_PREFIX = "attr_"
NOT_SET = ("", "—")


class ServiceCall:
    """Mixin for forms whose save is a service call made as the last step of validation.

    The service's own error becomes a form error, and the call runs in a savepoint, so a
    form that fails changes nothing. Subclasses implement `call_service(cleaned_data)`.
    """

    context: RequestContext = SYSTEM
    result = None
    service_called = False

    def __init__(self, *args, context: RequestContext | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if context is not None:
            self.context = context

    @classmethod
    def bind(cls, context: RequestContext) -> type:
        """This form class with `context` fixed, for callers (the admin) that build forms themselves."""
        return type(cls.__name__, (cls,), {"context": context})

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.result = self.call_service(cleaned)
        except IdentityError as exc:
            raise ValidationError(exc.message, code=exc.code) from None
        self.service_called = True
        return cleaned

    def call_service(self, data: dict):
        raise NotImplementedError


class ServiceModelForm(ServiceCall, forms.ModelForm):
    """A ModelForm the admin can use whose `save()` returns what the service wrote."""

    def _post_clean(self):
        # The service has validated and written; model validation would only trip over its own row.
        pass

    def save(self, commit=True):
        return self.result

    def save_m2m(self):
        pass


class ServiceForm(ServiceCall, forms.Form):
    """A plain form for the console's own pages (set password, add an attribute, …)."""


class WordsField(forms.CharField):
    """A list of words typed on one line, separated by spaces or commas."""

    def prepare_value(self, value):
        return " ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [word for word in (value or "").replace(",", " ").split() if word]


class LinesField(forms.CharField):
    """A list of values, one per line."""

    def __init__(self, *, rows: int = 3, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ChangedFieldsForm(ServiceModelForm):
    """An edit form whose service takes the changed settings only, as Cognito's Update* calls do."""

    def changed_settings(self, data: dict) -> dict:
        return {name: data[name] for name in self.changed_data if name in data}


def _scope_lines(scopes: list[dict]) -> list[str]:
    return [f"{scope['ScopeName']} {scope.get('ScopeDescription', '')}".strip() for scope in scopes]


def _scopes(lines: list[str]) -> list[dict]:
    scopes = []
    for line in lines:
        name, _, description = line.partition(" ")
        scopes.append({"ScopeName": name, "ScopeDescription": description.strip() or name})
    return scopes


# Pools

# Settings a new pool's form offers besides its name and identifier lists (the rest keep Cognito's defaults).
NEW_POOL_SETTINGS = (
    "case_sensitive", "mfa_configuration", "allow_admin_create_user_only",
    "password_minimum_length", "password_require_uppercase", "password_require_lowercase",
    "password_require_numbers", "password_require_symbols", "temporary_password_validity_days",
    "password_history_size", "deletion_protection",
)


class PoolCreateForm(ServiceModelForm):
    username_attributes = forms.MultipleChoiceField(
        choices=[("email", "email"), ("phone_number", "phone_number")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Users sign in with these instead of a username. Leave empty to use usernames.",
    )
    alias_attributes = forms.MultipleChoiceField(
        choices=[(a, a) for a in ("email", "phone_number", "preferred_username")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="With usernames: further identifiers users may sign in with once verified.",
    )
    auto_verified_attributes = forms.MultipleChoiceField(
        choices=[("email", "email"), ("phone_number", "phone_number")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=["email"],
        help_text="Send a code to verify these when a user signs up or changes them.",
    )
    required_attributes = forms.MultipleChoiceField(
        choices=[(name, name) for name in sorted(schema.STANDARD_ATTRIBUTE_NAMES - {"sub", "email_verified", "phone_number_verified", "updated_at"})],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Standard attributes every user must have. This cannot change after creation.",
    )

    LISTS = ("username_attributes", "alias_attributes", "auto_verified_attributes", "required_attributes")

    class Meta:
        model = UserPool
        fields = ["name", *NEW_POOL_SETTINGS]

    def call_service(self, data: dict) -> UserPool:
        return pools.create_user_pool(
            name=data["name"],
            **{name: list(data.get(name) or []) for name in self.LISTS},
            **{name: data[name] for name in NEW_POOL_SETTINGS if name in data},
            context=self.context,
        )


class IpRangesField(forms.Field):
    """CIDR ranges, one a line (RiskExceptionConfiguration's lists); the service checks each."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]


class PoolChangeForm(ChangedFieldsForm):
    """A pool's settings; sign-in identifiers, case sensitivity and the schema are fixed once it exists."""

    auto_verified_attributes = forms.MultipleChoiceField(
        choices=[("email", "email"), ("phone_number", "phone_number")], widget=forms.CheckboxSelectMultiple, required=False
    )
    attributes_require_verification_before_update = forms.MultipleChoiceField(
        choices=[("email", "email"), ("phone_number", "phone_number")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Keep the old value signing in until the new one is verified.",
    )
    lambda_config = LambdaConfigField()
    risk_blocked_ip_ranges = IpRangesField(label="Always-block IP ranges", help_text="CIDR ranges, one a line: refused at sign-in (ENFORCED).")
    risk_skipped_ip_ranges = IpRangesField(label="Always-allow IP ranges", help_text="CIDR ranges, one a line: not risk-scored (ENFORCED).")
    risk_notify_configuration = LambdaConfigField(
        label="Notify configuration", help_text="AccountTakeoverRiskConfiguration.NotifyConfiguration as JSON (From, ReplyTo, SourceArn, "
                                                "BlockEmail / NoActionEmail / MfaEmail); empty for our own notice.")
    allowed_first_auth_factors = forms.MultipleChoiceField(
        label="First sign-in factors", choices=[(f, f) for f in passwordless.FIRST_FACTORS], widget=forms.CheckboxSelectMultiple,
        help_text="Policies.SignInPolicy.AllowedFirstAuthFactors: what choice-based sign-in (USER_AUTH) may start with. "
                  "PASSWORD stays on. See docs/passwordless.md.",
    )

    class Meta:
        model = UserPool
        exclude = ["id", "schema", "username_attributes", "alias_attributes", "case_sensitive", "trigger_secret_encrypted"]

    def clean_risk_notify_configuration(self) -> dict:
        return self.cleaned_data.get("risk_notify_configuration") or {}

    def clean_allowed_first_auth_factors(self) -> list[str]:
        try:
            return passwordless.check_first_auth_factors(list(self.cleaned_data["allowed_first_auth_factors"]))
        except IdentityError as exc:
            raise ValidationError(exc.message) from None

    def call_service(self, data: dict) -> UserPool:
        changes = self.changed_settings(data)
        # Triggers go through their own service, which checks every target.
        triggers_changed = "lambda_config" in changes
        lambda_config = changes.pop("lambda_config", None)
        pool = pools.update_user_pool(pool=self.instance, context=self.context, **changes) if changes else self.instance
        if triggers_changed:
            pool = triggers_config.set_lambda_config(pool=pool, lambda_config=lambda_config, context=self.context)
        return pool


class CustomAttributeForm(ServiceForm):
    name = forms.CharField(max_length=20, help_text="Without the custom: prefix; letters, digits, _ . : -")
    data_type = forms.ChoiceField(choices=[(t, t) for t in (schema.STRING, schema.NUMBER, schema.DATETIME, schema.BOOLEAN)])
    mutable = forms.BooleanField(required=False, initial=True, help_text="Whether the value may change after the user is created.")
    developer_only = forms.BooleanField(required=False, help_text="Only operators and the admin API may read or write it.")
    min_length = forms.IntegerField(required=False, min_value=0, help_text="String only.")
    max_length = forms.IntegerField(required=False, min_value=1, max_value=schema.MAX_VALUE_LENGTH, help_text="String only.")
    min_value = forms.IntegerField(required=False, help_text="Number only.")
    max_value = forms.IntegerField(required=False, help_text="Number only.")

    def __init__(self, *args, pool: UserPool, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = pool

    def definition(self, data: dict) -> dict:
        entry = {
            "Name": data["name"],
            "AttributeDataType": data["data_type"],
            "Mutable": data["mutable"],
            "DeveloperOnlyAttribute": data["developer_only"],
        }
        strings = {k: data[f] for k, f in (("MinLength", "min_length"), ("MaxLength", "max_length")) if data.get(f) is not None}
        numbers = {k: data[f] for k, f in (("MinValue", "min_value"), ("MaxValue", "max_value")) if data.get(f) is not None}
        if strings:
            entry["StringAttributeConstraints"] = strings
        if numbers:
            entry["NumberAttributeConstraints"] = numbers
        return entry

    def call_service(self, data: dict) -> UserPool:
        return pools.add_custom_attributes(pool=self.pool, custom_attributes=[self.definition(data)], context=self.context)


class DomainCreateForm(ServiceModelForm):
    class Meta:
        model = UserPoolDomain
        fields = ["pool", "domain"]

    def call_service(self, data: dict) -> UserPoolDomain:
        return pools.create_user_pool_domain(pool=data["pool"], domain=data["domain"], context=self.context)


SCOPES_HELP = "One scope per line: its name, then an optional description. Tokens carry them as identifier/name."


class ResourceServerCreateForm(ServiceModelForm):
    scope_lines = LinesField(required=False, rows=4, label="Scopes", help_text=SCOPES_HELP)

    class Meta:
        model = ResourceServer
        fields = ["pool", "identifier", "name"]

    def call_service(self, data: dict) -> ResourceServer:
        return pools.create_resource_server(
            pool=data["pool"], identifier=data["identifier"], name=data["name"], scopes=_scopes(data["scope_lines"]),
            context=self.context,
        )


class ResourceServerChangeForm(ServiceModelForm):
    scope_lines = LinesField(required=False, rows=4, label="Scopes", help_text=SCOPES_HELP)

    class Meta:
        model = ResourceServer
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("scope_lines", _scope_lines(self.instance.scopes))

    def call_service(self, data: dict) -> ResourceServer:
        return pools.update_resource_server(
            server=self.instance, name=data["name"], scopes=_scopes(data["scope_lines"]), context=self.context
        )


# App clients


class ClientCreateForm(ServiceModelForm):
    generate_secret = forms.BooleanField(
        required=False, help_text="A confidential client (a server). The secret is shown once, right after creation."
    )
    explicit_auth_flows = forms.MultipleChoiceField(
        choices=[(flow, flow) for flow in sorted(pools.AUTH_FLOWS)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=pools.DEFAULT_AUTH_FLOWS,
    )
    allowed_oauth_flows = forms.MultipleChoiceField(
        choices=[(flow, flow) for flow in ("code", "implicit", "client_credentials")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty for a client that only uses the API, not the hosted pages.",
    )
    allowed_oauth_scopes = WordsField(
        required=False, initial="openid email profile", help_text="Separated by spaces; resource server scopes as identifier/name."
    )
    callback_urls = LinesField(required=False, help_text="One per line; matched exactly. https, or http on localhost.")
    logout_urls = LinesField(required=False, rows=2, help_text="One per line.")
    read_attributes = WordsField(required=False, help_text="Separated by spaces; empty means every attribute.")
    write_attributes = WordsField(required=False, help_text="Separated by spaces; empty means every mutable attribute.")
    access_token_validity = forms.IntegerField(required=False, min_value=1, help_text="Minutes; empty for the pool's default.")
    id_token_validity = forms.IntegerField(required=False, min_value=1, help_text="Minutes; empty for the pool's default.")
    refresh_token_validity = forms.IntegerField(required=False, min_value=1, help_text="Days; empty for the pool's default.")

    class Meta:
        model = UserPoolClient
        fields = ["pool", "name", "prevent_user_existence_errors", "enable_token_revocation", "refresh_token_rotation"]

    def call_service(self, data: dict) -> UserPoolClient:
        validity = {
            name: data[name] for name in ("access_token_validity", "id_token_validity", "refresh_token_validity") if data.get(name)
        }
        created = pools.create_user_pool_client(
            pool=data["pool"],
            name=data["name"],
            generate_secret=data["generate_secret"],
            explicit_auth_flows=list(data["explicit_auth_flows"]),
            allowed_oauth_flows=list(data["allowed_oauth_flows"]),
            allowed_oauth_scopes=data["allowed_oauth_scopes"],
            callback_urls=data["callback_urls"],
            logout_urls=data["logout_urls"],
            read_attributes=data["read_attributes"],
            write_attributes=data["write_attributes"],
            prevent_user_existence_errors=data["prevent_user_existence_errors"],
            enable_token_revocation=data["enable_token_revocation"],
            refresh_token_rotation=data["refresh_token_rotation"],
            context=self.context,
            **validity,
        )
        self.secret = created.secret
        return created.client


class ClientChangeForm(ChangedFieldsForm):
    """An app client's settings; its secret is rotated on its own page, never edited."""

    explicit_auth_flows = ClientCreateForm.base_fields["explicit_auth_flows"]
    allowed_oauth_flows = ClientCreateForm.base_fields["allowed_oauth_flows"]
    allowed_oauth_scopes = ClientCreateForm.base_fields["allowed_oauth_scopes"]
    callback_urls = ClientCreateForm.base_fields["callback_urls"]
    logout_urls = ClientCreateForm.base_fields["logout_urls"]
    read_attributes = ClientCreateForm.base_fields["read_attributes"]
    write_attributes = ClientCreateForm.base_fields["write_attributes"]

    class Meta:
        model = UserPoolClient
        fields = [
            "name", "explicit_auth_flows", "prevent_user_existence_errors", "allowed_oauth_flows", "allowed_oauth_scopes",
            "callback_urls", "logout_urls", "default_redirect_uri", "read_attributes", "write_attributes",
            "access_token_validity", "id_token_validity", "refresh_token_validity", "auth_session_validity",
            "enable_token_revocation", "refresh_token_rotation",
        ]

    def call_service(self, data: dict) -> UserPoolClient:
        changes = self.changed_settings(data)
        if not changes:
            return self.instance
        return pools.update_user_pool_client(client=self.instance, context=self.context, **changes)


# Users


def attribute_field_name(attribute: str) -> str:
    return ATTRIBUTE_PREFIX + attribute


def _attribute_field(rule: schema.AttributeRule) -> forms.Field:
    if rule.data_type == schema.BOOLEAN:
        return forms.ChoiceField(choices=[NOT_SET, ("true", "true"), ("false", "false")], required=False)
    if rule.data_type == schema.NUMBER:
        return forms.IntegerField(required=False, min_value=rule.min_value, max_value=rule.max_value)
    if rule.data_type == schema.DATETIME:
        return forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "2024-01-31T12:00:00Z"}))
    widget = {
        "email": forms.EmailInput(),
        "phone_number": forms.TextInput(attrs={"type": "tel", "placeholder": "+12065551212"}),
        "birthdate": forms.TextInput(attrs={"placeholder": "YYYY-MM-DD"}),
        "address": forms.Textarea(attrs={"rows": 2}),
        "website": forms.URLInput(),
        "profile": forms.URLInput(),
        "picture": forms.URLInput(),
    }.get(rule.name, forms.TextInput())
    return forms.CharField(required=False, max_length=rule.max_length, widget=widget)


def attribute_fields(pool: UserPool, *, creating: bool) -> dict[str, forms.Field]:
    """One form field per attribute of the pool's schema (sub excepted), typed by the schema.

    When editing, immutable attributes are read-only; required ones may not be emptied.
    """
    fields = {}
    for entry in pool.schema:
        rule = schema.AttributeRule.from_schema(entry)
        if rule.name == "sub":
            continue
        field = _attribute_field(rule)
        field.label = rule.name
        if not creating and not rule.mutable:
            field.disabled = True
            field.help_text = "Immutable."
        elif rule.required and rule.name not in pool.username_attributes:
            field.required = True
        if rule.name in ("email_verified", "phone_number_verified") and not creating:
            field.help_text = "Changing the address keeps it verified only if this stays true."
        fields[attribute_field_name(rule.name)] = field
    return fields


def _as_text(value) -> str:
    return "" if value is None else str(value)


class UserFormBase(ServiceModelForm):
    pool: UserPool

    class Meta:
        model = User
        fields: list[str] = []

    def attribute_values(self) -> dict[str, str]:
        return {
            name.removeprefix(ATTRIBUTE_PREFIX): _as_text(self.cleaned_data.get(name))
            for name, field in self.fields.items()
            if name.startswith(ATTRIBUTE_PREFIX) and not field.disabled
        }


class UserCreateForm(UserFormBase):
    username = forms.CharField(max_length=128)
    temporary_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to generate one. The user must change it at first sign-in.",
    )
    suppress_message = forms.BooleanField(required=False, label="Do not send an invitation")
    desired_delivery_mediums = forms.MultipleChoiceField(
        choices=[("EMAIL", "Email"), ("SMS", "SMS")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Send the invitation by",
        help_text="Empty: email when the user has an address, else SMS.",
    )
    force_alias_creation = forms.BooleanField(
        required=False, help_text="Move a verified email/phone alias from another user to this one."
    )

    def call_service(self, data: dict) -> User:
        attributes = {name: value for name, value in self.attribute_values().items() if value != ""}
        return users.admin_create_user(
            pool=self.pool,
            username=data["username"],
            attributes=attributes,
            temporary_password=data["temporary_password"] or None,
            message_action="SUPPRESS" if data["suppress_message"] else None,
            desired_delivery_mediums=list(data["desired_delivery_mediums"]) or None,
            force_alias_creation=data["force_alias_creation"],
            context=self.context,
        )


class UserAttributesForm(UserFormBase):
    """The user's change page: attributes edited here, saved as Admin(Update|Delete)UserAttributes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in self.instance.attributes.items():
            field_name = attribute_field_name(name)
            if field_name in self.fields:
                self.fields[field_name].initial = value

    def changes(self) -> tuple[dict[str, str], list[str]]:
        """(attributes to set, attributes to delete) from what the operator submitted."""
        current = self.instance.attributes
        submitted = self.attribute_values()
        updates = {name: value for name, value in submitted.items() if value and value != current.get(name)}
        deletions = [name for name, value in submitted.items() if not value and current.get(name)]
        # What the form showed is what is saved: a changed address keeps a flag left at "true".
        for attribute in schema.VERIFIABLE_ATTRIBUTES:
            flag = f"{attribute}_verified"
            if attribute in updates and submitted.get(flag) == "true":
                updates[flag] = "true"
        return updates, deletions

    def call_service(self, data: dict) -> User:
        updates, deletions = self.changes()
        user = self.instance
        if deletions:
            user = users.admin_delete_user_attributes(pool=self.pool, username=user.username, names=deletions, context=self.context)
        if updates:
            user = users.admin_update_user_attributes(pool=self.pool, username=user.username, attributes=updates, context=self.context)
        return user


def user_form(pool: UserPool, *, creating: bool, context: RequestContext) -> type[UserFormBase]:
    """The add or change form for a user of `pool`, with one field per attribute of its schema."""
    base = UserCreateForm if creating else UserAttributesForm
    return type(base.__name__, (base,), {"pool": pool, "context": context, **attribute_fields(pool, creating=creating)})


class SetPasswordForm(ServiceForm):
    password = forms.CharField(strip=False, widget=forms.PasswordInput(render_value=False))
    permanent = forms.BooleanField(
        required=False, help_text="Otherwise the password is temporary: the user must choose a new one at next sign-in."
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def call_service(self, data: dict) -> User:
        return passwords.admin_set_user_password(
            pool=self.user.pool, username=self.user.username, password=data["password"], permanent=data["permanent"], context=self.context
        )


# Groups


class GroupCreateForm(ServiceModelForm):
    class Meta:
        model = Group
        fields = ["pool", "name", "description", "precedence", "role_arn"]

    def call_service(self, data: dict) -> Group:
        return groups.create_group(
            pool=data["pool"],
            name=data["name"],
            description=data["description"],
            precedence=data["precedence"],
            role_arn=data["role_arn"],
            context=self.context,
        )


class GroupChangeForm(ServiceModelForm):
    class Meta:
        model = Group
        fields = ["description", "precedence", "role_arn"]

    def call_service(self, data: dict) -> Group:
        group = self.instance
        return groups.update_group(
            pool=group.pool,
            name=group.name,
            description=data["description"],
            precedence=data["precedence"],
            clear_precedence=data["precedence"] is None,  # an emptied field removes the precedence
            role_arn=data["role_arn"],
            context=self.context,
        )


class TokenForm(forms.Form):
    token = forms.CharField(
        max_length=8, label="Code from the app", widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"})
    )
