"""Console pages for pool users: search, actions, attributes from the pool's schema, groups."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path

from identity.admin.base import MAX_ACTION_ROWS, ConsoleAdmin, PoolNameChangeList, Tool
from identity.admin.forms import (
    SetPasswordForm,
    UserAttributesForm,
    UserCreateForm,
    attribute_field_name,
    user_form,
)
from identity.admin.search import search_users
from identity.admin_site import admin_site
from identity.context import operator_context
from identity.errors import IdentityError
from identity.models import Device, Group, GroupMembership, User, UserPool
from identity.services import devices, groups, mfa, passwords, signup, users

FORM_PAGE = "admin/identity/form_page.html"

# Console operations on one user: URL slug -> (service, past tense for messages).
OPERATIONS = {
    "confirm": (signup.admin_confirm_sign_up, "Confirmed"),
    "disable": (users.admin_disable_user, "Disabled"),
    "enable": (users.admin_enable_user, "Enabled"),
    "reset-password": (passwords.admin_reset_user_password, "Password reset required for"),
    "delete": (users.admin_delete_user, "Deleted"),
    # Operators never see a user's recovery codes; they can only make them stop working.
    "invalidate-recovery-codes": (mfa.admin_invalidate_recovery_codes, "Invalidated the recovery codes of"),
}


def operate(operation: str, user: User, context) -> None:
    service, _ = OPERATIONS[operation]
    service(pool=user.pool, username=user.username, context=context)


class MembershipInline(admin.TabularInline):
    """The user's groups; adding and removing go through the group services (UserAdmin.save_formset)."""

    model = GroupMembership
    fields = ["group", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0
    verbose_name = "group membership"

    def has_change_permission(self, request, obj=None):
        return False  # a membership is added or removed, never edited

    def get_formset(self, request, obj=None, **kwargs):
        self.parent_pool_id = obj.pool_id if obj is not None else None
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            kwargs["queryset"] = Group.objects.filter(pool_id=self.parent_pool_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group")


class DeviceInline(admin.TabularInline):
    """The user's confirmed devices (SDK device keys and hosted-UI browsers), read-only; ticking one forgets it
    through devices.forget_device (UserAdmin.save_formset), which also revokes its refresh tokens."""

    model = Device
    fields = ["device_key", "device_name", "remembered_status", "hosted_ui", "last_ip_used", "last_authenticated_at", "created_at"]
    readonly_fields = fields
    extra = 0
    verbose_name = "device"
    verbose_name_plural = "devices (tick to forget)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(confirmed=True).order_by("-id")


class GroupMemberFilter(admin.SimpleListFilter):
    """?group=<id>: the group page links here. A semi-join, not a DISTINCT over a join."""

    title = "group"
    parameter_name = "group"

    def lookups(self, request, model_admin):
        group = Group.objects.filter(pk=self.value()).first() if (self.value() or "").isdigit() else None
        return [(str(group.pk), f"{group.name} ({group.pool_id})")] if group else []

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        return queryset.filter(pk__in=GroupMembership.objects.filter(group_id=self.value()).values("user_id"))


@admin.register(User, site=admin_site)
class UserAdmin(ConsoleAdmin):
    list_display = ["username", "pool_name", "status", "enabled", "email", "phone_number", "created"]
    list_filter = ["status", "enabled", "pool", GroupMemberFilter]
    # Searching is get_search_results' own (indexed columns only); this just shows the box.
    search_fields = ["username_key"]
    search_help_text = "An exact sub, or the beginning of a username, email address or phone number."
    ordering = ["-id"]
    list_per_page = 50
    actions = ["confirm_users", "disable_users", "enable_users", "reset_passwords", "set_password", "delete_users"]
    add_form = UserCreateForm
    change_form = UserAttributesForm
    inlines = [MembershipInline, DeviceInline]
    readonly_fields = [
        "pool", "username", "sub", "status", "enabled", "password_state", "pending_changes", "created_at", "updated_at",
    ]

    def get_changelist(self, request, **kwargs):
        return PoolNameChangeList

    def get_search_results(self, request, queryset, search_term):
        return search_users(queryset, search_term), False

    # Columns

    @admin.display(description="pool", ordering="pool_id")
    def pool_name(self, user: User) -> str:
        return user.pool.name

    @admin.display(description="email")
    def email(self, user: User) -> str:
        return user.email

    @admin.display(description="phone")
    def phone_number(self, user: User) -> str:
        return user.phone_number

    @admin.display(description="created", ordering="id")  # the primary key orders as creation does, and is indexed
    def created(self, user: User):
        return user.created_at

    @admin.display(description="password")
    def password_state(self, user: User) -> str:
        if not user.password:
            return "none"
        if user.temporary_password_expires_at:
            return f"temporary, expires {user.temporary_password_expires_at:%Y-%m-%d %H:%M} UTC"
        return f"set {user.password_changed_at:%Y-%m-%d %H:%M} UTC" if user.password_changed_at else "set"

    @admin.display(description="awaiting verification")
    def pending_changes(self, user: User) -> str:
        return ", ".join(f"{name} → {value}" for name, value in user.pending_attributes.items()) or "—"

    # Forms from the pool's schema

    def pool_for_add(self, request) -> UserPool | None:
        if not hasattr(request, "console_add_pool"):
            pool_id = request.GET.get("pool", "")
            request.console_add_pool = UserPool.objects.filter(pk=pool_id).first() if pool_id else None
        return request.console_add_pool

    def get_form(self, request, obj=None, change=False, **kwargs):
        pool = obj.pool if obj is not None else self.pool_for_add(request)
        return user_form(pool, creating=obj is None, context=operator_context(request))

    def get_fieldsets(self, request, obj=None):
        pool = obj.pool if obj is not None else self.pool_for_add(request)
        names = [entry["Name"] for entry in pool.schema if entry["Name"] != "sub"]
        standard = [attribute_field_name(n) for n in names if not n.startswith("custom:")]
        custom = [attribute_field_name(n) for n in names if n.startswith("custom:")]
        if obj is None:
            username_help = " or ".join(pool.username_attributes) if pool.username_attributes else "username"
            head = (f"New user in {pool.name} (signs in with: {username_help})", {"fields": [
                "username", "temporary_password", "suppress_message", "desired_delivery_mediums", "force_alias_creation",
            ]})
        else:
            head = (None, {"fields": ["pool", "username", "sub", "status", "enabled", "password_state", "created_at", "updated_at"]})
            standard.append("pending_changes")
        fieldsets = [head, ("Attributes", {"fields": standard})]
        if custom:
            fieldsets.append(("Custom attributes", {"fields": custom}))
        return fieldsets

    def add_view(self, request, form_url="", extra_context=None):
        if self.pool_for_add(request) is None:
            return self.choose_pool(request)
        return super().add_view(request, form_url, extra_context)

    def choose_pool(self, request):
        pools = list(UserPool.objects.only("id", "name"))
        if len(pools) == 1:
            return HttpResponseRedirect(f"{request.path}?pool={pools[0].pk}")
        if not pools:
            self.message_user(request, "Create a user pool first.", messages.WARNING)
            return HttpResponseRedirect(self.url("changelist"))
        return self.render_page(request, "admin/identity/choose_pool.html", title="Add a user to which pool?", pools=pools)

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        reachable = not data["suppress_message"] and (obj.email or obj.phone_number)
        if not reachable and not data["temporary_password"]:
            self.message_user(
                request, "No invitation was sent, so nobody knows the generated password: set one for the user.", messages.WARNING
            )

    def save_formset(self, request, form, formset, change):
        """Group memberships: added and removed through the group services, never written here; devices forgotten through theirs."""
        user, context = form.instance, operator_context(request)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is Device:
            for device in [f.instance for f in formset.deleted_forms if f.instance.pk]:
                try:
                    devices.admin_forget_device(pool=user.pool, username=user.username, device_key=device.device_key, context=context)
                    formset.deleted_objects.append(device)
                except IdentityError as exc:
                    self.message_user(request, f"Device {device.device_key}: {exc.message}", messages.ERROR)
            return
        for membership_form in formset.forms:
            membership = membership_form.instance
            try:
                if membership_form in formset.deleted_forms and membership.pk:
                    groups.admin_remove_user_from_group(
                        pool=user.pool, username=user.username, group_name=membership.group.name, context=context
                    )
                    formset.deleted_objects.append(membership)
                elif not membership.pk and membership_form.has_changed() and membership_form.cleaned_data.get("group"):
                    groups.admin_add_user_to_group(
                        pool=user.pool, username=user.username, group_name=membership.group.name, context=context
                    )
                    formset.new_objects.append(membership)
            except IdentityError as exc:
                self.message_user(request, f"Group {membership.group.name}: {exc.message}", messages.ERROR)

    # One user at a time: buttons on the change page

    def console_tools(self, request, obj):
        if not self.may_operate(request, obj):
            return []
        tools = [Tool("Set password", self.url("password", obj.pk))]
        if obj.status == User.Status.UNCONFIRMED:
            tools.append(Tool("Confirm", self.url("operate", obj.pk, "confirm"), post=True))
        tools.append(Tool("Disable", self.url("operate", obj.pk, "disable"), post=True) if obj.enabled
                     else Tool("Enable", self.url("operate", obj.pk, "enable"), post=True))
        tools.append(Tool("Reset password", self.url("operate", obj.pk, "reset-password"), post=True))
        unused = mfa.unused_recovery_codes(obj)
        if unused:
            tools.append(Tool(f"Invalidate recovery codes ({unused} unused)", self.url("operate", obj.pk, "invalidate-recovery-codes"), post=True))
        return tools

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/password/", wrap(self.password_view), name="identity_user_password"),
            path("<path:object_id>/operate/<slug:operation>/", wrap(self.operate_view), name="identity_user_operate"),
            *super().get_urls(),
        ]

    def operate_view(self, request, object_id, operation):
        user = self.object_or_404(request, object_id)
        if request.method != "POST" or operation not in OPERATIONS or operation == "delete":
            return HttpResponseRedirect(self.url("change", user.pk))
        if not self.may_operate(request, user):
            raise PermissionDenied
        try:
            operate(operation, user, operator_context(request))
        except IdentityError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"{OPERATIONS[operation][1]} {user.username}.", messages.SUCCESS)
        return HttpResponseRedirect(self.url("change", user.pk))

    def password_view(self, request, object_id):
        user = self.object_or_404(request, object_id)
        if not self.may_operate(request, user):
            raise PermissionDenied
        form = SetPasswordForm(request.POST or None, user=user, context=operator_context(request))
        if request.method == "POST" and form.is_valid():
            kind = "permanent" if form.cleaned_data["permanent"] else "temporary"
            self.message_user(request, f"Set a {kind} password for {user.username}.", messages.SUCCESS)
            return HttpResponseRedirect(self.url("change", user.pk))
        return self.render_page(
            request, FORM_PAGE, title=f"Set a password for {user.username}", obj=user, form=form, submit_label="Set password",
            intro="The pool's password policy applies. Status becomes CONFIRMED (permanent) or FORCE_CHANGE_PASSWORD.",
        )

    # Actions over selected users

    def _each(self, request, queryset, operation: str) -> None:
        self.run_for_each(
            request, queryset.select_related("pool"), lambda user, context: operate(operation, user, context), OPERATIONS[operation][1]
        )

    @admin.action(description="Confirm selected users", permissions=["change"])
    def confirm_users(self, request, queryset):
        self._each(request, queryset, "confirm")

    @admin.action(description="Disable selected users", permissions=["change"])
    def disable_users(self, request, queryset):
        self._each(request, queryset, "disable")

    @admin.action(description="Enable selected users", permissions=["change"])
    def enable_users(self, request, queryset):
        self._each(request, queryset, "enable")

    @admin.action(description="Require a password reset for selected users", permissions=["change"])
    def reset_passwords(self, request, queryset):
        self._each(request, queryset, "reset-password")

    @admin.action(description="Set the password of the selected user…", permissions=["change"])
    def set_password(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True)[:2])
        if len(selected) != 1:
            self.message_user(request, "Select exactly one user to set a password.", messages.WARNING)
            return None
        return HttpResponseRedirect(self.url("password", selected[0]))

    @admin.action(description="Delete selected users…", permissions=["delete"])
    def delete_users(self, request, queryset):
        if request.POST.get("confirmed") == "yes":
            self._each(request, queryset, "delete")
            return None
        chosen = list(queryset.select_related("pool")[: MAX_ACTION_ROWS + 1])
        return self.render_page(
            request, "admin/identity/confirm_action.html", title="Delete users?", rows=chosen[:MAX_ACTION_ROWS],
            too_many=len(chosen) > MAX_ACTION_ROWS, action="delete_users", action_url=request.get_full_path(),
            checkbox_name=ACTION_CHECKBOX_NAME, submit_label="Delete",
            intro="These users are deleted for good; their subs are never reused.",
        )

    def deletion_summary(self, user: User) -> str:
        return f"{user.username} in {user.pool_id}, with their group memberships, devices and tokens."

    def delete_via_service(self, request, user: User) -> None:
        users.admin_delete_user(pool=user.pool, username=user.username, context=operator_context(request))
