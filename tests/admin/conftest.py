"""Fixtures for the console: an operator signed in to the admin site."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

OPERATOR_PASSWORD = "Operator-password-42"


def admin_url(name: str, *pks) -> str:
    """reverse() of a console route, primary keys quoted as the admin quotes them."""
    return reverse(f"admin:{name}", args=[quote(pk) for pk in pks])


@pytest.fixture(autouse=True)
def _two_factor_optional(settings):
    settings.USERPOOLS_OPERATOR_2FA_REQUIRED = False


@pytest.fixture
def operator(db, django_user_model):
    return django_user_model.objects.create_superuser(username="ops", email="ops@example.com", password=OPERATOR_PASSWORD)


@pytest.fixture
def console(client, operator):
    """The Django test client, signed in as a superuser operator without a TOTP device."""
    client.force_login(operator)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def form_data(response) -> dict:
    """The POST data a browser would send back unchanged from an admin change or add page."""
    data = {}
    _put_form(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _put_form(data, formset.management_form)
        for form in formset.forms:
            _put_form(data, form)
    return data


def _put_form(data: dict, form) -> None:
    from django import forms

    for bound in form:
        field = bound.field
        if field.disabled:
            continue
        value = bound.value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(field, forms.MultipleChoiceField):
            data[bound.html_name] = list(value or [])
        else:
            prepared = field.prepare_value(value)
            data[bound.html_name] = "" if prepared is None else prepared
