"""The OpenID Provider metadata of a pool (OIDC Discovery 1.0, RFC 8414): only what is true."""
from __future__ import annotations

from identity.models import UserPool
from identity.schema import STANDARD_ATTRIBUTE_NAMES
from identity.services.pools import issuer_for
from oidc.server import custom_scopes

STANDARD_SCOPES = ["openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"]


def document(pool: UserPool) -> dict:
    issuer = issuer_for(pool)
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth2/authorize",
        "token_endpoint": f"{issuer}/oauth2/token",
        "userinfo_endpoint": f"{issuer}/oauth2/userInfo",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        "introspection_endpoint": f"{issuer}/oauth2/introspect",
        "end_session_endpoint": f"{issuer}/logout",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "scopes_supported": STANDARD_SCOPES + custom_scopes(pool),
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": sorted(
            {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "token_use", "cognito:username",
             "cognito:groups", "cognito:roles", "cognito:preferred_role", "origin_jti", "event_id", "jti", "amr"}
            | set(STANDARD_ATTRIBUTE_NAMES) - {"sub"} | {"sub"}
        ),
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }
