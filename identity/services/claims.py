"""What tokens say: the claims of ID and access tokens, shaped as Cognito's."""
from __future__ import annotations

from identity.models import Group, User, UserPoolClient

ACCESS_SCOPE_FOR_API = "aws.cognito.signin.user.admin"


def readable_attributes(user: User, client: UserPoolClient | None) -> dict[str, str]:
    """The user's attributes this client may read (all when it names none); values are strings, as Cognito's."""
    allowed = set(client.read_attributes) if client is not None and client.read_attributes else None
    return {name: value for name, value in user.attributes.items() if allowed is None or name in allowed}


def _typed(name: str, value: str):
    # OIDC types the verification flags as booleans and updated_at as a number; custom ones stay strings.
    if name in ("email_verified", "phone_number_verified"):
        return value == "true"
    if name == "updated_at" and value.isdigit():
        return int(value)
    return value


def user_groups(user: User) -> list[Group]:
    """The user's groups in token order: one query, shared by both tokens."""
    from identity.services.groups import groups_for_token

    return groups_for_token(user)


def group_claims(user: User, groups: list[Group] | None = None) -> dict:
    """cognito:groups, and cognito:roles / cognito:preferred_role when groups carry roles."""
    groups = user_groups(user) if groups is None else groups
    if not groups:
        return {}
    claims: dict = {"cognito:groups": [g.name for g in groups]}
    roles = [g.role_arn for g in groups if g.role_arn]
    if roles:
        claims["cognito:roles"] = roles
        ranked = [g for g in groups if g.role_arn and g.precedence is not None]
        if ranked:
            best = min(g.precedence for g in ranked)
            top_roles = {g.role_arn for g in ranked if g.precedence == best}
            # Cognito omits the preferred role when the best precedence is shared by different roles.
            if len(top_roles) == 1:
                claims["cognito:preferred_role"] = top_roles.pop()
    return claims


def id_token_claims(user: User, client: UserPoolClient | None, groups: list[Group] | None = None) -> dict:
    """The user's part of an ID token: sub, cognito:username, groups and readable attributes."""
    claims = {"sub": str(user.sub), "cognito:username": user.username}
    claims.update(attribute_claims(user, client))
    claims.update(group_claims(user, groups))
    return claims


def attribute_claims(user: User, client: UserPoolClient | None) -> dict:
    return {name: _typed(name, value) for name, value in readable_attributes(user, client).items()}


def access_token_claims(user: User, groups: list[Group] | None = None) -> dict:
    claims = {"sub": str(user.sub), "username": user.username}
    names = [group.name for group in (user_groups(user) if groups is None else groups)]
    if names:
        claims["cognito:groups"] = names
    return claims
