"""What a pre token generation trigger may change in the tokens, and applying it.

V1_0 changes the ID token (and, through groupOverrideDetails, the groups of both tokens); V2_0 and
V3_0 also change the access token's claims and scopes. Claims that identify the token or the user
cannot be added, overridden or suppressed: such changes are ignored, as Cognito ignores them (see
docs/triggers.md for the lists).
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Cognito's non-modifiable claims (its pre token generation page; cognito-local's RESERVED_CLAIMS).
RESERVED_CLAIMS = frozenset({
    "acr", "amr", "aud", "at_hash", "auth_time", "azp", "cognito:username", "exp", "iat", "identities", "iss",
    "jti", "nbf", "nonce", "origin_jti", "sub", "token_use",
})
# Set through groupOverrideDetails only; claimsToSuppress may still remove them.
GROUP_CLAIMS = frozenset({"cognito:groups", "cognito:roles", "cognito:preferred_role"})
# An access token's identity and grant: scopes change through scopesToAdd / scopesToSuppress.
ACCESS_TOKEN_RESERVED = frozenset({"client_id", "scope", "username", "device_key", "version"})


class InvalidClaimChanges(ValueError):
    """The trigger's response is not shaped as its version's response must be."""


@dataclass(frozen=True)
class TokenChanges:
    add: dict = field(default_factory=dict)
    suppress: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimChanges:
    """The changes one pre token generation answer asks for, already stripped of reserved claims."""

    id_token: TokenChanges = field(default_factory=TokenChanges)
    access_token: TokenChanges = field(default_factory=TokenChanges)
    scopes_to_add: tuple[str, ...] = ()
    scopes_to_suppress: tuple[str, ...] = ()
    groups_to_override: tuple[str, ...] | None = None
    iam_roles_to_override: tuple[str, ...] | None = None
    preferred_role: str | None = None
    ignored: tuple[str, ...] = ()  # claims the answer named but may not change

    def apply_to_id_token(self, claims: dict) -> dict:
        """A copy of the ID token's `claims` with the changes made."""
        result = self._with_groups(dict(claims), roles=True)
        return _apply(result, self.id_token)

    def apply_to_access_token(self, claims: dict) -> dict:
        """A copy of the access token's `claims` with the changes made (scopes included)."""
        result = _apply(self._with_groups(dict(claims), roles=False), self.access_token)
        if self.scopes_to_add or self.scopes_to_suppress:
            result = _with_scopes(result, self.scopes_to_add, self.scopes_to_suppress)
        return result

    def _with_groups(self, claims: dict, *, roles: bool) -> dict:
        overrides = [("cognito:groups", self.groups_to_override)]
        if roles:  # roles are ID-token claims only
            overrides += [("cognito:roles", self.iam_roles_to_override), ("cognito:preferred_role", self.preferred_role)]
        for name, value in overrides:
            if value is None:
                continue
            if value:
                claims[name] = list(value) if isinstance(value, tuple) else value
            else:
                claims.pop(name, None)  # an empty override leaves the token without the claim
        return claims


NO_CHANGES = ClaimChanges()


def _apply(claims: dict, changes: TokenChanges) -> dict:
    claims.update(changes.add)
    for name in changes.suppress:
        claims.pop(name, None)  # suppressing wins over adding the same claim
    return claims


def _with_scopes(claims: dict, added: tuple[str, ...], suppressed: tuple[str, ...]) -> dict:
    scopes = [s for s in (claims.get("scope") or "").split() if s not in suppressed]
    scopes += [s for s in added if s not in scopes and s not in suppressed]
    claims["scope"] = " ".join(scopes)
    if not scopes:
        claims.pop("scope")
    return claims


# Reading an answer


def parse_claim_changes(response: dict, version: str) -> ClaimChanges:
    """The ClaimChanges in a trigger's `response`; InvalidClaimChanges if it is malformed."""
    if version == "V1_0":
        details = _object(response.get("claimsOverrideDetails"), "claimsOverrideDetails")
        ignored: list[str] = []
        id_token = _token_changes(details, "claimsOverrideDetails", ignored, reserved=frozenset(), any_json=False)
        return _with_group_override(ClaimChanges(id_token=id_token, ignored=tuple(ignored)), details, "claimsOverrideDetails")
    details = _object(response.get("claimsAndScopeOverrideDetails"), "claimsAndScopeOverrideDetails")
    ignored = []
    id_part = _object(details.get("idTokenGeneration"), "idTokenGeneration")
    access_part = _object(details.get("accessTokenGeneration"), "accessTokenGeneration")
    changes = ClaimChanges(
        id_token=_token_changes(id_part, "idTokenGeneration", ignored, reserved=frozenset(), any_json=True),
        access_token=_token_changes(access_part, "accessTokenGeneration", ignored, reserved=ACCESS_TOKEN_RESERVED, any_json=True),
        scopes_to_add=_words(access_part.get("scopesToAdd"), "scopesToAdd"),
        scopes_to_suppress=_words(access_part.get("scopesToSuppress"), "scopesToSuppress"),
        ignored=tuple(ignored),
    )
    return _with_group_override(changes, details, "claimsAndScopeOverrideDetails")


def _token_changes(part: dict, where: str, ignored: list[str], *, reserved: frozenset, any_json: bool) -> TokenChanges:
    add = _object(part.get("claimsToAddOrOverride"), f"{where}.claimsToAddOrOverride")
    for name, value in add.items():
        if not any_json and isinstance(value, (dict, list)):
            raise InvalidClaimChanges(f"{where}.claimsToAddOrOverride.{name} must be a string, number or boolean in V1_0.")
    suppress = _words(part.get("claimsToSuppress"), f"{where}.claimsToSuppress")
    not_addable = RESERVED_CLAIMS | GROUP_CLAIMS | reserved
    not_suppressible = RESERVED_CLAIMS | reserved
    ignored += [n for n in add if n in not_addable] + [n for n in suppress if n in not_suppressible]
    return TokenChanges(
        add={n: v for n, v in add.items() if n not in not_addable},
        suppress=tuple(n for n in suppress if n not in not_suppressible),
    )


def _with_group_override(changes: ClaimChanges, details: dict, where: str) -> ClaimChanges:
    group = _object(details.get("groupOverrideDetails"), f"{where}.groupOverrideDetails")
    groups, roles = group.get("groupsToOverride"), group.get("iamRolesToOverride")
    preferred = group.get("preferredRole")
    if preferred is not None and not isinstance(preferred, str):
        raise InvalidClaimChanges("groupOverrideDetails.preferredRole must be a string.")
    if not group:
        return changes
    return _replace(
        changes,
        groups_to_override=None if groups is None else _words(groups, "groupsToOverride"),
        iam_roles_to_override=None if roles is None else _words(roles, "iamRolesToOverride"),
        preferred_role=preferred,
    )


def _replace(changes: ClaimChanges, **fields) -> ClaimChanges:
    return ClaimChanges(**{**changes.__dict__, **fields})


def _object(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidClaimChanges(f"{where} must be an object.")
    return value


def _words(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v and not any(c.isspace() for c in v) for v in value):
        raise InvalidClaimChanges(f"{where} must be a list of names without spaces.")
    return tuple(value)
