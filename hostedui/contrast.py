"""WCAG 2 contrast of a branding's colours: the pairs a person must be able to read, in each mode it shows."""
from __future__ import annotations

import re

from hostedui.branding import Layers
from hostedui.models import UICustomization

# The stylesheet's own palette (static/hostedui/hostedui.css), which unset colours fall back to.
DEFAULTS = {
    "light": {"primary": "#1d4ed8", "primary_text": "#ffffff", "surface": "#ffffff", "text": "#111827", "muted": "#4b5563",
              "border": "#6b7280", "error": "#b91c1c", "focus": "#b45309"},
    "dark": {"primary": "#93c5fd", "primary_text": "#0b1220", "surface": "#111827", "text": "#f3f4f6", "muted": "#cbd5e1",
             "border": "#94a3b8", "error": "#fca5a5", "focus": "#fbbf24"},
}
# (foreground, background, minimum ratio, what it is): text needs 4.5:1, field borders and the focus ring 3:1 (WCAG 1.4.3, 1.4.11).
PAIRS = (
    ("text", "surface", 4.5, "text"),
    ("muted", "surface", 4.5, "hints"),
    ("primary", "surface", 4.5, "links"),
    ("error", "surface", 4.5, "error messages"),
    ("primary_text", "primary", 4.5, "button text"),
    ("border", "surface", 3.0, "field borders"),
    ("focus", "surface", 3.0, "the focus ring"),
)
_HEX = re.compile(r"^#([0-9a-f]{3}|[0-9a-f]{6})$")


def relative_luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_problems(layers: Layers) -> list[str]:
    """Each pair below WCAG AA in a mode the pages can show, as a sentence for the operator."""
    mode = layers.value("mode") or UICustomization.Mode.AUTO
    schemes = ["light", "dark"] if mode == UICustomization.Mode.AUTO else [mode]
    problems = []
    for scheme in schemes:
        prefix = "dark_" if scheme == "dark" else ""
        colours = {name: _usable(layers.value(f"{prefix}{name}_color")) or default for name, default in DEFAULTS[scheme].items()}
        for foreground, background, minimum, what in PAIRS:
            ratio = contrast_ratio(colours[foreground], colours[background])
            if ratio < minimum:
                problems.append(f"{scheme} mode: {what} ({colours[foreground]} on {colours[background]}) has contrast "
                                f"{ratio:.2f}:1, below WCAG AA's {minimum:g}:1")
    return problems


def _usable(value: str) -> str:
    return value if value and _HEX.match(value.lower()) else ""
