"""Branding of the hosted pages, per pool and per app client (Cognito's UICustomization)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from identity.models import UserPool, UserPoolClient

# The themed colours of the hosted pages: (field suffix, CSS custom property of the base stylesheet).
COLOUR_TOKENS = (
    ("primary", "--up-primary"),
    ("primary_text", "--up-primary-text"),
    ("background", "--up-background"),
    ("surface", "--up-surface"),
    ("text", "--up-text"),
    ("muted", "--up-muted"),
    ("border", "--up-border"),
    ("error", "--up-error"),
    ("focus", "--up-focus"),
)
LIGHT_COLOUR_FIELDS = tuple(f"{name}_color" for name, _ in COLOUR_TOKENS)
DARK_COLOUR_FIELDS = tuple(f"dark_{name}_color" for name, _ in COLOUR_TOKENS)
# Text settings; an empty value means "not set here": a client's row falls back to its pool's.
TEXT_FIELDS = (*LIGHT_COLOUR_FIELDS, *DARK_COLOUR_FIELDS, "mode", "border_radius", "font_family", "logo_alt", "custom_css")
IMAGE_FIELDS = ("logo", "favicon", "background_image")


def _colour(label: str) -> models.CharField:
    return models.CharField(label, max_length=7, blank=True, help_text="#rrggbb; empty: inherit")


class UICustomization(models.Model):
    """One pool's branding (client null) or one app client's, which overrides the pool's field by field.

    Images live in the database, not on a node's disk, so every node serves them. Their
    `*_type` is the content type found from the bytes; empty means no image.
    """

    class Mode(models.TextChoices):
        LIGHT = "light"
        DARK = "dark"
        AUTO = "auto", "auto (follows the browser)"

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="ui_customizations")
    client = models.ForeignKey(
        UserPoolClient, null=True, blank=True, on_delete=models.CASCADE, related_name="ui_customizations",
        help_text="Empty: every client of the pool.",
    )
    mode = models.CharField(max_length=5, choices=Mode.choices, blank=True)

    primary_color = _colour("primary")
    primary_text_color = _colour("text on primary")
    background_color = _colour("background")
    surface_color = _colour("surface (the card)")
    text_color = _colour("text")
    muted_color = _colour("muted text")
    border_color = _colour("field borders")
    error_color = _colour("error")
    focus_color = _colour("focus ring")
    dark_primary_color = _colour("primary (dark)")
    dark_primary_text_color = _colour("text on primary (dark)")
    dark_background_color = _colour("background (dark)")
    dark_surface_color = _colour("surface (dark)")
    dark_text_color = _colour("text (dark)")
    dark_muted_color = _colour("muted text (dark)")
    dark_border_color = _colour("field borders (dark)")
    dark_error_color = _colour("error (dark)")
    dark_focus_color = _colour("focus ring (dark)")

    border_radius = models.CharField(max_length=12, blank=True, help_text="e.g. 6px or 0.5rem")
    font_family = models.CharField(max_length=200, blank=True, help_text='e.g. "Open Sans", system-ui, sans-serif')
    logo_alt = models.CharField("logo text", max_length=100, blank=True, help_text="Read out instead of the logo.")
    custom_css = models.TextField("custom CSS", blank=True, help_text="Stored as sanitised.")

    logo = models.BinaryField(blank=True, default=b"")
    logo_type = models.CharField(max_length=40, blank=True)
    favicon = models.BinaryField(blank=True, default=b"")
    favicon_type = models.CharField(max_length=40, blank=True)
    background_image = models.BinaryField(blank=True, default=b"")
    background_image_type = models.CharField(max_length=40, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "UI customization"
        constraints = [
            models.UniqueConstraint(fields=["pool", "client"], name="hostedui_uicustomization_one_per_client"),
            # NULLs are distinct in a unique index: the pool-wide row needs its own.
            models.UniqueConstraint(
                fields=["pool"], condition=Q(client__isnull=True), name="hostedui_uicustomization_one_per_pool"
            ),
        ]

    def __str__(self) -> str:
        scope = self.client.name if self.client_id else "all clients"
        return f"{self.pool.name}: {scope}"

    def has_image(self, field: str) -> bool:
        return bool(getattr(self, f"{field}_type"))
