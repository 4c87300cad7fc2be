"""Branding images: what a logo, a favicon or a background may be, decided from the bytes, never from a file name.

SVG is accepted for logos and favicons because brands ship them, under two guards: a document
with scripts, event handlers, foreign objects, entities or references outside itself is refused
here, and the endpoints serve every image with a sandboxing Content-Security-Policy, so even a
file opened directly runs nothing on our origin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree

from identity.errors import InvalidParameterException

PNG, JPEG, GIF, WEBP, ICO, SVG = "image/png", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/svg+xml"


@dataclass(frozen=True)
class ImageRule:
    label: str
    max_bytes: int
    types: tuple[str, ...]


RULES = {
    "logo": ImageRule("logo", 100 * 1024, (PNG, JPEG, GIF, WEBP, SVG)),
    "favicon": ImageRule("favicon", 100 * 1024, (ICO, PNG, SVG)),
    "background_image": ImageRule("background image", 512 * 1024, (PNG, JPEG, WEBP)),
}
_SVG_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,2000}?-->\s*)*<svg[\s>]", re.S)
_SVG_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY|<\?xml-stylesheet|javascript:|data:|@import", re.I)
_EXTERNAL = re.compile(r"\s*(?:https?:|//|[a-z][a-z0-9+.-]*:)", re.I)
_HREF_ATTRIBUTES = ("href", "{http://www.w3.org/1999/xlink}href", "src")
_REFUSED_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "use", "image", "feimage", "a", "animate", "set"}


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, among the ones we serve, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:4] == b"\x00\x00\x01\x00":
        return ICO
    if _SVG_START.match(data):
        return SVG
    return None


def check_image(kind: str, data: bytes) -> str:
    """The content type to store for this `kind` ("logo", "favicon", "background_image"), or InvalidParameterException."""
    rule = RULES[kind]
    if not data:
        raise InvalidParameterException(f"The {rule.label} file is empty.")
    if len(data) > rule.max_bytes:
        raise InvalidParameterException(f"The {rule.label} must be at most {rule.max_bytes // 1024} KB.")
    content_type = sniff(data)
    if content_type not in rule.types:
        names = ", ".join(t.split("/")[1].replace("x-icon", "ico").replace("svg+xml", "svg").upper() for t in rule.types)
        raise InvalidParameterException(f"The {rule.label} must be one of: {names}.")
    if content_type == SVG:
        _check_svg(data, rule.label)
    return content_type


def _check_svg(data: bytes, label: str) -> None:
    refused = InvalidParameterException(
        f"The {label} SVG holds scripts, links or references to other files; export it as a plain drawing or use PNG."
    )
    # DOCTYPE and entities are refused before parsing: no entity expansion ever happens.
    if _SVG_FORBIDDEN.search(data):
        raise refused
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise InvalidParameterException(f"The {label} is not a well-formed SVG file.") from None
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if name in _REFUSED_ELEMENTS:
            raise refused
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (attribute in _HREF_ATTRIBUTES and _EXTERNAL.match(value)):
                raise refused
            if "url(" in value.lower() and not re.fullmatch(r"\s*url\(\s*#[\w.-]+\s*\)\s*", value):
                raise refused
        if name == "style" and re.search(r"url\(\s*(?!#)", element.text or "", re.I):
            raise refused
