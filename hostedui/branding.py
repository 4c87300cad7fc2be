"""Branding of the hosted pages: what a page shows for (pool, client), the stylesheet, and setting it.

A client's UICustomization overrides its pool's field by field: an empty field, or an image not
uploaded, falls back to the pool's. `page_branding` runs on every hosted page, so it reads two
cached rows (identity.localcache) and no images; images and the stylesheet are served by
hostedui.branding_views under URLs that carry a version, so browsers cache them for good.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.urls import get_urlconf, reverse

from hostedui import css, images
from hostedui.models import COLOUR_TOKENS, IMAGE_FIELDS, TEXT_FIELDS, UICustomization
from identity import events, localcache
from identity.context import RequestContext
from identity.errors import InvalidParameterException
from identity.models import UserPool, UserPoolClient

# As the pages before branding: follow the browser.
DEFAULT_MODE = UICustomization.Mode.AUTO.value
MAX_CUSTOM_CSS = 20_000
DOMAIN_URLCONF = "config.domain_urls"
_HEX = re.compile(r"#(?:[0-9a-f]{3}|[0-9a-f]{6})\Z")
# Fields that need the generated stylesheet when set (mode, logo and favicon do not).
STYLE_FIELDS = tuple(f for f in TEXT_FIELDS if f not in ("mode", "logo_alt"))
_METADATA = (*TEXT_FIELDS, "id", "pool_id", "client_id", "updated_at", *(f"{f}_type" for f in IMAGE_FIELDS))


@dataclass(frozen=True)
class Branding:
    """What the hosted page's base template needs; URLs are None when nothing is customised."""

    mode: str = DEFAULT_MODE
    stylesheet_url: str | None = None
    logo_url: str | None = None
    favicon_url: str | None = None
    logo_alt: str = ""


class Layers:
    """A pool's row and a client's row (either may be None), read as one customisation."""

    def __init__(self, pool_row: UICustomization | None, client_row: UICustomization | None):
        self.rows = [row for row in (client_row, pool_row) if row is not None]

    def value(self, field: str) -> str:
        return next((getattr(row, field) for row in self.rows if getattr(row, field)), "")

    def image_row(self, field: str) -> UICustomization | None:
        return next((row for row in self.rows if row.has_image(field)), None)

    @property
    def styled(self) -> bool:
        return any(self.value(field) for field in STYLE_FIELDS) or self.image_row("background_image") is not None

    @property
    def version(self) -> str:
        return "-".join(str(int(row.updated_at.timestamp() * 1000)) for row in self.rows) or "0"


# Reading


def load_layers(pool: UserPool, client: UserPoolClient | None) -> Layers:
    """The pool's and the client's rows without their images, each cached briefly per process."""
    client_row = _cached_row(pool.id, client.client_id) if client is not None else None
    return Layers(_cached_row(pool.id, None), client_row)


def _cached_row(pool_id: str, client_id: str | None) -> UICustomization | None:
    def load():
        row = UICustomization.objects.filter(pool_id=pool_id, client_id=client_id).only(*_METADATA).first()
        return row or False  # False is cached too: most pools have no row

    return localcache.get_or_load(_cache_key(pool_id, client_id), load) or None


def _cache_key(pool_id: str, client_id: str | None) -> tuple:
    return ("ui-customization", pool_id, client_id)


def page_branding(pool: UserPool, client: UserPoolClient | None, request=None) -> Branding:
    """The branding of a hosted page; its URLs drop the /<pool_id> prefix when the page is on the pool's own domain."""
    return branding_from(load_layers(pool, client), urls=asset_urls(pool, client, request), pool_name=pool.name)


def branding_from(layers: Layers, *, urls: Callable[[str, str], str], pool_name: str) -> Branding:
    """The Branding of these layers; `urls(route_name, version)` builds each asset's URL."""
    logo, favicon = layers.image_row("logo"), layers.image_row("favicon")
    return Branding(
        mode=layers.value("mode") or DEFAULT_MODE,
        stylesheet_url=urls("branding-css", layers.version) if layers.styled else None,
        logo_url=urls("branding-logo", row_version(logo)) if logo else None,
        favicon_url=urls("branding-favicon", row_version(favicon)) if favicon else None,
        logo_alt=layers.value("logo_alt") or pool_name,
    )


def asset_urls(pool: UserPool, client: UserPoolClient | None, request=None) -> Callable[[str, str], str]:
    on_domain = _on_pool_domain(pool, request)
    query = f"client_id={client.client_id}&" if client is not None else ""

    def url(name: str, version: str) -> str:
        if on_domain:
            path = reverse(f"hostedui:{name}", urlconf=DOMAIN_URLCONF)
        else:
            path = reverse(f"hostedui:{name}", kwargs={"pool_id": pool.id}, urlconf="config.urls")
        return f"{path}?{query}v={version}"

    return url


def _on_pool_domain(pool: UserPool, request) -> bool:
    if request is not None:
        return getattr(request, "pool_domain_id", None) == pool.id
    # Without the request, the URLconf this thread resolves with tells (identity.middleware sets it per host).
    return get_urlconf() == DOMAIN_URLCONF


def row_version(row: UICustomization) -> str:
    return str(int(row.updated_at.timestamp() * 1000))


def image_of(pool: UserPool, client: UserPoolClient | None, field: str) -> tuple[bytes, str, str] | None:
    """(bytes, content type, version) of the image a page shows for `field`, read from the database."""
    row = load_layers(pool, client).image_row(field)
    if row is None:
        return None
    data = UICustomization.objects.filter(pk=row.pk).values_list(field, flat=True).first()
    return (bytes(data), getattr(row, f"{field}_type"), row_version(row)) if data else None


# The stylesheet


def stylesheet(layers: Layers, *, urls: Callable[[str, str], str]) -> str:
    """The CSS custom properties of the base stylesheet, for each mode, then the custom CSS.

    Each mode's colours apply only in that mode (`:root[data-theme=…]` also outranks the base
    stylesheet's `:root`), so a colour set for light never leaks into dark, whose unset
    colours keep the base stylesheet's dark palette.
    """
    background = layers.image_row("background_image")
    shared = {
        "--up-radius": layers.value("border_radius"),
        "--up-font": layers.value("font_family"),
        "--up-background-image": f'url("{urls("branding-background", row_version(background))}")' if background else "",
    }
    light = {prop: layers.value(f"{name}_color") for name, prop in COLOUR_TOKENS}
    dark = {prop: layers.value(f"dark_{name}_color") for name, prop in COLOUR_TOKENS}
    parts = [
        _block(":root[data-theme]", shared),
        _block(":root[data-theme=light]", light),
        _media("not all and (prefers-color-scheme: dark)", _block(":root[data-theme=auto]", light)),
        _block(":root[data-theme=dark]", dark),
        _media("(prefers-color-scheme: dark)", _block(":root[data-theme=auto]", dark)),
    ]
    asset_map = {
        "branding/logo": _logo_or_none(layers, urls),
        "branding/background": urls("branding-background", row_version(background)) if background else None,
    }
    custom = css.sanitize_css(layers.value("custom_css"), urls={k: v for k, v in asset_map.items() if v}).css
    return "".join(part for part in parts if part) + custom


def _logo_or_none(layers: Layers, urls) -> str | None:
    row = layers.image_row("logo")
    return urls("branding-logo", row_version(row)) if row else None


def _block(selector: str, declarations: Mapping[str, str]) -> str:
    lines = "".join(f"  {prop}: {value};\n" for prop, value in declarations.items() if value)
    return f"{selector} {{\n{lines}}}\n" if lines else ""


def _media(query: str, block: str) -> str:
    return f"@media {query} {{\n{block}}}\n" if block else ""


# Writing


@dataclass(frozen=True)
class CheckedCustomization:
    values: dict  # text fields, validated and normalised
    images: dict  # field -> (bytes, content type), or None to remove
    dropped: tuple[str, ...]  # what the CSS sanitiser removed


