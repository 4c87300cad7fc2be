"""Operators' custom CSS for the hosted pages, sanitised by its tokens (tinycss2), never by patterns over text.

What survives: style rules with plain selectors (elements, classes, ids, combinators, a few
pseudo-classes), inside `@media` at most, whose declarations use allowed properties with values made
of keywords, numbers, hex colours, safe strings and a few functions. `url()` may only name our own
branding images. Everything else is dropped and reported. The tokenizer decodes CSS escapes before
anything is checked, and the output is re-serialised from the checked tokens, so an escape cannot
smuggle `url(`, `expression(` or `</style` past the checks.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import tinycss2

# The images a stylesheet may point at, as written in custom CSS (relative to the stylesheet).
ASSET_URLS = ("branding/logo", "branding/background")

_SIDES = ("top", "right", "bottom", "left")
_LOGICAL = ("block", "inline", "block-start", "block-end", "inline-start", "inline-end")
ALLOWED_PROPERTIES = frozenset(
    {
        "color", "background", "background-color", "background-image", "background-position",
        "background-size", "background-repeat", "background-clip", "background-origin",
        "font", "font-family", "font-size", "font-weight", "font-style", "line-height", "letter-spacing",
        "word-spacing", "text-transform", "text-decoration", "text-decoration-color", "text-align",
        "text-shadow", "box-shadow", "opacity", "accent-color", "caret-color",
        "margin", "padding", "border", "border-width", "border-style", "border-color", "border-radius",
        "outline", "outline-width", "outline-style", "outline-color", "outline-offset",
        "width", "max-width", "min-width", "height", "max-height", "min-height", "gap",
        *(f"margin-{side}" for side in (*_SIDES, *_LOGICAL)),
        *(f"padding-{side}" for side in (*_SIDES, *_LOGICAL)),
        *(f"border-{side}{part}" for side in _SIDES for part in ("", "-width", "-style", "-color")),
        *(f"border-{v}-{h}-radius" for v in ("top", "bottom") for h in ("left", "right")),
    }
)
# Functions a value may call; their arguments are checked like any value. url() and var() apart.
ALLOWED_FUNCTIONS = frozenset(
    {
        "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color-mix",
        "calc", "min", "max", "clamp",
        "linear-gradient", "radial-gradient", "conic-gradient",
        "repeating-linear-gradient", "repeating-radial-gradient",
    }
)
PSEUDO_CLASSES = frozenset(
    {
        "hover", "focus", "focus-visible", "focus-within", "active", "disabled", "enabled", "checked",
        "invalid", "required", "first-child", "last-child", "only-child", "first-of-type", "last-of-type",
        "empty", "root", "link",
    }
)
PSEUDO_ELEMENTS = frozenset({"placeholder", "selection", "marker", "first-line", "first-letter"})
SELECTOR_FUNCTIONS = frozenset({"not", "is", "where"})
COMBINATORS = frozenset({">", "+", "~", ",", "*"})
VALUE_LITERALS = frozenset({",", "/", "+", "-", "*", "%"})

_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
_CUSTOM_PROPERTY = re.compile(r"--up-[a-z0-9-]{1,40}\Z")
_VARIABLE = re.compile(r"--[A-Za-z0-9_-]{1,40}\Z")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})\Z")
_UNIT = re.compile(r"[A-Za-z]{1,5}\Z")
# Strings are for font names: no quotes, backslashes, angle brackets or colons (javascript:) survive.
_SAFE_STRING = re.compile(r"[A-Za-z0-9 _.,'-]{0,100}\Z")
MAX_NESTING = 8


@dataclass(frozen=True)
class SanitizedCSS:
    css: str
    dropped: tuple[str, ...]  # one line per refused rule or declaration, for the operator


class _Refused(Exception):
    """Why one rule or declaration is dropped."""


def sanitize_css(text: str, *, urls: Mapping[str, str] | None = None) -> SanitizedCSS:
    """The safe part of `text`, and what was dropped.

    `urls` maps each url() a stylesheet may use to what it becomes; by default the asset
    names map to themselves (what is stored), and the served stylesheet maps them to real paths.
    """
    sanitizer = _Sanitizer(urls if urls is not None else {name: name for name in ASSET_URLS})
    nodes = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    css = "\n".join(sanitizer.rules(nodes, in_media=False))
    if "<" in css or "\\" in css:
        # Unreachable by construction (no token that survives can carry them); a last guard all the same.
        return SanitizedCSS("", (*sanitizer.dropped, "the stylesheet as a whole (unexpected characters)"))
    return SanitizedCSS(css + "\n" if css else "", tuple(sanitizer.dropped))


def check_value(prop: str, text: str) -> str:
    """`text` as a safe value for `prop`, serialised; ValueError saying why it is not."""
    if prop not in ALLOWED_PROPERTIES:
        raise ValueError(f"{prop} is not an allowed property")
    tokens = tinycss2.parse_component_value_list(text, skip_comments=True)
    try:
        value = _Sanitizer({}).value(tokens, depth=0).strip()
    except _Refused as exc:
        raise ValueError(str(exc)) from None
    if not value:
        raise ValueError("empty value")
    return value


class _Sanitizer:
    def __init__(self, urls: Mapping[str, str]):
        self.urls = urls
        self.dropped: list[str] = []

    def refuse(self, node, why: str) -> None:
        self.dropped.append(f"line {node.source_line}: {why}")

    # Rules

    def rules(self, nodes, *, in_media: bool) -> list[str]:
        out = []
        for node in nodes:
            if node.type == "qualified-rule":
                out.extend(self.style_rule(node))
            elif node.type == "at-rule" and node.lower_at_keyword == "media" and not in_media and node.content is not None:
                out.extend(self.media_rule(node))
            elif node.type == "at-rule":
                self.refuse(node, f"@{node.lower_at_keyword} is not allowed")
            elif node.type == "error":
                self.refuse(node, f"unreadable CSS ({node.message})")
        return out

    def media_rule(self, node) -> list[str]:
        try:
            query = self.media_query(node.prelude)
        except _Refused as exc:
            self.refuse(node, f"@media {exc}")
            return []
        inner = self.rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True), in_media=True)
        if not inner:
            return []
        body = "\n".join("  " + line for rule in inner for line in rule.splitlines())
        return [f"@media {query} {{\n{body}\n}}"]

    def style_rule(self, node) -> list[str]:
        try:
            selector = self.selector(node.prelude, depth=0).strip()
        except _Refused as exc:
            self.refuse(node, f"selector refused: {exc}")
            return []
        if not selector:
            self.refuse(node, "empty selector")
            return []
        declarations = []
        for item in tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True):
            if item.type == "declaration":
                declaration = self.declaration(item)
                if declaration:
                    declarations.append(declaration)
            elif item.type == "error":
                self.refuse(item, f"unreadable declaration ({item.message})")
            else:
                self.refuse(item, "nested rules are not allowed")
        if not declarations:
            return []
        return [selector + " {\n" + "".join(f"  {line};\n" for line in declarations) + "}"]

    def declaration(self, item) -> str | None:
        name = item.lower_name
        if not (name in ALLOWED_PROPERTIES or _CUSTOM_PROPERTY.match(name)):
            self.refuse(item, f"property {name} is not allowed")
            return None
        try:
            value = self.value(item.value, depth=0).strip()
        except _Refused as exc:
            self.refuse(item, f"{name}: {exc}")
            return None
        if not value or "<" in value or "\\" in value:
            self.refuse(item, f"{name}: empty or unsafe value")
            return None
        return f"{name}: {value}" + (" !important" if item.important else "")

    # Selectors and media queries

    def selector(self, tokens, *, depth: int) -> str:
        if depth > MAX_NESTING:
            raise _Refused("nested too deeply")
        out = []
        tokens = list(tokens)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            if kind == "whitespace":
                out.append(" ")
            elif kind == "ident" and _IDENT.match(token.value):
                out.append(token.value)
            elif kind == "hash" and token.is_identifier and _IDENT.match(token.value):
                out.append("#" + token.value)
            elif kind == "literal" and token.value == "." and _next_is_ident(tokens, i):
                out.append("." + tokens[i + 1].value)
                i += 1
            elif kind == "literal" and token.value == ":":
                text, i = self.pseudo(tokens, i, depth)
                out.append(text)
            elif kind == "literal" and token.value in COMBINATORS:
                out.append(token.value)
            elif kind == "[] block":
                raise _Refused("attribute selectors are not allowed")
            else:
                raise _Refused(f"{tinycss2.serialize([token])[:40]!r} is not allowed in a selector")
            i += 1
        return "".join(out)

    def pseudo(self, tokens, i: int, depth: int) -> tuple[str, int]:
        """`:name`, `::name` or `:not(...)` starting at tokens[i] (a ':'), and the index of its last token."""
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is not None and following.type == "literal" and following.value == ":":
            if _next_is_ident(tokens, i + 1) and tokens[i + 2].lower_value in PSEUDO_ELEMENTS:
                return "::" + tokens[i + 2].lower_value, i + 2
            raise _Refused("that pseudo-element is not allowed")
        if following is not None and following.type == "ident" and following.lower_value in PSEUDO_CLASSES:
            return ":" + following.lower_value, i + 1
        if following is not None and following.type == "function" and following.lower_name in SELECTOR_FUNCTIONS:
            inner = self.selector(following.arguments, depth=depth + 1).strip()
            if not inner:
                raise _Refused(f":{following.lower_name}() needs a selector")
            return f":{following.lower_name}({inner})", i + 1
        raise _Refused("that pseudo-class is not allowed")

    def media_query(self, tokens) -> str:
        out = []
        for token in tokens:
            if token.type == "whitespace":
                out.append(" ")
            elif token.type == "ident" and _IDENT.match(token.value):
                out.append(token.lower_value)
            elif token.type == "literal" and token.value == ",":
                out.append(",")
            elif token.type == "() block":
                out.append("(" + self.media_feature(token.content) + ")")
            else:
                raise _Refused("query is not allowed")
        query = "".join(out).strip()
        if not query:
            raise _Refused("query is empty")
        return query

    def media_feature(self, tokens) -> str:
        out = []
        for token in tokens:
            if token.type == "whitespace":
                out.append(" ")
            elif token.type == "ident" and _IDENT.match(token.value):
                out.append(token.lower_value)
            elif token.type == "literal" and token.value in (":", "/"):
                out.append(token.value)
            elif token.type in ("number", "percentage", "dimension") and _number_is_safe(token):
                out.append(tinycss2.serialize([token]))
            else:
                raise _Refused("feature is not allowed")
        return "".join(out).strip()

    # Values

    def value(self, tokens, *, depth: int) -> str:
        if depth > MAX_NESTING:
            raise _Refused("nested too deeply")
        return "".join(self.component(token, depth) for token in tokens)

    def component(self, token, depth: int) -> str:
        kind = token.type
        if kind == "whitespace":
            return " "
        if kind == "ident":
            if _IDENT.match(token.value):
                return token.value
            raise _Refused(f"keyword {token.value[:40]!r} is not allowed")
        if kind == "hash":
            if _HEX.match(token.value):
                return "#" + token.value.lower()
            raise _Refused("only hex colours may follow #")
        if kind in ("number", "percentage", "dimension"):
            if _number_is_safe(token):
                return tinycss2.serialize([token])
            raise _Refused("that unit is not allowed")
        if kind == "string":
            if _SAFE_STRING.match(token.value):
                return f'"{token.value}"'
            raise _Refused("strings may only hold letters, digits, spaces and . , ' - _")
        if kind == "literal" and token.value in VALUE_LITERALS:
            return token.value
        if kind == "url":
            return self.url(token.value)
        if kind == "function":
            return self.function(token, depth)
        if kind == "() block":
            return "(" + self.value(token.content, depth=depth + 1) + ")"
        raise _Refused(f"{tinycss2.serialize([token])[:40]!r} is not allowed in a value")

    def function(self, token, depth: int) -> str:
        name = token.lower_name
        arguments = [argument for argument in token.arguments if argument.type not in ("whitespace", "comment")]
        if name == "url":
            if len(arguments) == 1 and arguments[0].type == "string":
                return self.url(arguments[0].value)
            raise _Refused("url() must hold one address")
        if name == "var":
            return self.variable(token.arguments, depth)
        if name in ALLOWED_FUNCTIONS:
            return f"{name}({self.value(token.arguments, depth=depth + 1)})"
        raise _Refused(f"{name}() is not allowed")

    def variable(self, arguments, depth: int) -> str:
        """var(--name) or var(--name, fallback)."""
        arguments = list(arguments)
        while arguments and arguments[0].type == "whitespace":
            arguments.pop(0)
        if not arguments or arguments[0].type != "ident" or not _VARIABLE.match(arguments[0].value):
            raise _Refused("var() must name a custom property")
        fallback = self.value(arguments[1:], depth=depth + 1).strip()
        if fallback and not fallback.startswith(","):
            raise _Refused("var() takes a name and a fallback")
        return f"var({arguments[0].value}{fallback})"

    def url(self, address: str) -> str:
        if address.strip() not in self.urls:
            raise _Refused(f"url() may only name {' or '.join(sorted(self.urls)) or 'nothing here'}")
        mapped = self.urls[address.strip()]
        return 'url("' + mapped.replace("\\", "").replace('"', "%22") + '")'


def _next_is_ident(tokens, i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1].type == "ident" and bool(_IDENT.match(tokens[i + 1].value))


def _number_is_safe(token) -> bool:
    return token.type != "dimension" or bool(_UNIT.match(token.unit))
