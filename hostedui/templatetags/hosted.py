"""Template helpers of the hosted pages: inputs tied to their hints and errors for screen readers."""
from django import template

register = template.Library()


@register.simple_tag
def described_widget(field):
    """The field's input with aria-describedby naming its hint and error, and aria-invalid when wrong."""
    ids = []
    if field.help_text:
        ids.append(f"{field.id_for_label}-hint")
    attrs = {}
    if field.errors:
        ids.append(f"{field.id_for_label}-error")
        attrs["aria-invalid"] = "true"
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if field.field.required:
        attrs["aria-required"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def is_password(field) -> bool:
    return getattr(field.field.widget, "input_type", "") == "password"
