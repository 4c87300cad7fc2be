"""Authlib's authorization server, built per request for one pool; grant hooks call identity.services."""
from __future__ import annotations

import functools

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge

from identity import localcache
from identity.errors import IdentityError
from identity.models import RefreshToken, ResourceServer, UserPool, UserPoolClient
from identity.services import authorization_codes, directory, tokens

CLIENT_AUTH = ["client_secret_basic", "client_secret_post", "none"]


class PoolAuthorizationServer(AuthorizationServer):
    def __init__(self, pool: UserPool):
        super().__init__(UserPoolClient, RefreshToken)
        self.pool = pool

    def query_client(self, client_id):
        return directory.find_client_cached(self.pool, client_id or "")

    @functools.cached_property
    def custom_scopes(self) -> list[str]:
        """The pool's resource-server scopes (`identifier/name`)."""
        return localcache.get_or_load(("custom-scopes", self.pool.id), lambda: custom_scopes(self.pool))

    def save_token(self, token, request):
        # identity.services.tokens already stored what must be stored (refresh-token digests).
        return None


def _trigger_errors_as_oauth(generate):
    """A trigger's refusal while minting (PreTokenGeneration) is an OAuth error with its message, not a 500."""
    @functools.wraps(generate)
    def wrapper(*args, **kwargs):
        try:
            return generate(*args, **kwargs)
        except IdentityError as exc:
            raise InvalidGrantError(exc.message) from None

    return wrapper


def _check_scopes(grant) -> None:
    requested = (grant.request.payload.scope or "").split()
    unknown = [s for s in requested if s not in grant.request.client.allowed_oauth_scopes]
    if unknown:
        raise InvalidScopeError(f"Scope not allowed for this client: {' '.join(unknown)}")


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only; required of public clients (those without a secret)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not grant.request.client.has_secret and not data.get("code_challenge"):
            raise InvalidRequestError("code_challenge (PKCE, S256) is required for clients without a secret.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class PoolAuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def validate_requested_scope(self):
        _check_scopes(self)

    def save_authorization_code(self, code, request):
        signed_in, data = request.user, request.payload.data
        authorization_codes.create_authorization_code(
            pool=self.server.pool, client=request.client, user=signed_in.user, code=code,
            redirect_uri=request.payload.redirect_uri or "", scopes=request.scope.split(),
            auth_time=signed_in.auth_time, amr=list(signed_in.amr), nonce=data.get("nonce", ""),
            code_challenge=data.get("code_challenge", ""), code_challenge_method=data.get("code_challenge_method", ""),
        )

    def query_authorization_code(self, code, client):
        return authorization_codes.find_authorization_code(pool=self.server.pool, client=client, code=code)

    def authenticate_user(self, authorization_code):
        return authorization_code.user

    @_trigger_errors_as_oauth
    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True):
        issued = authorization_codes.redeem_authorization_code(code=self.request.authorization_code)
        if issued is None:
            raise InvalidGrantError("Invalid 'code' in request.")
        return issued.as_oauth()

    def delete_authorization_code(self, authorization_code):
        """Redeemed codes are kept (marked) so a replay can be recognised and answered by revocation."""


class PoolImplicitGrant(grants.ImplicitGrant):
    def authenticate_token_endpoint_client(self):
        # The authorization endpoint identifies the client by client_id only, secret or not, as Cognito.
        client = self.server.query_client(self.request.payload.client_id)
        if client is None:
            raise InvalidClientError("The client does not exist on this server.")
        return client

    def validate_requested_scope(self):
        _check_scopes(self)

    @_trigger_errors_as_oauth
    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=False):
        scopes = (scope or "").split()
        issued = tokens.issue_token_set(
            pool=self.server.pool, client=self.request.client, user=user.user, scopes=scopes,
            auth_time=user.auth_time, amr=list(user.amr), nonce=self.request.payload.data.get("nonce"),
            include_id_token="openid" in scopes, include_refresh_token=False, with_at_hash=True,
            trigger_source="TokenGeneration_HostedAuth",
        )
        return issued.as_oauth()


class PoolRefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def validate_token_request(self):
        client = self._validate_request_client()
        self.request.client = client
        if not self.request.form.get("refresh_token"):
            raise InvalidRequestError("Missing 'refresh_token' in request.")

    def create_token_response(self):
        try:
            issued = tokens.refresh(
                pool=self.server.pool, client=self.request.client, refresh_token=self.request.form["refresh_token"], with_at_hash=True
            )
        except IdentityError as exc:
            raise InvalidGrantError(exc.message) from None
        return 200, issued.as_oauth(), self.TOKEN_RESPONSE_HEADER


class PoolClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self):
        _check_scopes(self)
        custom = set(self.server.custom_scopes)
        requested = (self.request.payload.scope or "").split()
        if any(scope not in custom for scope in requested):
            raise InvalidScopeError("client_credentials grants only resource-server scopes.")

    @_trigger_errors_as_oauth
    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=False):
        client = self.request.client
        custom = set(self.server.custom_scopes)
        scopes = (scope or "").split() or [s for s in client.allowed_oauth_scopes if s in custom]
        if not scopes:
            raise InvalidScopeError("The client is allowed no resource-server scopes.")
        return tokens.issue_client_credentials_token(pool=self.server.pool, client=client, scopes=scopes).as_oauth()


def custom_scopes(pool: UserPool) -> list[str]:
    rows = ResourceServer.objects.filter(pool=pool).values_list("identifier", "scopes")
    return [f"{identifier}/{scope['ScopeName']}" for identifier, scopes in rows for scope in scopes]


def build_authorization_server(pool: UserPool) -> PoolAuthorizationServer:
    server = PoolAuthorizationServer(pool)
    server.register_grant(PoolAuthorizationCodeGrant, [S256CodeChallenge(required=True)])
    server.register_grant(PoolImplicitGrant)
    server.register_grant(PoolRefreshTokenGrant)
    server.register_grant(PoolClientCredentialsGrant)
    return server
