"""A pool's triggers: Cognito's LambdaConfig, with in-process callables and webhooks where Cognito has ARNs.

A target is `python:package.module.function` (run in-process as `handler(event, context)`) or an
`https://` / `http://` URL (a signed webhook). The sender triggers' `KMSKeyID` is an RSA public key
(PEM) that encrypts the codes they receive. See docs/triggers.md.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import ipaddress
import re
import sysconfig
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import transaction

from identity import crypto, events, localcache
from identity import triggers_catalogue as catalogue
from identity.context import SYSTEM, RequestContext
from identity.errors import InvalidParameterException
from identity.models import UserPool

PYTHON_PREFIX = "python:"
MAX_TARGET_LENGTH = 2048
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_PTG_CONFIG = "PreTokenGenerationConfig"


@dataclass(frozen=True)
class Target:
    """Where one trigger is delivered."""

    trigger: str
    kind: str  # "python" or "webhook"
    value: str  # the dotted path, or the URL
    version: str = "V1_0"  # LambdaVersion, for the versioned triggers


def target_for(pool: UserPool, trigger: str) -> Target | None:
    """The pool's target for `trigger`, or None. Reads the pool row only: no query."""
    config = pool.lambda_config or {}
    if not config:
        return None
    versioned_key = _PTG_CONFIG if trigger == catalogue.PRE_TOKEN_GENERATION else trigger
    entry = config.get(versioned_key)
    if isinstance(entry, dict):
        return _target(trigger, entry["LambdaArn"], entry.get("LambdaVersion", "V1_0"))
    if isinstance(entry, str):
        return _target(trigger, entry, "V1_0")
    return None


def _target(trigger: str, value: str, version: str) -> Target:
    kind = "python" if value.startswith(PYTHON_PREFIX) else "webhook"
    return Target(trigger=trigger, kind=kind, value=value.removeprefix(PYTHON_PREFIX), version=version)


def describe_lambda_config(pool: UserPool) -> dict:
    """The pool's LambdaConfig as Cognito's DescribeUserPool returns it."""
    return dict(pool.lambda_config or {})


@transaction.atomic
def set_lambda_config(*, pool: UserPool, lambda_config: dict | None, context: RequestContext = SYSTEM) -> UserPool:
    """Replace the pool's triggers with `lambda_config` (Cognito's LambdaConfigType; None or {} clears them).

    Unchanged, nothing is written. Every target is checked now: a callable must import and take (event, context); a webhook must be an
    http(s) URL without credentials, and not a private address literal unless
    USERPOOLS_TRIGGERS_ALLOW_PRIVATE. A custom sender needs KMSKeyID, an RSA public key (PEM, at
    least 2048 bits). The first webhook gets the pool a signing secret. Raises
    InvalidParameterException and changes nothing then.
    """
    normalised = normalise_lambda_config(lambda_config or {})
    updated = UserPool.objects.select_for_update().get(pk=pool.pk)
    if normalised == (updated.lambda_config or {}):
        return updated
    updated.lambda_config = normalised
    fields = ["lambda_config", "updated_at"]
    if _has_webhook(normalised) and not updated.trigger_secret_encrypted:
        updated.trigger_secret_encrypted = crypto.encrypt(crypto.random_token())
        fields.append("trigger_secret_encrypted")
    updated.save(update_fields=fields)
    localcache.forget_pool(updated.pk)
    events.pool_updated(pool=updated, context=context, details={"fields": ["lambda_config"], "triggers": sorted(normalised)})
    return updated


@transaction.atomic
def rotate_trigger_secret(*, pool: UserPool, context: RequestContext = SYSTEM) -> str:
    """Give the pool a new webhook signing secret and return it (shown once; the old one stops at once)."""
    secret = crypto.random_token()
    updated = UserPool.objects.select_for_update().get(pk=pool.pk)
    updated.trigger_secret_encrypted = crypto.encrypt(secret)
    updated.save(update_fields=["trigger_secret_encrypted", "updated_at"])
    localcache.forget_pool(updated.pk)
    pool.trigger_secret_encrypted = updated.trigger_secret_encrypted
    events.record("RotateTriggerSecret", context=context, pool=updated)
    return secret


def trigger_secret(pool: UserPool) -> str:
    """The pool's webhook signing secret, decrypted ("" when it has none)."""
    return crypto.decrypt(pool.trigger_secret_encrypted) if pool.trigger_secret_encrypted else ""


def sender_public_key(pool: UserPool) -> rsa.RSAPublicKey:
    """The RSA key that encrypts codes for the custom senders (the pool's KMSKeyID)."""
    return _load_public_key((pool.lambda_config or {})[catalogue.KMS_KEY_ID])


# Checking a LambdaConfig


