"""Model fields with database-specific behaviour kept in one place."""
from __future__ import annotations

from django.db import models

_BINARY_COLLATION = {"postgresql": "C", "sqlite": "BINARY"}


class SortableKeyField(models.CharField):
    """A CharField compared byte-wise, so prefix searches are index range scans.

    Under PostgreSQL's usual linguistic collations a btree index cannot serve
    `col >= 'ab' AND col < 'ab\\U0010ffff'` exactly; under "C" it can, on every
    server, whatever its locale.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        params["collation"] = _BINARY_COLLATION.get(connection.vendor, params.get("collation"))
        return params
