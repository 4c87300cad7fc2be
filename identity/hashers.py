"""argon2id for passwords, with its cost read from settings so operators can tune it."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class PoolArgon2Hasher(Argon2PasswordHasher):
    """Django's argon2id hasher with costs from USERPOOLS_ARGON2.

    Django's defaults (100 MiB, 8 lanes) cost too much per sign-in for a busy
    directory; OWASP's argon2id minimum is 19 MiB, 2 passes, 1 lane. The cost
    is read on every call, so a change of settings re-hashes at next sign-in
    (Django's `must_update`).
    """

    @property
    def time_cost(self) -> int:
        return settings.USERPOOLS_ARGON2["time_cost"]

    @property
    def memory_cost(self) -> int:
        return settings.USERPOOLS_ARGON2["memory_cost"]

    @property
    def parallelism(self) -> int:
        return settings.USERPOOLS_ARGON2["parallelism"]
