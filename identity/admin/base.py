"""What the console's model admins share: adds, changes, deletes and actions go through services."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from identity.context import operator_context
from identity.errors import IdentityError

# Actions call a service per row; past this, a script (the CLI or the API) is the better tool.
MAX_ACTION_ROWS = 1000


class PoolNameChangeList(ChangeList):
    """Joins each listed row's pool without its schema: kilobytes of JSON the list does not show."""

    def apply_select_related(self, qs):
        return qs.select_related("pool").defer("pool__schema")


@dataclass(frozen=True)
class Tool:
    """A button in the object tools of a change page: a link, or a POST to a console view."""

    label: str
    url: str
    post: bool = False


class ConsoleAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are service calls.

    `add_form` / `change_form` are ServiceModelForms (the service runs as the form validates, so
    its errors are form errors); without a `change_form` the change page is read-only. Deleting
    calls `delete_via_service`; Django's bulk delete action is removed.
    """

    add_form = None
    change_form = None
    add_fieldsets = None
    show_full_result_count = False  # a second COUNT(*) over the whole table on every search

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = self.change_form if obj is not None else self.add_form
        if form is not None:
            kwargs["form"] = form.bind(operator_context(request))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None and self.add_fieldsets is not None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return self.add_form is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.change_form is not None and super().has_change_permission(request, obj)

    def may_operate(self, request, obj=None) -> bool:
        """Whether the operator may run this model's console operations (rotate, add attribute, …)."""
        return super().has_change_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # Saving: the form's service call already wrote everything.

    def save_model(self, request, obj, form, change):
        pass

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if request.method == "POST" and form.is_bound and getattr(form, "service_called", False):
            # The form's service call succeeded but an inline did not validate: undo the call,
            # so a page that shows errors has changed nothing (changeform_view is atomic).
            transaction.set_rollback(True)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # Change page tools

    def console_tools(self, request, obj) -> list[Tool]:
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        tools = self.console_tools(request, obj) if obj is not None else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "console_tools": tools})

    # Deleting

    def delete_via_service(self, request, obj) -> None:
        raise NotImplementedError

    def deletion_summary(self, obj) -> str:
        return str(obj)

    def get_deleted_objects(self, objs, request):
        # Django would list every row the cascade reaches (a pool's million users); the service knows.
        return [self.deletion_summary(obj) for obj in objs], {}, set(), []

    def delete_view(self, request, object_id, extra_context=None):
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return HttpResponseRedirect(self.url("changelist"))
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        shown = str(obj)
        try:
            with transaction.atomic():
                self.log_deletions(request, [obj])
                self.delete_via_service(request, obj)
        except IdentityError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(self.url("change", obj.pk))
        self.message_user(request, f"Deleted {self.opts.verbose_name} “{shown}”.", messages.SUCCESS)
        return HttpResponseRedirect(self.url("changelist"))

    # Helpers for console views

    def url(self, name: str, *pks) -> str:
        # Admin URLs carry primary keys quoted (a pool id's "_" would otherwise be read as an escape).
        route = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}"
        return reverse(route, args=[quote(pk) for pk in pks])

    def object_or_404(self, request, object_id: str):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with id {object_id}.")
        return obj

    def render_page(self, request, template: str, *, title: str, obj=None, **context):
        page = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "original": obj,
            "cancel_url": self.url("change", obj.pk) if obj is not None else self.url("changelist"),
            **context,
        }
        return TemplateResponse(request, template, page)

    def run_for_each(self, request, queryset, operation: Callable, done: str) -> None:
        """Call `operation(row, context)` for each selected row; report successes and each failure."""
        rows = list(queryset[: MAX_ACTION_ROWS + 1])
        if len(rows) > MAX_ACTION_ROWS:
            self.message_user(
                request, f"Select at most {MAX_ACTION_ROWS} rows; use the command line or the API for more.", messages.ERROR
            )
            return
        context = operator_context(request)
        succeeded = 0
        for row in rows:
            try:
                operation(row, context)
                succeeded += 1
            except IdentityError as exc:
                self.message_user(request, f"{row}: {exc.message}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{done}: {succeeded} {self.opts.verbose_name_plural if succeeded > 1 else self.opts.verbose_name}.")


def no_store(response):
    """Mark a response that shows a secret as never to be cached."""
    response["Cache-Control"] = "no-store"
    return response
