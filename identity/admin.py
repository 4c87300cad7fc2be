"""The pool console: Django's admin over the directory. Every change goes through identity/services."""
from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import admin_forms, normalize, schema
from identity.admin_site import admin_site
from identity.context import operator_context
from identity.errors import IdentityError
from identity.models import AuditEvent, Group, ResourceServer, SigningKey, User, UserPool, UserPoolClient, UserPoolDomain
from identity.services import groups, keys, passwords, pools, signup, users


class ServiceFormMixin:
    """Forms whose clean() calls a service: a rule it breaks becomes a form error, and nothing is saved."""

    request = None

    def run(self, call):
        try:
            return call()
        except IdentityError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class ServiceAdmin(admin.ModelAdmin):
    """The form's clean() already saved through a service; the admin must not save the row again."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        saved = getattr(form, "saved", None)
        if saved is not None and saved is not obj:
            obj.pk = saved.pk
            obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
            obj._state.adding, obj._state.db = False, "default"

    def save_related(self, request, form, formsets, change):
        pass


# ---- pools -------------------------------------------------------------------------------------


class UserPoolAdminForm(ServiceFormMixin, admin_forms.UserPoolForm):
    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        context = operator_context(self.request)
        fields = {k: v for k, v in data.items() if not k.startswith("new_custom_attribute")}
        if self.instance._state.adding:
            identifiers = {k: fields.pop(k) for k in ("name", "username_attributes", "alias_attributes", "auto_verified_attributes")}
            self.saved = self.run(lambda: pools.create_user_pool(**identifiers, **fields, context=context))
        else:
            for fixed in ("username_attributes", "alias_attributes", "case_sensitive"):
                fields.pop(fixed, None)
            self.saved = self.run(lambda: pools.update_user_pool(pool=self.instance, **fields, context=context))
        if data.get("new_custom_attribute"):
            definition = {"Name": data["new_custom_attribute"], "AttributeDataType": data["new_custom_attribute_type"] or schema.STRING,
                          "Mutable": data["new_custom_attribute_mutable"]}
            self.saved = self.run(lambda: pools.add_custom_attributes(pool=self.saved, custom_attributes=[definition], context=context))
        return data


@admin.register(UserPool, site=admin_site)
class UserPoolAdmin(ServiceAdmin):
    form = UserPoolAdminForm
    list_display = ("name", "id", "sign_in_with", "mfa_configuration", "created_at")
    search_fields = ("name", "id")
    readonly_fields = ("id", "issuer", "schema_table", "created_at", "updated_at")
    actions = ["rotate_signing_keys"]
    fieldsets = [
        (None, {"fields": ["name", "id", "issuer", "deletion_protection"]}),
        ("Sign-in identifiers", {"fields": ["username_attributes", "alias_attributes", "case_sensitive", "auto_verified_attributes", "attributes_require_verification_before_update", "allow_admin_create_user_only"]}),
        ("Attributes", {"fields": ["schema_table", "new_custom_attribute", "new_custom_attribute_type", "new_custom_attribute_mutable"]}),
        ("Password policy", {"fields": ["password_minimum_length", "password_require_uppercase", "password_require_lowercase", "password_require_numbers", "password_require_symbols", "temporary_password_validity_days", "password_history_size"]}),
        ("MFA", {"fields": ["mfa_configuration"]}),
        ("Messages", {"classes": ["collapse"], "fields": ["email_from", "verification_email_subject", "verification_email_message", "verification_sms_message", "invitation_email_subject", "invitation_email_message", "invitation_sms_message", "reset_email_subject", "reset_email_message", "reset_sms_message"]}),
        ("Token validity defaults for new clients (seconds)", {"classes": ["collapse"], "fields": ["default_access_token_validity", "default_id_token_validity", "default_refresh_token_validity"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fixed = ("username_attributes", "alias_attributes", "case_sensitive") if obj else ()
        return (*self.readonly_fields, *fixed)

    @admin.display(description="signs in with")
    def sign_in_with(self, pool):
        if pool.username_attributes:
            return " or ".join(pool.username_attributes)
        return "username" + (f" (aliases: {', '.join(pool.alias_attributes)})" if pool.alias_attributes else "")

    @admin.display(description="issuer")
    def issuer(self, pool):
        return pools.issuer_for(pool) if pool.pk else "—"

    @admin.display(description="schema")
    def schema_table(self, pool):
        rows = [
            (e["Name"], e.get("AttributeDataType", ""), "yes" if e.get("Required") else "", "yes" if e.get("Mutable", True) else "no")
            for e in pool.schema
        ]
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table><tr><th>attribute</th><th>type</th><th>required</th><th>mutable</th></tr>{}</table>", body)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.deletion_protection)

    def delete_model(self, request, obj):
        pools.delete_user_pool(pool=obj, context=operator_context(request))

    def delete_queryset(self, request, queryset):
        for pool in queryset:
            try:
                pools.delete_user_pool(pool=pool, context=operator_context(request))
            except IdentityError as exc:
                self.message_user(request, f"{pool}: {exc.message}", messages.ERROR)

    @admin.action(description="Rotate signing keys")
    def rotate_signing_keys(self, request, queryset):
        for pool in queryset:
            current = keys.rotate_keys(pool=pool, context=operator_context(request))
            self.message_user(request, f"{pool}: now signing with {current.kid}; the previous key stays published until its tokens expire.")


# ---- app clients -------------------------------------------------------------------------------


class UserPoolClientAdminForm(ServiceFormMixin, admin_forms.UserPoolClientForm):
    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        context = operator_context(self.request)
        fields = self.service_fields()
        if self.instance._state.adding:
            created = self.run(lambda: pools.create_user_pool_client(pool=data["pool"], generate_secret=data.get("generate_secret", False), context=context, **fields))
            self.saved, self.new_secret = created.client, created.secret
        else:
            self.saved = self.run(lambda: pools.update_user_pool_client(client=self.instance, context=context, **fields))
        return data


@admin.register(UserPoolClient, site=admin_site)
class UserPoolClientAdmin(ServiceAdmin):
    form = UserPoolClientAdminForm
    list_display = ("name", "client_id", "pool", "has_secret_display", "created_at")
    list_filter = ("pool",)
    list_select_related = ("pool",)
    search_fields = ("name", "client_id")
    readonly_fields = ("client_id", "secret_created_at", "created_at", "updated_at")
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [f for f in fields if f != "generate_secret"] if obj else fields

    @admin.display(description="secret", boolean=True)
    def has_secret_display(self, client):
        return client.has_secret

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(self, "_new_secret", None)
        if secret:
            self.message_user(request, f"Client secret for {obj.client_id}: {secret} — shown this once; store it now.", messages.WARNING)
        return super().response_add(request, obj, post_url_continue)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._new_secret = getattr(form, "new_secret", None)

    @admin.action(description="Rotate client secret (the old one stops working)")
    def rotate_secret(self, request, queryset):
        for client in queryset.select_related("pool"):
            if not client.has_secret:
                self.message_user(request, f"{client}: has no secret to rotate.", messages.ERROR)
                continue
            secret = pools.rotate_client_secret(client=client, context=operator_context(request))
            self.message_user(request, f"New secret for {client.client_id}: {secret} — shown this once.", messages.WARNING)

    def delete_model(self, request, obj):
        pools.delete_user_pool_client(client=obj, context=operator_context(request))

    def delete_queryset(self, request, queryset):
        for client in queryset:
            pools.delete_user_pool_client(client=client, context=operator_context(request))


# ---- users -------------------------------------------------------------------------------------


class UserAddForm(ServiceFormMixin, forms.ModelForm):
    email = forms.EmailField(required=False)
    email_verified = forms.BooleanField(required=False)
    phone_number = forms.CharField(required=False, max_length=20)
    temporary_password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True), help_text="Generated when empty.")
    suppress_message = forms.BooleanField(required=False, help_text="Do not send the invitation.")

    class Meta:
        model = User
        fields = ["pool", "username"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        attributes = {name: data[name] for name in ("email", "phone_number") if data.get(name)}
        if data.get("email") and data.get("email_verified"):
            attributes["email_verified"] = "true"
        self.saved = self.run(lambda: users.admin_create_user(
            pool=data["pool"], username=data["username"], attributes=attributes,
            temporary_password=data.get("temporary_password") or None,
            message_action="SUPPRESS" if data.get("suppress_message") else None, context=operator_context(self.request),
        ))
        return data

    def validate_unique(self):
        """Uniqueness is the service's rule (usernames compare case-insensitively, aliases too)."""


class UserChangeForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        user, context = self.instance, operator_context(self.request)
        current = user.attributes
        changed = {n: v for n, v in data.items() if n in self.attribute_names and v and v != current.get(n)}
        cleared = [n for n in self.attribute_names if not data.get(n) and current.get(n) and not self.fields[n].disabled]
        if changed:
            self.run(lambda: users.admin_update_user_attributes(pool=user.pool, username=user.username, attributes=changed, context=context))
        if cleared:
            self.run(lambda: users.admin_delete_user_attributes(pool=user.pool, username=user.username, names=cleared, context=context))
        group = data.get("add_to_group")
        if group:
            self.run(lambda: groups.admin_add_user_to_group(pool=user.pool, username=user.username, group_name=group.name, context=context))
        for name in data.get("remove_from_groups") or []:
            self.run(lambda name=name: groups.admin_remove_user_from_group(pool=user.pool, username=user.username, group_name=name, context=context))
        return data


def user_change_form(user: User) -> type[forms.ModelForm]:
    attribute_fields = admin_forms.attribute_form(user).base_fields
    member_of = list(user.groups.values_list("name", flat=True))
    extra = {
        **attribute_fields,
        "add_to_group": forms.ModelChoiceField(queryset=Group.objects.filter(pool=user.pool).exclude(name__in=member_of), required=False),
        "remove_from_groups": forms.MultipleChoiceField(choices=[(n, n) for n in member_of], required=False, widget=forms.CheckboxSelectMultiple),
        "attribute_names": list(attribute_fields),
    }
    return type("UserChangeFormForPool", (UserChangeForm,), extra)


