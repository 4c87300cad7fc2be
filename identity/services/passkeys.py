"""Passkeys (WebAuthn): register them, list and delete them, and check one at sign-in.

The `webauthn` package does the ceremony's cryptography; here are the pool's rules around it: which
relying party, whether user verification is required, which origins may speak for the relying
party, single-use expiring challenges, and signature counters that only go up.
Cognito: StartWebAuthnRegistration, CompleteWebAuthnRegistration, ListWebAuthnCredentials,
DeleteWebAuthnCredential, and the WEB_AUTHN sign-in challenge.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import webauthn
from django.conf import settings
from django.db import IntegrityError, transaction
from webauthn.helpers import bytes_to_base64url, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from identity import clock, events
from identity.context import SYSTEM, RequestContext
from identity.errors import (
    IdentityError,
    InvalidParameterException,
    LimitExceededException,
    NotAuthorizedException,
    ResourceNotFoundException,
    error_type,
)
from identity.models import User, UserPool, WebAuthnCredential, WebAuthnRegistration
from identity.services import listing

WEB_AUTHN = "WEB_AUTHN"
MAX_CREDENTIALS = 20  # Cognito's quota of passkeys per user
MAX_PAGE = 20
CEREMONY_TIMEOUT = datetime.timedelta(minutes=5)
MULTI_FACTOR = "MULTI_FACTOR_WITH_USER_VERIFICATION"

WebAuthnNotEnabledException = error_type("WebAuthnNotEnabledException", "Passkey sign-in is not enabled for this user pool.")
WebAuthnConfigurationMissingException = error_type(
    "WebAuthnConfigurationMissingException", "The user pool has no relying party id and no domain for passkeys."
)
WebAuthnChallengeNotFoundException = error_type("WebAuthnChallengeNotFoundException", "The registration challenge has expired or was used.")
WebAuthnClientMismatchException = error_type(
    "WebAuthnClientMismatchException", "The access token is for another app client than the one that started the registration."
)
WebAuthnOriginNotAllowedException = error_type("WebAuthnOriginNotAllowedException", "The credential's origin does not match the relying party.")
WebAuthnRelyingPartyMismatchException = error_type(
    "WebAuthnRelyingPartyMismatchException", "The credential is for another relying party than the user pool's."
)
WebAuthnCredentialNotSupportedException = error_type("WebAuthnCredentialNotSupportedException", "This passkey is not supported.")


@dataclass(frozen=True)
class Assertion:
    """A passkey that just signed a sign-in challenge, and whether it verified the user."""

    credential: WebAuthnCredential
    user_verified: bool


def check_enabled(pool: UserPool) -> None:
    if WEB_AUTHN not in pool.allowed_first_auth_factors:
        raise WebAuthnNotEnabledException()


def relying_party_id(pool: UserPool) -> str:
    """The pool's WebAuthn RelyingPartyId; else its (first) domain; else the host of USERPOOLS_BASE_URL.

    Raises WebAuthnConfigurationMissingException when that host is an IP address, which WebAuthn refuses.
    """
    if pool.webauthn_relying_party_id:
        return pool.webauthn_relying_party_id
    domain = pool.domains.order_by("created_at").values_list("domain", flat=True).first()
    host = domain or (urlsplit(settings.USERPOOLS_BASE_URL).hostname or "")
    if not host or host.replace(".", "").isdigit() or ":" in host:
        raise WebAuthnConfigurationMissingException()
    return host


def origin_allowed(origin: str, rp_id: str) -> bool:
    """WebAuthn's rule: the origin's host is the RP id or under it, over https (http only for localhost)."""
    parts = urlsplit(origin or "")
    host = parts.hostname or ""
    if host != rp_id and not host.endswith("." + rp_id):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host == "localhost")


def _verification(pool: UserPool) -> str:
    # A passkey that stands for MFA must verify the user, whatever the pool's preference says.
    if pool.webauthn_factor_configuration == MULTI_FACTOR and pool.mfa_configuration == UserPool.MfaConfiguration.ON:
        return "required"
    return pool.webauthn_user_verification


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=webauthn.base64url_to_bytes(c.credential_id),
            transports=[AuthenticatorTransport(t) for t in c.transports if t in known] or None,
        )
        for c in WebAuthnCredential.objects.filter(user=user).only("credential_id", "transports")
    ]


# --- Registration ------------------------------------------------------------------------------

def start_web_authn_registration(*, user: User, client_id: str, context: RequestContext = SYSTEM) -> dict:
    """Creation options (PublicKeyCredentialCreationOptions as JSON) for a new passkey of the signed-in user.

    Replaces any registration the user had started. Raises WebAuthnNotEnabledException,
    WebAuthnConfigurationMissingException, LimitExceededException past MAX_CREDENTIALS.
    Cognito: StartWebAuthnRegistration.
    """
    pool = user.pool
    check_enabled(pool)
    rp_id = relying_party_id(pool)
    if WebAuthnCredential.objects.filter(user=user).count() >= MAX_CREDENTIALS:
        raise LimitExceededException(f"A user can register at most {MAX_CREDENTIALS} passkeys.")
    verification = _verification(pool)
    options = webauthn.generate_registration_options(
        rp_id=rp_id, rp_name=pool.name, user_id=user.sub.bytes, user_name=user.username,
        user_display_name=user.attributes.get("email") or user.username,
        timeout=int(CEREMONY_TIMEOUT.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement(verification),
        ),
        exclude_credentials=_descriptors(user),
    )
    WebAuthnRegistration.objects.update_or_create(user=user, defaults={
        "pool": pool, "client_id": client_id, "challenge": bytes_to_base64url(options.challenge), "relying_party_id": rp_id,
        "user_verification": verification, "expires_at": clock.now() + CEREMONY_TIMEOUT,
    })
    return json.loads(webauthn.options_to_json(options))


def complete_web_authn_registration(
    *, user: User, client_id: str, credential: dict, friendly_name: str = "", context: RequestContext = SYSTEM,
) -> WebAuthnCredential:
    """Check the authenticator's answer to the user's pending registration and keep the new passkey.

    The pending challenge is spent by any answer, right or wrong. Raises
    WebAuthnChallengeNotFoundException (none pending, or expired), WebAuthnClientMismatchException,
    WebAuthnOriginNotAllowedException, WebAuthnRelyingPartyMismatchException,
    WebAuthnCredentialNotSupportedException, InvalidParameterException (malformed, or not verified).
    Cognito: CompleteWebAuthnRegistration.
    """
    check_enabled(user.pool)
    outcome = _complete(user, client_id, credential, friendly_name, context)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def _complete(user: User, client_id: str, credential: dict, friendly_name: str, context):
    # Errors are returned, not raised, so that spending the challenge commits.
    pending = WebAuthnRegistration.objects.select_for_update().filter(user=user).first()
    if pending is None or pending.expires_at <= clock.now():
        return WebAuthnChallengeNotFoundException()
    pending.delete()
    if pending.client_id != client_id:
        return WebAuthnClientMismatchException()
    try:
        origin = _checked_origin(credential, pending.relying_party_id)
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=webauthn.base64url_to_bytes(pending.challenge),
            expected_rp_id=pending.relying_party_id, expected_origin=origin,
            require_user_verification=pending.user_verification == "required",
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        return _registration_error(exc)
    except IdentityError as exc:  # from _checked_origin
        return exc
    response = credential.get("response") or {}
    count = WebAuthnCredential.objects.filter(user=user).count()
    try:
        with transaction.atomic():
            saved = WebAuthnCredential.objects.create(
                pool_id=user.pool_id, user=user, credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key, sign_count=verified.sign_count,
                relying_party_id=pending.relying_party_id, friendly_name=(friendly_name or f"Passkey {count + 1}")[:256],
                authenticator_attachment=str(credential.get("authenticatorAttachment") or "")[:16],
                transports=[str(t) for t in (response.get("transports") or [])][:8], aaguid=str(verified.aaguid),
                backed_up=bool(verified.credential_backed_up),
            )
    except IntegrityError:
        return InvalidParameterException("This passkey is already registered.")
    events.record("WebAuthnCredentialAdded", context=context, user=user, details={"credential": saved.pk, "rp_id": saved.relying_party_id})
    return saved


def _registration_error(exc: Exception):
    text = str(exc)
    if "RP ID hash" in text:
        return WebAuthnRelyingPartyMismatchException()
    # An authenticator that cannot verify the user when the pool requires it, or an unknown key type.
    if "verification is required" in text or "algorithm" in text.lower() or "attestation" in text.lower():
        return WebAuthnCredentialNotSupportedException()
    return InvalidParameterException("The passkey's answer could not be verified.")


def _checked_origin(credential: dict, rp_id: str) -> str:
    if not isinstance(credential, dict) or not isinstance(credential.get("response"), dict):
        raise InvalidParameterException("Credential must be a WebAuthn public-key credential as JSON.")
    client_data = parse_client_data_json(webauthn.base64url_to_bytes(str(credential["response"].get("clientDataJSON", ""))))
    if not origin_allowed(client_data.origin, rp_id):
        raise WebAuthnOriginNotAllowedException()
    return client_data.origin


# --- The user's passkeys ------------------------------------------------------------------------

def describe(credential: WebAuthnCredential) -> dict:
    """Cognito's WebAuthnCredentialDescription."""
    body = {
        "CredentialId": credential.credential_id, "FriendlyCredentialName": credential.friendly_name,
        "RelyingPartyId": credential.relying_party_id, "AuthenticatorTransports": credential.transports,
        "CreatedAt": credential.created_at,
    }
    if credential.authenticator_attachment:
        body["AuthenticatorAttachment"] = credential.authenticator_attachment
    return body