def check_ui_customization(*, settings: Mapping[str, str], images_in: Mapping[str, bytes] | None = None,
                           clear: Collection[str] = ()) -> CheckedCustomization:
    """Validate settings and images without writing anything (the console's preview uses it too).

    `settings` maps text fields to values ("" unsets); `images_in` maps image fields to new bytes;
    `clear` names images to remove. Raises InvalidParameterException naming the first bad field.
    """
    unknown = set(settings) - set(TEXT_FIELDS) or set(images_in or {}) - set(IMAGE_FIELDS) or set(clear) - set(IMAGE_FIELDS)
    if unknown:
        raise InvalidParameterException(f"Unknown UI customization settings: {', '.join(sorted(unknown))}.")
    values, dropped = {}, ()
    for field, raw in settings.items():
        value = (raw or "").strip()
        if field == "custom_css":
            value, dropped = _checked_css(value)
        elif value:
            value = _checked_text(field, value)
        values[field] = value
    checked_images = {field: None for field in clear}
    for field, data in (images_in or {}).items():
        checked_images[field] = (data, images.check_image(field, data))
    return CheckedCustomization(values, checked_images, dropped)


def _checked_css(text: str) -> tuple[str, tuple[str, ...]]:
    if len(text) > MAX_CUSTOM_CSS:
        raise InvalidParameterException(f"Custom CSS must be at most {MAX_CUSTOM_CSS} characters.")
    result = css.sanitize_css(text)
    return result.css, result.dropped


def _checked_text(field: str, value: str) -> str:
    if field.endswith("_color"):
        value = value.lower()
        if not _HEX.match(value):
            raise InvalidParameterException(f"{field} must be a hex colour such as #1a73e8.")
        return value
    if field == "mode":
        if value not in UICustomization.Mode.values:
            raise InvalidParameterException("mode must be light, dark or auto.")
        return value
    if field == "logo_alt":
        if len(value) > 100:
            raise InvalidParameterException("logo_alt must be at most 100 characters.")
        return value
    prop = {"border_radius": "border-radius", "font_family": "font-family"}[field]
    limit = UICustomization._meta.get_field(field).max_length
    try:
        checked = css.check_value(prop, value)
    except ValueError as exc:
        raise InvalidParameterException(f"{field} is not a safe CSS value: {exc}.") from None
    if len(checked) > limit or "url(" in checked:
        raise InvalidParameterException(f"{field} must be at most {limit} characters and name no file.")
    return checked


def set_ui_customization(*, pool: UserPool, client: UserPoolClient | None = None, settings: Mapping[str, str],
                         images_in: Mapping[str, bytes] | None = None, clear: Collection[str] = (),
                         context: RequestContext) -> tuple[UICustomization, tuple[str, ...]]:
    """Create or update the branding of `pool` (client None) or of one of its clients. Cognito: SetUICustomization.

    Settings not named keep their value. Returns the row and what the CSS sanitiser dropped (the
    stored CSS is the sanitised text). Raises InvalidParameterException, and changes nothing, on a
    bad value or a client of another pool.
    """
    if client is not None and client.pool_id != pool.id:
        raise InvalidParameterException("The app client does not belong to this user pool.")
    checked = check_ui_customization(settings=settings, images_in=images_in, clear=clear)
    with transaction.atomic():
        row, _ = UICustomization.objects.select_for_update().get_or_create(pool=pool, client=client)
        apply_checked(row, checked)
        row.save()
        events.record("SetUICustomization", context=context, pool=pool, details={
            "client_id": client.client_id if client else "ALL",
            "fields": sorted([*checked.values, *checked.images]),
        })
        transaction.on_commit(lambda: forget(row))
    forget(row)
    return row, checked.dropped


def apply_checked(row: UICustomization, checked: CheckedCustomization) -> None:
    for field, value in checked.values.items():
        setattr(row, field, value)
    for field, image in checked.images.items():
        data, content_type = image or (b"", "")
        setattr(row, field, data)
        setattr(row, f"{field}_type", content_type)


def delete_ui_customization(*, customization: UICustomization, context: RequestContext) -> None:
    """Remove a pool's or a client's branding; a client then shows its pool's. Cognito: SetUICustomization with nothing."""
    events.record("DeleteUICustomization", context=context, pool=customization.pool, details={
        "client_id": customization.client_id or "ALL",
    })
    customization.delete()
    forget(customization)


def forget(row: UICustomization) -> None:
    localcache.forget(_cache_key(row.pool_id, row.client_id))
