"""The audit trail in the console: read-only, filtered by pool and event type, searched by user."""
from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from identity.admin.base import PoolNameChangeList
from identity.admin.search import matching_user_ids
from identity.admin_site import admin_site
from identity.models import AuditEvent

# Event types offered as filters are those seen among the latest rows: DISTINCT over the whole trail reads all of it.
RECENT_EVENTS_SAMPLED = 5000


class EventTypeFilter(admin.SimpleListFilter):
    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        recent = AuditEvent.objects.order_by("-id").values_list("event_type", flat=True)[:RECENT_EVENTS_SAMPLED]
        seen = set(recent) | ({self.value()} if self.value() else set())
        return [(name, name) for name in sorted(seen)]

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(AuditEvent, site=admin_site)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_type", "pool_name", "username", "actor", "ip_address"]
    list_filter = ["pool", EventTypeFilter]
    date_hierarchy = "created_at"
    search_fields = ["username"]  # see get_search_results: matched through the users' indexes
    search_help_text = "A user's sub, or the beginning of their username, email address or phone number."
    show_full_result_count = False
    fields = ["created_at", "event_type", "pool", "user", "username", "actor", "ip_address", "user_agent", "details_json"]
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return PoolNameChangeList

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(user_id__in=matching_user_ids(search_term)), False

    @admin.display(description="pool", ordering="pool_id")
    def pool_name(self, event: AuditEvent) -> str:
        return event.pool.name if event.pool_id else event.details.get("pool_id", "—")

    @admin.display(description="details")
    def details_json(self, event: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.details, indent=2, sort_keys=True))

    # The trail is written by the services only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
