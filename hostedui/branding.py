"""How a pool's (or app client's) hosted pages look: the defaults until branding lands."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Branding:
    mode: str = "auto"
    stylesheet_url: str | None = None
    logo_url: str | None = None
    favicon_url: str | None = None
    logo_alt: str = ""


def page_branding(pool, client) -> Branding:
    return Branding(logo_alt=pool.name)
