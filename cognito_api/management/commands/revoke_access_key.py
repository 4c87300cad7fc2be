"""revoke_access_key: calls signed with the key are refused from now on (UnrecognizedClientException)."""
from cognito_api.credentials import revoke_access_key
from identity.management.base import ServiceCommand


class Command(ServiceCommand):
    help = "Revoke an API access key for good."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("access_key_id", metavar="ID")

    def run(self, **options):
        credential = revoke_access_key(access_key_id=options["access_key_id"], context=self.context)
        return {"AccessKeyId": credential.access_key_id, "Status": "Inactive"}, f"Access key {credential.access_key_id} revoked."
