"""The pool console: model admins registered on identity.admin_site.admin_site (not Django's default site)."""
from identity.admin import audit, groups, operators, pools, threats, triggers, users  # noqa: F401  (registration)
