"""A base for the operator CLI: `--json` prints one JSON object; service errors become clean command errors."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from identity.context import RequestContext
from identity.errors import IdentityError


class ServiceCommand(BaseCommand):
    """Subclasses implement run(**options) -> (result dict, human text)."""

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
        self.add_service_arguments(parser)

    def add_service_arguments(self, parser) -> None:
        pass

    def handle(self, *args, **options):
        try:
            result, text = self.run(**options)
        except IdentityError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(json.dumps(result) if options["json"] else text)

    def run(self, **options) -> tuple[dict, str]:
        raise NotImplementedError

    @property
    def context(self) -> RequestContext:
        return RequestContext(actor=f"cli:{self.__module__.rsplit('.', 1)[-1]}")


def split_words(value: str | None) -> list[str]:
    return [w for w in (value or "").replace(",", " ").split() if w]
