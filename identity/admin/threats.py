"""Auth events in the console: read-only, filtered by pool, outcome, decision and level, searched by user."""
from __future__ import annotations

from django.contrib import admin

from identity.admin.search import matching_user_ids
from identity.admin_site import admin_site
from identity.models import AuthEvent


@admin.register(AuthEvent, site=admin_site)
class AuthEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "event_type", "response", "risk_decision", "risk_level", "compromised_credentials",
                    "ip_address", "feedback_value"]
    list_filter = ["pool", "response", "risk_decision", "risk_level", "feedback_value"]
    list_select_related = ["user"]
    search_fields = ["user__username"]  # see get_search_results: matched through the users' indexes
    search_help_text = "A user's sub, or the beginning of their username, email address or phone number."
    show_full_result_count = False
    fields = ["event_id", "created_at", "pool", "user", "event_type", "response", "risk_decision", "risk_level", "risk_score",
              "risk_reasons", "compromised_credentials", "challenges", "ip_address", "network", "device_name", "device_key",
              "city", "country", "timezone", "feedback_value", "feedback_provider", "feedback_date"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(user_id__in=matching_user_ids(search_term)), False

    # Written by identity.services.risk; feedback comes through the API (Admin)UpdateAuthEventFeedback.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
