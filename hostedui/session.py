"""The hosted-UI session: who is signed in to a pool in this browser (pool-scoped, 1 hour, renewed on use).

It repeats the safeguards of django.contrib.auth.login for a per-pool key: a new session key and
CSRF token at sign-in, and a hash of the password hash so a password change ends the session.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.middleware.csrf import rotate_token
from django.utils.crypto import constant_time_compare, salted_hmac

from identity import clock
from identity.models import User, UserPool
from identity.services.signin import AuthenticationResult

SESSION_KEY = "hostedui:pool:{pool_id}:user"
LIFETIME = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class SignedInUser:
    """The end user an authorization request is granted for, with when and how they signed in."""

    user: User
    auth_time: datetime.datetime
    amr: tuple[str, ...]

    @property
    def pk(self):  # Authlib reads request.user; a primary key keeps its logs readable
        return self.user.pk


def _password_fingerprint(user: User) -> str:
    return salted_hmac("hostedui.session", user.password or str(user.sub), algorithm="sha256").hexdigest()


def sign_in(request, pool: UserPool, result: AuthenticationResult) -> None:
    """Remember the user for this pool in this browser."""
    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY.format(pool_id=pool.id)] = {
        "user": result.user.pk,
        "auth_time": result.auth_time.timestamp(),
        "amr": list(result.amr),
        "fingerprint": _password_fingerprint(result.user),
        "expires": (clock.now() + LIFETIME).timestamp(),
    }


def current_user(request, pool: UserPool) -> SignedInUser | None:
    """The signed-in user of this pool, if the session is live; renews it for another hour."""
    key = SESSION_KEY.format(pool_id=pool.id)
    data = request.session.get(key)
    if not data or data["expires"] <= clock.now().timestamp():
        request.session.pop(key, None)
        return None
    user = User.objects.filter(pk=data["user"], pool=pool, enabled=True).select_related("pool").first()
    if user is None or not constant_time_compare(data["fingerprint"], _password_fingerprint(user)):
        request.session.pop(key, None)
        return None
    data["expires"] = (clock.now() + LIFETIME).timestamp()
    request.session[key] = data
    auth_time = datetime.datetime.fromtimestamp(data["auth_time"], tz=datetime.timezone.utc)
    return SignedInUser(user=user, auth_time=auth_time, amr=tuple(data["amr"]))


def sign_out(request, pool: UserPool) -> None:
    request.session.pop(SESSION_KEY.format(pool_id=pool.id), None)