@admin.register(User, site=admin_site)
class UserAdmin(ServiceAdmin):
    list_display = ("username", "pool", "status", "enabled", "email_display", "phone_display", "created_at")
    list_filter = ("status", "enabled", "pool")
    list_select_related = ("pool",)
    search_fields = ("username_key",)
    search_help_text = "Username, email (or its beginning), phone number or sub."
    readonly_fields = ("pool", "username", "sub", "status", "enabled", "pending_display", "created_at", "updated_at")
    show_full_result_count = False  # no COUNT(*) over millions of rows on every page
    actions = ["confirm", "disable", "enable", "reset_password", "set_password", "delete_users"]

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # replaced by delete_users, which goes through the service
        return found

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = UserAddForm
            kwargs["fields"] = None
        else:
            kwargs["form"] = user_change_form(obj)
            kwargs["fields"] = [name for name in kwargs["form"].base_fields]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["pool", "username", "email", "email_verified", "phone_number", "temporary_password", "suppress_message"]})]
        form = user_change_form(obj)
        return [
            (None, {"fields": ["pool", "username", "sub", "status", "enabled", "created_at", "updated_at"]}),
            ("Attributes", {"fields": form.attribute_names + ["pending_display"]}),
            ("Groups", {"fields": ["remove_from_groups", "add_to_group"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description="email")
    def email_display(self, user):
        return user.attributes.get("email", "")

    @admin.display(description="phone")
    def phone_display(self, user):
        return user.attributes.get("phone_number", "")

    @admin.display(description="waiting for verification")
    def pending_display(self, user):
        return ", ".join(f"{k}: {v}" for k, v in user.pending_attributes.items()) or "—"

    def get_search_results(self, request, queryset, search_term):
        """Index-backed search: username, email prefix, phone, sub (no full scans of a large pool)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        wanted = Q(username_key=normalize.username_key(term, case_sensitive=False)) | Q(username_key=normalize.username_key(term, case_sensitive=True))
        email = normalize.email_key(term)
        wanted |= Q(email_key__gte=email, email_key__lt=email + "\U0010ffff") | Q(phone_number_key=term)
        try:
            wanted |= Q(sub=uuid.UUID(term))
        except ValueError:
            pass
        return queryset.filter(wanted), False

    def _each(self, request, queryset, call, done: str):
        count = 0
        for user in queryset.select_related("pool"):
            try:
                call(user, operator_context(request))
                count += 1
            except IdentityError as exc:
                self.message_user(request, f"{user.username}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, f"{done}: {count} user(s).")

    @admin.action(description="Confirm selected users")
    def confirm(self, request, queryset):
        self._each(request, queryset, lambda u, c: signup.admin_confirm_sign_up(pool=u.pool, username=u.username, context=c), "Confirmed")

    @admin.action(description="Disable selected users")
    def disable(self, request, queryset):
        self._each(request, queryset, lambda u, c: users.admin_disable_user(pool=u.pool, username=u.username, context=c), "Disabled")

    @admin.action(description="Enable selected users")
    def enable(self, request, queryset):
        self._each(request, queryset, lambda u, c: users.admin_enable_user(pool=u.pool, username=u.username, context=c), "Enabled")

    @admin.action(description="Require a password reset (sends a code)")
    def reset_password(self, request, queryset):
        self._each(request, queryset, lambda u, c: passwords.admin_reset_user_password(pool=u.pool, username=u.username, context=c), "Reset required")

    @admin.action(description="Delete selected users")
    def delete_users(self, request, queryset):
        self._each(request, queryset, lambda u, c: users.admin_delete_user(pool=u.pool, username=u.username, context=c), "Deleted")

    @admin.action(description="Set a password…")
    def set_password(self, request, queryset):
        form = admin_forms.SetPasswordForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            self._each(
                request, queryset,
                lambda u, c: passwords.admin_set_user_password(pool=u.pool, username=u.username, password=data["password"], permanent=data["permanent"], context=c),
                "Password set",
            )
            return None
        return render(request, "admin/identity/set_password.html", {
            **self.admin_site.each_context(request), "form": form, "users": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    def has_delete_permission(self, request, obj=None):
        return False if obj is None else super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        users.admin_delete_user(pool=obj.pool, username=obj.username, context=operator_context(request))


# ---- groups, resource servers, domains ----------------------------------------------------------


class GroupAdminForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Group
        fields = ["pool", "name", "description", "precedence", "role_arn"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["pool"].disabled = self.fields["name"].disabled = True

    def validate_unique(self):
        """The service reports a duplicate name as GroupExistsException."""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        context = operator_context(self.request)
        values = {k: data.get(k) for k in ("description", "precedence", "role_arn")}
        if self.instance._state.adding:
            self.saved = self.run(lambda: groups.create_group(pool=data["pool"], name=data["name"], context=context, **{k: v or ("" if k != "precedence" else None) for k, v in values.items()}))
        else:
            self.saved = self.run(lambda: groups.update_group(pool=self.instance.pool, name=self.instance.name, context=context, **values))
        return data


@admin.register(Group, site=admin_site)
class GroupAdmin(ServiceAdmin):
    form = GroupAdminForm
    list_display = ("name", "pool", "precedence", "member_count")
    list_filter = ("pool",)
    list_select_related = ("pool",)
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members=Count("memberships"))

    @admin.display(description="members", ordering="members")
    def member_count(self, group):
        return group.members

    def delete_model(self, request, obj):
        groups.delete_group(pool=obj.pool, name=obj.name, context=operator_context(request))

    def delete_queryset(self, request, queryset):
        for group in queryset.select_related("pool"):
            self.delete_model(request, group)


class ResourceServerForm(ServiceFormMixin, forms.ModelForm):
    scope_lines = admin_forms.LinesField(required=False, label="Scopes", help_text='One per line: "name" or "name: description".')

    class Meta:
        model = ResourceServer
        fields = ["pool", "identifier", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["scope_lines"] = [f"{s['ScopeName']}: {s['ScopeDescription']}" for s in self.instance.scopes]
            for name in ("pool", "identifier"):
                self.fields[name].disabled = True

    def validate_unique(self):
        """The service reports a duplicate identifier."""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        scopes = [{"ScopeName": n.strip(), "ScopeDescription": d.strip() or n.strip()} for n, _, d in (line.partition(":") for line in data["scope_lines"])]
        context = operator_context(self.request)
        if self.instance._state.adding:
            self.saved = self.run(lambda: pools.create_resource_server(pool=data["pool"], identifier=data["identifier"], name=data["name"], scopes=scopes, context=context))
        else:
            self.saved = self.run(lambda: pools.update_resource_server(server=self.instance, name=data["name"], scopes=scopes, context=context))
        return data


@admin.register(ResourceServer, site=admin_site)
class ResourceServerAdmin(ServiceAdmin):
    form = ResourceServerForm
    list_display = ("identifier", "name", "pool", "scope_names")
    list_filter = ("pool",)
    list_select_related = ("pool",)

    @admin.display(description="scopes")
    def scope_names(self, server):
        return ", ".join(server.full_scope_names())


class DomainForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = UserPoolDomain
        fields = ["pool", "domain"]

    def validate_unique(self):
        """The service reports a domain already in use."""

    def clean(self):
        data = super().clean()
        if not self.errors:
            self.saved = self.run(lambda: pools.create_user_pool_domain(pool=data["pool"], domain=data["domain"], context=operator_context(self.request)))
        return data


@admin.register(UserPoolDomain, site=admin_site)
class UserPoolDomainAdmin(ServiceAdmin):
    form = DomainForm
    list_display = ("domain", "pool", "created_at")
    list_select_related = ("pool",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SigningKey, site=admin_site)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("kid", "pool", "state", "created_at", "activated_at", "unpublish_after")
    list_filter = ("state", "pool")
    list_select_related = ("pool",)
    exclude = ("private_key_encrypted",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "pool", "username", "actor", "ip_address")
    list_filter = ("event_type", "pool")
    list_select_related = ("pool",)
    search_fields = ("username",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin_site.register(TOTPDevice, TOTPDeviceAdmin)
