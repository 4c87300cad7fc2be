"""Console pages for groups and their members."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.urls import reverse
from django.utils.html import format_html

from identity.admin.base import ConsoleAdmin
from identity.admin.forms import GroupChangeForm, GroupCreateForm
from identity.admin_site import admin_site
from identity.context import operator_context
from identity.errors import IdentityError
from identity.models import Group, GroupMembership, User
from identity.services import groups

MEMBERS_SHOWN = 50


class PoolUserRawIdWidget(ForeignKeyRawIdWidget):
    """The user picker pop-up opens on the users of the group's pool only."""

    def __init__(self, *args, pool_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_id = pool_id

    def base_url_parameters(self):
        return {**super().base_url_parameters(), "pool__id__exact": self.pool_id}


class MemberInline(admin.TabularInline):
    """The latest members (a group can have millions), and rows to add more by user id."""

    model = GroupMembership
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]
    extra = 0
    verbose_name = "member"
    verbose_name_plural = f"members (the latest {MEMBERS_SHOWN})"

    def has_change_permission(self, request, obj=None):
        return False  # a membership is added or removed, never edited

    def get_formset(self, request, obj=None, **kwargs):
        self.parent = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and self.parent is not None:
            kwargs["queryset"] = User.objects.filter(pool_id=self.parent.pool_id)
            kwargs["widget"] = PoolUserRawIdWidget(db_field.remote_field, self.admin_site, pool_id=self.parent.pool_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        parent = getattr(self, "parent", None)
        if parent is None:
            return queryset
        latest = GroupMembership.objects.filter(group=parent).order_by("-id").values_list("id", flat=True)[:MEMBERS_SHOWN]
        return queryset.filter(pk__in=list(latest))


@admin.register(Group, site=admin_site)
class GroupAdmin(ConsoleAdmin):
    list_display = ["name", "pool", "precedence", "description", "created_at"]
    list_select_related = ["pool"]
    list_filter = ["pool"]
    search_fields = ["^name"]
    add_form = GroupCreateForm
    change_form = GroupChangeForm
    add_fieldsets = [(None, {"fields": ["pool", "name", "description", "precedence", "role_arn"]})]
    fieldsets = [
        (None, {"fields": ["pool", "name", "members", "created_at", "updated_at"]}),
        ("Settings", {"fields": ["description", "precedence", "role_arn"]}),
    ]
    readonly_fields = ["pool", "name", "members", "created_at", "updated_at"]
    inlines = [MemberInline]

    @admin.display(description="members")
    def members(self, group: Group) -> str:
        count = GroupMembership.objects.filter(group=group).count()
        url = reverse(f"{self.admin_site.name}:identity_user_changelist") + f"?group={group.pk}"
        return format_html('{} — <a href="{}">list them on the users page</a>', count, url)

    def save_formset(self, request, form, formset, change):
        """Members are added and removed through the group services, never written here."""
        group, context = form.instance, operator_context(request)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for member_form in formset.forms:
            membership = member_form.instance
            try:
                if member_form in formset.deleted_forms and membership.pk:
                    self._remove(group, membership.user, context)
                    formset.deleted_objects.append(membership)
                elif not membership.pk and member_form.has_changed() and member_form.cleaned_data.get("user"):
                    self._add(group, membership.user, context)
                    formset.new_objects.append(membership)
            except IdentityError as exc:
                self.message_user(request, f"{membership.user}: {exc.message}", messages.ERROR)

    @staticmethod
    def _add(group: Group, user: User, context) -> None:
        groups.admin_add_user_to_group(pool=group.pool, username=user.username, group_name=group.name, context=context)

    @staticmethod
    def _remove(group: Group, user: User, context) -> None:
        groups.admin_remove_user_from_group(pool=group.pool, username=user.username, group_name=group.name, context=context)

    def deletion_summary(self, group: Group) -> str:
        return f"{group.name} in {group.pool_id}; its members stay in the pool."

    def delete_via_service(self, request, group: Group) -> None:
        groups.delete_group(pool=group.pool, name=group.name, context=operator_context(request))
