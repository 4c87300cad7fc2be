"""create_access_key: an access key for signing admin and provisioning calls (boto3, the AWS CLI, Terraform)."""
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from cognito_api.credentials import create_access_key
from identity.management.base import ServiceCommand


class Command(ServiceCommand):
    help = ("Create an API access key, for every pool or for the pools named. The secret is printed once. "
            "--access-key-id with --secret-access-key registers a known pair (local development, CI).")

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--operator", help="the operator (see create_operator) the key acts for; none for a CI key")
        parser.add_argument("--pool", action="append", default=[], dest="pools", metavar="POOL_ID",
                            help="limit the key to this pool (repeat for several); default: every pool")
        parser.add_argument("--access-key-id", help="a fixed access key id (any non-empty string)")
        parser.add_argument("--secret-access-key", help="the fixed secret that goes with --access-key-id")
        parser.add_argument("--description", default="")

    def run(self, **options):
        operator = None
        if options["operator"]:
            operator = get_user_model().objects.filter(username=options["operator"], is_active=True).first()
            if operator is None:
                raise CommandError(f"No active operator named {options['operator']}.")
        credential, secret = create_access_key(
            operator=operator, pool_ids=options["pools"], access_key_id=options["access_key_id"],
            secret_access_key=options["secret_access_key"], description=options["description"], context=self.context,
        )
        scope = ", ".join(options["pools"]) or "every pool"
        text = (f"Access key id:     {credential.access_key_id}\nSecret access key: {secret}   (shown once)\n"
                f"Scope:             {scope}\nUse them as AWS credentials with endpoint_url set to this server.")
        return {"AccessKeyId": credential.access_key_id, "SecretAccessKey": secret, "Pools": options["pools"], "AllPools": not options["pools"]}, text
