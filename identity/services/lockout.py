"""Failed-sign-in lockout, as Cognito's: after the threshold, locks that double up to a cap.

With the pool's defaults (Cognito's values): the 5th failure locks the account for 1 s, the
6th for 2 s, the n-th for 2^(n-5) s up to 900 s. An attempt during a lock is refused before the
password is looked at and changes nothing (the lock is not extended). After 900 quiet seconds
the count starts again, counted from the end of the last lock (a lock is not quiet time: measured
from the failure, a 900 s lock would end with a fresh count and hand out a threshold's worth of
free guesses every 15 minutes); a proven password clears it.

Callers hold an attempt from the check to its outcome: `with lockout.attempt(...) as guard:`, then
`guard.failed()` or `guard.succeeded()`. An attempt that ends any other way (an error before the
secret was compared: a trigger's refusal, a malformed answer) gives its place back, so only a
compared secret counts and nobody can lock an account by sending requests that are refused early.

State lives in the default cache (Redis in production, so every node sees one count) and time
comes only from identity.clock, so tests move the clock instead of sleeping. A subject is a
pool's user (so every alias shares one count) or, for a name nobody has, the normalised name,
so an unknown name locks exactly like a real one and lockout tells nobody who exists.

Two keys per subject: the state (failures, last failure, lock end) and the count (an atomic counter
that in-flight attempts take places in). Each failure gives both the same expiry, and a count that
is gone while the state lives (evicted) starts again from the stored failures, so the count never
forgets a failure the state remembers.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import TracebackType

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
    pool's reset window, after the last failure and its lock, is treated as no count. Sign-in calls it through `attempt`, which gives the
    place back when no outcome is recorded.
    """
    state_key, count_key = _state_key(pool.pk, subject), _count_key(pool.pk, subject)
    reserving = reserve and bool(pool.lockout_threshold)
    reserved = None
    if reserving:
        # Usually there is no state (no recent failure): then the attempt takes its place in the same trip.
        stored, reserved = shared_cache.get_or_count(state_key, count_key, timeout=_timeout(pool))
    else:
        stored = cache.get(state_key)
    now = clock.now().timestamp()
    if stored and now - max(stored["last"], stored["until"] or 0) >= pool.lockout_reset_seconds:
        cache.delete_many([state_key, count_key])
        stored = None
    if stored and stored["until"] and now < stored["until"]:
        raise NotAuthorizedException(LOCKED_MESSAGE)
    state = LockoutState(pool_id=pool.pk, subject=subject)
    if stored:
        state = replace(state, failures=stored["failures"], last_failure=stored["last"], locked_until=stored["until"])
    if not reserving:
        return state
    if reserved is None:
        # An absent count beside a live state starts from the stored failures, not from zero.
        reserved = _increment(count_key, timeout=_timeout(pool), start=state.failures)
    if reserved > max(pool.lockout_threshold, state.failures + 1):
        _give_back(count_key)
        raise NotAuthorizedException(LOCKED_MESSAGE)
    return replace(state, reserved=reserved)


def record_failed_attempt(*, pool: UserPool, state: LockoutState) -> LockoutState:
    """Count one failed password for the subject `state` came from, locking it once past the threshold."""
    now = clock.now().timestamp()
    count_key = _count_key(pool.pk, state.subject)
    failures = state.reserved if state.reserved is not None else _increment(count_key, timeout=_timeout(pool), start=state.failures)
    # Parallel failures finish in any order: the lock follows the highest count taken.
    failures = max(failures, cache.get(count_key) or 0)
    delay = lock_seconds(pool=pool, failures=failures)
    locked_until = now + delay if delay else state.locked_until
    cache.set(_state_key(pool.pk, state.subject), {"failures": failures, "last": now, "until": locked_until}, timeout=_timeout(pool))
    # The count lives as long as the state: set once at its first place, it would expire mid-attack
    # and hand out a fresh threshold's worth of guesses (the reset rule reads the state, not the TTLs).
    cache.touch(count_key, timeout=_timeout(pool))
    return LockoutState(pool_id=pool.pk, subject=state.subject, failures=failures, last_failure=now, locked_until=locked_until)


class Attempt:
    """One counted try at a secret, from the lock check to its outcome. Use as a context manager.

    Record exactly one outcome inside the block: `failed()` (the secret was wrong, or the client's
    proof was void) or `succeeded()`. Leaving the block without one gives the attempt's place back:
    nothing was compared, so nothing counts (a PreAuthentication refusal, a malformed answer, a crash).
    """

    def __init__(self, *, pool: UserPool, state: LockoutState) -> None:
        self.pool, self.state, self.recorded = pool, state, False

    def failed(self) -> LockoutState:
        self._record()
        self.state = record_failed_attempt(pool=self.pool, state=self.state)
        return self.state

    def succeeded(self) -> None:
        self._record()
        record_success(state=self.state)

    def release(self) -> None:
        """Give the place back unless an outcome was recorded (idempotent)."""
        if not self.recorded:
            self.recorded = True
            if self.state.reserved is not None:
                _give_back(_count_key(self.pool.pk, self.state.subject))

    def _record(self) -> None:
        if self.recorded:
            raise RuntimeError("a lockout attempt records one outcome")
        self.recorded = True

    def __enter__(self) -> Attempt:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.release()


def attempt(*, pool: UserPool, subject: str, reserve: bool = True) -> Attempt:
    """Refuse while `subject` is locked, else take this attempt's place: `with attempt(...) as guard:`.

    The check runs here, before the block: a refusal raises NotAuthorizedException("Password
    attempts exceeded") and there is nothing to give back.
    """
    return Attempt(pool=pool, state=check_not_locked(pool=pool, subject=subject, reserve=reserve))


def record_success(*, state: LockoutState) -> None:
    """A proven password clears the subject's count (nothing to write when there was none)."""
    if state.last_failure is not None or state.reserved is not None:
        clear(pool_id=state.pool_id, subject=state.subject)


def clear(*, pool_id: str, subject: str) -> None:
    cache.delete_many([_state_key(pool_id, subject), _count_key(pool_id, subject)])


def _timeout(pool: UserPool) -> int:
    # The longest a state can matter: its lock, then the quiet window.
    return pool.lockout_reset_seconds + pool.lockout_max_delay_seconds


def _increment(key: str, *, timeout: int, start: int = 0) -> int:
    # Created at `start` with its expiry if absent, then counted: atomic on every backend, one round trip on Redis.
    return shared_cache.count([key], timeout=timeout, start=start)[0]


def _give_back(key: str) -> None:
    try:
        cache.decr(key)
    except ValueError:
        pass


def _state_key(pool_id: str, subject: str) -> str:
    return f"lockout:{pool_id}:{subject}"


def _count_key(pool_id: str, subject: str) -> str:
    return f"lockout:{pool_id}:{subject}:n"
