"""create_user: a confirmed user with a permanent password, for seeding and scripts."""
from django.db import transaction

from identity.errors import InvalidParameterException
from identity.management.base import ServiceCommand
from identity.services import directory, groups, passwords, users


class Command(ServiceCommand):
    help = "Create a CONFIRMED user with a permanent password. Groups named with --group must exist."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--pool", required=True, help="pool id")
        parser.add_argument("--username", required=True, help="the username (an email or phone in email/phone-username pools)")
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", help="email address, marked verified")
        parser.add_argument("--attribute", action="append", default=[], metavar="NAME=VALUE", help="any attribute (repeatable)")
        parser.add_argument("--group", action="append", default=[], help="add to this existing group (repeatable)")

    def run(self, **options):
        pool = directory.get_pool(options["pool"])
        attributes = _attributes(options["attribute"])
        if options["email"]:
            attributes.update({"email": options["email"], "email_verified": "true"})
        passwords.check_password_policy(pool=pool, password=options["password"])
        for name in options["group"]:
            groups.get_group(pool=pool, name=name)
        with transaction.atomic():
            user = users.admin_create_user(
                pool=pool, username=options["username"], attributes=attributes, message_action="SUPPRESS", context=self.context
            )
            passwords.admin_set_user_password(
                pool=pool, username=user.username, password=options["password"], permanent=True, context=self.context
            )
            for name in options["group"]:
                groups.admin_add_user_to_group(pool=pool, username=user.username, group_name=name, context=self.context)
        return {"Username": user.username, "Sub": str(user.sub)}, f"Created user {user.username} (sub {user.sub})"


def _attributes(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InvalidParameterException(f"--attribute takes NAME=VALUE, not {pair!r}.")
        values[name] = value
    return values
