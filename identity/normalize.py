"""How identifiers compare: Unicode normalisation and the pool's case rule."""
from __future__ import annotations

import re
import unicodedata

from identity.errors import InvalidParameterException

# Cognito's UsernameType: 1-128 letters, marks, symbols, numbers, punctuation; no whitespace.
MAX_USERNAME_LENGTH = 128
_WHITESPACE = re.compile(r"\s")


def username_key(username: str, *, case_sensitive: bool) -> str:
    """The form a username is compared and stored unique in (NFKC; case-folded unless the pool is case sensitive)."""
    normalised = unicodedata.normalize("NFKC", username)
    return normalised if case_sensitive else normalised.casefold()


def email_key(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().lower()


def check_username(username: str) -> str:
    if not isinstance(username, str) or not username:
        raise InvalidParameterException("Username is required.")
    if len(username) > MAX_USERNAME_LENGTH:
        raise InvalidParameterException(f"Username must be at most {MAX_USERNAME_LENGTH} characters.")
    if _WHITESPACE.search(username) or not username.isprintable():
        raise InvalidParameterException("Username must not contain whitespace or control characters.")
    # NFKC and case folding can lengthen a name ("ß" → "ss"); the compared form must fit too.
    if len(username_key(username, case_sensitive=False)) > MAX_USERNAME_LENGTH:
        raise InvalidParameterException(f"Username must be at most {MAX_USERNAME_LENGTH} characters once normalised.")
    return username


def mask_destination(value: str) -> str:
    """Cognito's masked CodeDeliveryDetails.Destination: a***@e*** or +*******1212."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return "+" + "*" * max(len(value) - 5, 0) + value[-4:]
