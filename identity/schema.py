"""The attribute schema of a pool: Cognito's standard attributes, custom ones, and value checks."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from identity.errors import InvalidParameterException

STRING, NUMBER, DATETIME, BOOLEAN = "String", "Number", "DateTime", "Boolean"

# The 17 OIDC standard claims Cognito keeps as String attributes, plus sub,
# the two verification flags and updated_at: Cognito's 20 standard attributes.
_STANDARD_STRINGS = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
    "picture", "website", "email", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "address",
]
STANDARD_ATTRIBUTE_NAMES = frozenset(_STANDARD_STRINGS + ["sub", "email_verified", "phone_number_verified", "updated_at"])
VERIFIABLE_ATTRIBUTES = ("email", "phone_number")
CUSTOM_PREFIX = "custom:"
CUSTOM_NAME_RE = re.compile(r"^[\w.:-]{1,20}$")
MAX_VALUE_LENGTH = 2048
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+[1-9][0-9]{4,14}$")


def _string(name: str, *, required: bool = False, mutable: bool = True, min_length: int = 0, max_length: int = MAX_VALUE_LENGTH) -> dict:
    return {
        "Name": name,
        "AttributeDataType": STRING,
        "DeveloperOnlyAttribute": False,
        "Mutable": mutable,
        "Required": required,
        "StringAttributeConstraints": {"MinLength": str(min_length), "MaxLength": str(max_length)},
    }


def default_schema() -> list[dict]:
    """A new pool's schema, shaped as Cognito's DescribeUserPool `SchemaAttributes`."""
    schema = [_string("sub", required=True, mutable=False, min_length=1)]
    for name in _STANDARD_STRINGS:
        schema.append(_string(name, min_length=10, max_length=10) if name == "birthdate" else _string(name))
    for flag in ("email_verified", "phone_number_verified"):
        schema.append({"Name": flag, "AttributeDataType": BOOLEAN, "DeveloperOnlyAttribute": False, "Mutable": True, "Required": False})
    schema.append(
        {
            "Name": "updated_at",
            "AttributeDataType": NUMBER,
            "DeveloperOnlyAttribute": False,
            "Mutable": True,
            "Required": False,
            "NumberAttributeConstraints": {"MinValue": "0"},
        }
    )
    return schema


@dataclass(frozen=True)
class AttributeRule:
    """One schema entry, parsed for checking values."""

    name: str
    data_type: str
    mutable: bool
    required: bool
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None

    @classmethod
    def from_schema(cls, entry: dict) -> AttributeRule:
        strings = entry.get("StringAttributeConstraints") or {}
        numbers = entry.get("NumberAttributeConstraints") or {}

        def whole(value):
            return int(value) if value not in (None, "") else None

        return cls(
            name=entry["Name"],
            data_type=entry.get("AttributeDataType", STRING),
            mutable=bool(entry.get("Mutable", True)),
            required=bool(entry.get("Required", False)),
            min_length=whole(strings.get("MinLength")),
            max_length=whole(strings.get("MaxLength")),
            min_value=whole(numbers.get("MinValue")),
            max_value=whole(numbers.get("MaxValue")),
        )


def rules_for(schema: list[dict]) -> dict[str, AttributeRule]:
    return {entry["Name"]: AttributeRule.from_schema(entry) for entry in schema}


def custom_attribute_definition(entry: dict) -> dict:
    """Validate and normalise one `AddCustomAttributes`-style definition; returns its schema entry."""
    raw_name = str(entry.get("Name", ""))
    bare = raw_name.removeprefix(CUSTOM_PREFIX)
    if not CUSTOM_NAME_RE.match(bare):
        raise InvalidParameterException(f"Invalid custom attribute name {raw_name!r}: 1 to 20 letters, digits, '_', '.', ':' or '-'.")
    data_type = entry.get("AttributeDataType", STRING)
    if data_type not in (STRING, NUMBER, DATETIME, BOOLEAN):
        raise InvalidParameterException(f"Invalid AttributeDataType {data_type!r} for {raw_name}.")
    if entry.get("Required"):
        raise InvalidParameterException("Required custom attributes are not supported currently.")
    definition = {
        "Name": CUSTOM_PREFIX + bare,
        "AttributeDataType": data_type,
        "DeveloperOnlyAttribute": bool(entry.get("DeveloperOnlyAttribute", False)),
        "Mutable": bool(entry.get("Mutable", True)),
        "Required": False,
    }
    if data_type == STRING:
        constraints = entry.get("StringAttributeConstraints") or {}
        low = _whole_number(constraints.get("MinLength", 0), raw_name)
        high = _whole_number(constraints.get("MaxLength", MAX_VALUE_LENGTH), raw_name)
        if not 0 <= low <= high <= MAX_VALUE_LENGTH:
            raise InvalidParameterException(f"Invalid string length constraints for {raw_name}.")
        definition["StringAttributeConstraints"] = {"MinLength": str(low), "MaxLength": str(high)}
    elif data_type == NUMBER:
        constraints = entry.get("NumberAttributeConstraints") or {}
        cleaned = {
            k: str(_whole_number(constraints[k], raw_name)) for k in ("MinValue", "MaxValue") if constraints.get(k) not in (None, "")
        }
        if "MinValue" in cleaned and "MaxValue" in cleaned and int(cleaned["MinValue"]) > int(cleaned["MaxValue"]):
            raise InvalidParameterException(f"Invalid number constraints for {raw_name}.")
        definition["NumberAttributeConstraints"] = cleaned
    return definition


def _whole_number(value, attribute: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameterException(f"Invalid constraint {value!r} for {attribute}: a whole number is expected.") from None


def check_value(rule: AttributeRule, value: str) -> None:
    """Raise InvalidParameterException when `value` does not fit the attribute's rule."""
    if not isinstance(value, str):
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: values are strings.")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: longer than {MAX_VALUE_LENGTH} characters.")
    check = _TYPE_CHECKS[rule.data_type]
    check(rule, value)
    if rule.name == "email" and value and not EMAIL_RE.match(value):
        raise InvalidParameterException("Invalid email address format.")
    if rule.name == "phone_number" and value and not PHONE_RE.match(value):
        raise InvalidParameterException("Invalid phone number format: use E.164, for example +12065551212.")


def _check_string(rule: AttributeRule, value: str) -> None:
    if rule.min_length is not None and len(value) < rule.min_length:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: shorter than {rule.min_length} characters.")
    if rule.max_length is not None and len(value) > rule.max_length:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: longer than {rule.max_length} characters.")


def _check_number(rule: AttributeRule, value: str) -> None:
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: not a whole number.") from None
    if rule.min_value is not None and number < rule.min_value:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: less than {rule.min_value}.")
    if rule.max_value is not None and number > rule.max_value:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: more than {rule.max_value}.")


def _check_boolean(rule: AttributeRule, value: str) -> None:
    if value.lower() not in ("true", "false"):
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: use true or false.")


def _check_datetime(rule: AttributeRule, value: str) -> None:
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameterException(f"Invalid value for attribute {rule.name}: not an ISO 8601 date-time.") from None


_TYPE_CHECKS = {STRING: _check_string, NUMBER: _check_number, BOOLEAN: _check_boolean, DATETIME: _check_datetime}