def normalise_lambda_config(config: dict) -> dict:
    """A checked copy of `config`, with PreTokenGeneration and PreTokenGenerationConfig made to agree."""
    if not isinstance(config, dict):
        raise InvalidParameterException("LambdaConfig must be an object.")
    known = {*catalogue.PLAIN_TRIGGERS, catalogue.PRE_TOKEN_GENERATION, *catalogue.VERSIONED_TRIGGERS, catalogue.KMS_KEY_ID}
    unknown = sorted(set(config) - known)
    if unknown:
        raise InvalidParameterException(f"Unknown LambdaConfig keys: {', '.join(unknown)}.")
    result: dict = {}
    for key in (*catalogue.PLAIN_TRIGGERS, catalogue.PRE_TOKEN_GENERATION):
        if config.get(key):
            result[key] = check_target(key, config[key])
    for key, versions in catalogue.VERSIONED_TRIGGERS.items():
        if config.get(key):
            result[key] = _check_versioned(key, config[key], versions)
    _reconcile_pre_token_generation(result)
    if config.get(catalogue.KMS_KEY_ID):
        result[catalogue.KMS_KEY_ID] = _check_public_key(config[catalogue.KMS_KEY_ID])
    senders = [key for key in (catalogue.CUSTOM_EMAIL_SENDER, catalogue.CUSTOM_SMS_SENDER) if key in result]
    if senders and catalogue.KMS_KEY_ID not in result:
        raise InvalidParameterException(f"{senders[0]} needs KMSKeyID: the RSA public key (PEM) its codes are encrypted with.")
    return result


def _check_versioned(key: str, entry, versions: tuple[str, ...]) -> dict:
    if not isinstance(entry, dict) or not entry.get("LambdaArn"):
        raise InvalidParameterException(f"{key} must be an object with LambdaVersion and LambdaArn.")
    version = entry.get("LambdaVersion") or versions[0]
    if version not in versions:
        raise InvalidParameterException(f"{key}.LambdaVersion must be one of {', '.join(versions)}.")
    return {"LambdaVersion": version, "LambdaArn": check_target(key, entry["LambdaArn"])}


def _reconcile_pre_token_generation(result: dict) -> None:
    # Cognito keeps the legacy key and the versioned one naming the same function.
    legacy, versioned = result.get(catalogue.PRE_TOKEN_GENERATION), result.get(_PTG_CONFIG)
    if legacy and versioned and legacy != versioned["LambdaArn"]:
        raise InvalidParameterException("PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same.")
    if versioned:
        result[catalogue.PRE_TOKEN_GENERATION] = versioned["LambdaArn"]
    elif legacy:
        result[_PTG_CONFIG] = {"LambdaVersion": "V1_0", "LambdaArn": legacy}


def check_target(key: str, value) -> str:
    """`value` if it is a usable target for trigger `key`; InvalidParameterException otherwise."""
    if not isinstance(value, str) or len(value) > MAX_TARGET_LENGTH:
        raise InvalidParameterException(f"{key} must be a python: path or an http(s) URL of at most {MAX_TARGET_LENGTH} characters.")
    value = value.strip()
    if value.startswith(PYTHON_PREFIX):
        _check_callable(key, value.removeprefix(PYTHON_PREFIX))
    else:
        check_webhook_url(key, value)
    return value


def _check_callable(key: str, path: str) -> None:
    if not _DOTTED.match(path):
        raise InvalidParameterException(f"{key}: python: must be followed by package.module.function.")
    try:
        handler = load_callable(path)
    except (ImportError, AttributeError) as exc:
        raise InvalidParameterException(f"{key}: {path} cannot be imported ({exc.__class__.__name__}).") from None
    if not inspect.isfunction(handler) or _in_standard_library(handler):
        raise InvalidParameterException(f"{key}: {path} is not a function of your own code.")
    try:
        inspect.signature(handler).bind(None, None)
    except TypeError:
        raise InvalidParameterException(f"{key}: {path} must take (event, context).") from None


@functools.lru_cache(maxsize=256)
def load_callable(path: str):
    """The function at `package.module.function`, imported once per process."""
    module_name, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def _in_standard_library(handler) -> bool:
    # A trigger is the operator's code; a standard-library function taking two arguments is never one.
    module = inspect.getmodule(handler)
    filename = getattr(module, "__file__", None)
    return filename is None or filename.startswith(sysconfig.get_paths()["stdlib"])


def check_webhook_url(key: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidParameterException(f"{key} must be python:package.module.function or an https:// URL.")
    if parts.username or parts.password:
        raise InvalidParameterException(f"{key}: a webhook URL may not carry credentials; requests are signed instead.")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return  # a name: resolved and checked at each delivery, since what it resolves to may change
    if is_private_address(address) and not settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE:
        raise InvalidParameterException(f"{key}: {address} is a private address; see USERPOOLS_TRIGGERS_ALLOW_PRIVATE.")


def is_private_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, private, link-local (cloud metadata), unspecified, reserved or multicast: not the open internet."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _has_webhook(config: dict) -> bool:
    targets = [value if isinstance(value, str) else value.get("LambdaArn", "") for key, value in config.items() if key != catalogue.KMS_KEY_ID]
    return any(not target.startswith(PYTHON_PREFIX) for target in targets)


def _check_public_key(value) -> str:
    if not isinstance(value, str):
        raise InvalidParameterException("KMSKeyID must be an RSA public key in PEM.")
    try:
        key = _load_public_key(value)
    except ValueError:
        raise InvalidParameterException("KMSKeyID must be an RSA public key in PEM (-----BEGIN PUBLIC KEY-----).") from None
    if key.key_size < 2048:
        raise InvalidParameterException("KMSKeyID must be an RSA key of at least 2048 bits.")
    return value.strip()


@functools.lru_cache(maxsize=64)
def _load_public_key(pem: str) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA key")
    return key
