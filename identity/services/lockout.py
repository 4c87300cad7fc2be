"""Failed-sign-in lockout, as Cognito's: after the threshold, locks that double up to a cap.

With the pool's defaults (Cognito's values): the 5th failure locks the account for 1 s, the
6th for 2 s, the n-th for 2^(n-5) s up to 900 s. An attempt during a lock is refused before the
password is looked at and changes nothing (the lock is not extended). After 900 s without a
failure the count starts again; a proven password clears it.

State lives in the default cache (Redis in production, so every node sees one count) and time
comes only from identity.clock, so tests move the clock instead of sleeping. A subject is a
pool's user (so every alias shares one count) or, for a name nobody has, the normalised name,
so an unknown name locks exactly like a real one and lockout tells nobody who exists.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from django.core.cache import cache

from identity import cache as shared_cache
from identity import clock, crypto, normalize
from identity.errors import NotAuthorizedException
from identity.models import User, UserPool

LOCKED_MESSAGE = "Password attempts exceeded"
# The console's and the API's bounds on the pool's lockout settings (identity.services.pools).
SETTING_BOUNDS = {
    "lockout_threshold": (0, 100),
    "lockout_base_delay_seconds": (1, 86_400),
    "lockout_max_delay_seconds": (1, 86_400),
    "lockout_reset_seconds": (1, 86_400),
}


@dataclass(frozen=True)
class LockoutState:
    """What the cache held for a subject when its attempt began."""

    pool_id: str
    subject: str
    failures: int = 0
    last_failure: float | None = None  # POSIX seconds, from identity.clock
    locked_until: float | None = None
    reserved: int | None = None  # this attempt's place in the count, taken before the password was checked


def subject_for(*, pool: UserPool, user: User | None, username: str) -> str:
    """The counter a sign-in attempt belongs to: the user's, or the normalised unknown name's."""
    if user is not None:
        return f"user:{user.pk}"
    # A digest keeps names out of the cache and its keys to safe characters.
    return "name:" + crypto.keyed_digest("lockout-name", normalize.username_key(username, case_sensitive=pool.case_sensitive))


def mfa_subject_for(user: User) -> str:
    """Wrong second-factor codes have a count of their own, cleared only by a finished sign-in."""
    return f"mfa:{user.pk}"


def lock_seconds(*, pool: UserPool, failures: int) -> int:
    """How long the `failures`-th failure locks for: 0 below the threshold, then doubling up to the cap."""
    if not pool.lockout_threshold or failures < pool.lockout_threshold:
        return 0
    doublings = min(failures - pool.lockout_threshold, 40)  # 2^40 s is past any cap
    return min(pool.lockout_base_delay_seconds * 2**doublings, pool.lockout_max_delay_seconds)


def check_not_locked(*, pool: UserPool, subject: str, reserve: bool = True) -> LockoutState:
    """Refuse an attempt while the subject is locked; else count it and return the state to record the outcome on.

    The attempt is counted before any password is looked at, so a burst of parallel attempts cannot
    all pass before the first failure is written: below the threshold each takes a place, past it
    only one attempt at a time may try (the others are refused and their places given back, so
    they do not extend the lock). `reserve=False` only looks (the SRP first step, which proves
    nothing). Raises NotAuthorizedException("Password attempts exceeded"). A count older than the
    pool's reset window is treated as no count.
    """
    state_key, count_key = _state_key(pool.pk, subject), _count_key(pool.pk, subject)
    stored = cache.get(state_key)
    now = clock.now().timestamp()
    if stored and now - stored["last"] >= pool.lockout_reset_seconds:
        cache.delete_many([state_key, count_key])
        stored = None
    if stored and stored["until"] and now < stored["until"]:
        raise NotAuthorizedException(LOCKED_MESSAGE)
    state = LockoutState(pool_id=pool.pk, subject=subject)
    if stored:
        state = replace(state, failures=stored["failures"], last_failure=stored["last"], locked_until=stored["until"])
    if not reserve or not pool.lockout_threshold:
        return state
    reserved = _increment(count_key, timeout=_timeout(pool))
    if reserved > max(pool.lockout_threshold, state.failures + 1):
        _give_back(count_key)
        raise NotAuthorizedException(LOCKED_MESSAGE)
    return replace(state, reserved=reserved)


def record_failed_attempt(*, pool: UserPool, state: LockoutState) -> LockoutState:
    """Count one failed password for the subject `state` came from, locking it once past the threshold."""
    now = clock.now().timestamp()
    count_key = _count_key(pool.pk, state.subject)
    failures = state.reserved if state.reserved is not None else _increment(count_key, timeout=_timeout(pool))
    # Parallel failures finish in any order: the lock follows the highest count taken.
    failures = max(failures, cache.get(count_key) or 0)
    delay = lock_seconds(pool=pool, failures=failures)
    locked_until = now + delay if delay else state.locked_until
    cache.set(_state_key(pool.pk, state.subject), {"failures": failures, "last": now, "until": locked_until}, timeout=_timeout(pool))
    return LockoutState(pool_id=pool.pk, subject=state.subject, failures=failures, last_failure=now, locked_until=locked_until)


def record_success(*, state: LockoutState) -> None:
    """A proven password clears the subject's count (nothing to write when there was none)."""
    if state.last_failure is not None or state.reserved is not None:
        clear(pool_id=state.pool_id, subject=state.subject)


def clear(*, pool_id: str, subject: str) -> None:
    cache.delete_many([_state_key(pool_id, subject), _count_key(pool_id, subject)])


def _timeout(pool: UserPool) -> int:
    return pool.lockout_reset_seconds + pool.lockout_max_delay_seconds


def _increment(key: str, *, timeout: int) -> int:
    # Created with its expiry if absent, then counted: atomic on every backend, one round trip on Redis.
    return shared_cache.count([key], timeout=timeout)[0]


def _give_back(key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:
        pass


def _state_key(pool_id: str, subject: str) -> str:
    return f"lockout:{pool_id}:{subject}"


def _count_key(pool_id: str, subject: str) -> str:
    return f"lockout:{pool_id}:{subject}:n"