def list_web_authn_credentials(*, user: User, max_results: int | None = None, next_token: str | None = None) -> tuple[list[WebAuthnCredential], str | None]:
    """One page of the user's passkeys, oldest first, and the token of the next page (None at the end).

    Raises InvalidParameterException for MaxResults outside 1-20 or a bad token. Cognito: ListWebAuthnCredentials.
    """
    limit = MAX_PAGE if max_results in (None, 0) else max_results
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidParameterException(f"MaxResults must be between 1 and {MAX_PAGE}.")
    rows = WebAuthnCredential.objects.filter(user=user)
    after = listing.read_token(next_token, salt=f"webauthn:{user.pk}", size=1)
    if after is not None:
        rows = rows.filter(pk__gt=after[0])
    found = list(rows.order_by("pk")[: limit + 1])
    token = listing.make_token([found[limit - 1].pk], salt=f"webauthn:{user.pk}") if len(found) > limit else None
    return found[:limit], token


def delete_web_authn_credential(*, user: User, credential_id: str, context: RequestContext = SYSTEM) -> None:
    """Forget one of the user's passkeys. Raises ResourceNotFoundException. Cognito: DeleteWebAuthnCredential."""
    deleted, _ = WebAuthnCredential.objects.filter(user=user, credential_id=credential_id).delete()
    if not deleted:
        raise ResourceNotFoundException("Credential not found.")
    events.record("WebAuthnCredentialDeleted", context=context, user=user, details={"credential_id": credential_id[:64]})


# --- Sign-in -----------------------------------------------------------------------------------

def request_options(*, pool: UserPool, user: User | None) -> tuple[str, dict]:
    """The WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS (JSON) and the state its step keeps.

    Without a user the options name no credential, and the browser offers the passkeys it holds for
    the relying party (ours are all discoverable): what a client that hides who exists sends to
    everyone, so the options do not tell who exists, nor how many passkeys they have.
    Raises what relying_party_id raises.
    """
    return _request_options(pool, _descriptors(user) if user is not None else [], _verification(pool))


def mfa_request_options(*, user: User) -> tuple[str, dict]:
    """A WEB_AUTHN step after the password (mfa.WEB_AUTHN): the user's passkeys, user verification required,
    since a passkey counts as MFA only when it verifies the user (WebAuthnMfaSettingsType)."""
    options, state = _request_options(user.pool, _descriptors(user), "required")
    return options, {**state, "second_factor": True}


def _request_options(pool: UserPool, allowed: list[PublicKeyCredentialDescriptor], verification: str) -> tuple[str, dict]:
    rp_id = relying_party_id(pool)
    options = webauthn.generate_authentication_options(
        rp_id=rp_id, timeout=int(CEREMONY_TIMEOUT.total_seconds() * 1000), allow_credentials=allowed,
        user_verification=UserVerificationRequirement(verification),
    )
    state = {"challenge": bytes_to_base64url(options.challenge), "rp_id": rp_id, "user_verification": verification}
    return webauthn.options_to_json(options), state


def verify_assertion(*, user: User | None, state: dict, credential) -> Assertion:
    """Check a passkey's signature over the step's challenge; the counter must go up (clones are refused).

    Raises NotAuthorizedException for anything but a valid assertion by one of the user's passkeys.
    """
    refused = NotAuthorizedException("Incorrect username or password.")
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError:
            raise InvalidParameterException("CREDENTIAL must be an AuthenticationResponseJSON.") from None
    if user is None or not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
        raise refused
    with transaction.atomic():
        stored = WebAuthnCredential.objects.select_for_update().filter(user=user, credential_id=credential["id"]).first()
        if stored is None:
            raise refused
        try:
            origin = _checked_origin(credential, state["rp_id"])
            verified = webauthn.verify_authentication_response(
                credential=credential, expected_challenge=webauthn.base64url_to_bytes(state["challenge"]),
                expected_rp_id=state["rp_id"], expected_origin=origin, credential_public_key=bytes(stored.public_key),
                credential_current_sign_count=stored.sign_count, require_user_verification=state["user_verification"] == "required",
            )
        except (WebAuthnException, ValueError, TypeError, KeyError, WebAuthnOriginNotAllowedException, InvalidParameterException):
            raise refused from None
        stored.sign_count, stored.last_used_at = verified.new_sign_count, clock.now()
        stored.save(update_fields=["sign_count", "last_used_at"])
    return Assertion(credential=stored, user_verified=verified.user_verified)


def has_passkeys(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user).exists()
