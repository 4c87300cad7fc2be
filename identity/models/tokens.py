"""Signing keys and the server-side state of tokens (refresh tokens, revocations)."""
from __future__ import annotations

import uuid

from django.db import models

from identity.models.pools import UserPool, UserPoolClient
from identity.models.users import User


class SigningKey(models.Model):
    """A pool's RSA-2048 key for RS256. Published before it signs; kept published after, until its tokens expire."""

    class State(models.TextChoices):
        NEXT = "next"
        CURRENT = "current"
        RETIRED = "retired"

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="signing_keys")
    kid = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=8, choices=State.choices)
    # PKCS#8 PEM, encrypted under the key-encryption key (identity.crypto).
    private_key_encrypted = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # A retired key leaves the JWKS once every token it signed has expired.
    unpublish_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pool_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["pool"], condition=models.Q(state="current"), name="one_current_key_per_pool"),
            models.UniqueConstraint(fields=["pool"], condition=models.Q(state="next"), name="one_next_key_per_pool"),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.state})"


class RefreshToken(models.Model):
    """An issued refresh token, kept only as a keyed digest.

    Tokens from one sign-in share a `family`; with rotation each use replaces the token, and a
    second use of a replaced one (reuse) revokes the family. `origin_jti` ties the access and ID
    tokens minted from this sign-in to it, so revoking the family revokes them too.
    """

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(UserPoolClient, on_delete=models.CASCADE, related_name="refresh_tokens")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_digest = models.CharField(max_length=64, unique=True)
    family = models.UUIDField(default=uuid.uuid4, db_index=True)
    origin_jti = models.UUIDField(default=uuid.uuid4)
    scopes = models.JSONField(default=list)
    auth_time = models.DateTimeField()
    amr = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The tracked device this sign-in was on (its access tokens carry it; forgetting the device revokes them).
    device_key = models.CharField(max_length=55, blank=True, default="", db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="refresh_user_idx")]


class RevokedOrigin(models.Model):
    """An `origin_jti` whose access and ID tokens are no longer accepted, until they would have expired anyway."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    origin_jti = models.UUIDField(unique=True)
    revoked_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)


class AuthorizationCode(models.Model):
    """An OAuth authorization code (RFC 6749 §4.1), kept as a digest; single use, five minutes."""

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(UserPoolClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=64, unique=True)
    redirect_uri = models.CharField(max_length=1024)
    scopes = models.JSONField(default=list)
    nonce = models.CharField(max_length=512, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=8, blank=True)
    auth_time = models.DateTimeField()
    amr = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    # The refresh-token family its redemption started, revoked if the code is presented again.
    issued_family = models.UUIDField(null=True, blank=True)
    issued_origin_jti = models.UUIDField(null=True, blank=True)

    # Authlib's AuthorizationCodeMixin and CodeChallenge read these.
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return " ".join(self.scopes)


class AuthChallenge(models.Model):
    """The state between sign-in steps: the Session string a client returns with its answer.

    Only a digest of the session is kept; an answer claims the row (consumed_at) in one statement
    before it is checked, and a wrong one gives it back (identity.services.hotpath_signin).
    """

    pool = models.ForeignKey(UserPool, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(UserPoolClient, on_delete=models.CASCADE, related_name="+")
    # None for a decoy step answered to an unknown user, so the reply does not reveal who exists.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", null=True)
    challenge_name = models.CharField(max_length=32)
    session_digest = models.CharField(max_length=64, unique=True)
    state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
