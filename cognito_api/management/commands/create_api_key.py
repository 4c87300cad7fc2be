"""create_api_key: an access key for signing admin calls (boto3, the AWS CLI) as an operator."""
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from cognito_api.sigv4 import create_credential
from identity.management.base import ServiceCommand


class Command(ServiceCommand):
    help = "Create an API access key for an operator. The secret is printed once."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--operator", required=True, help="an operator's username (see create_operator)")
        parser.add_argument("--description", default="")

    def run(self, **options):
        operator = get_user_model().objects.filter(username=options["operator"], is_active=True).first()
        if operator is None:
            raise CommandError(f"No active operator named {options['operator']}.")
        credential, secret = create_credential(operator=operator, description=options["description"])
        text = (f"Access key id:     {credential.access_key_id}\nSecret access key: {secret}   (shown once)\n"
                "Use them as AWS credentials with endpoint_url set to this server.")
        return {"AccessKeyId": credential.access_key_id, "SecretAccessKey": secret}, text
