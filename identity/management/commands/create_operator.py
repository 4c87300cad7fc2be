"""create_operator: an account for the operator console, optionally with TOTP."""
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.management.base import ServiceCommand


class Command(ServiceCommand):
    help = "Create a console operator (a Django superuser). Prints a generated password if none is given."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="generated when omitted")
        parser.add_argument("--email", default="")
        parser.add_argument("--totp", action="store_true", help="enrol a TOTP device and print its otpauth:// URI")

    def run(self, **options):
        Operator = get_user_model()
        if Operator.objects.filter(username=options["username"]).exists():
            raise CommandError(f"An operator named {options['username']} already exists.")
        password = options["password"] or secrets.token_urlsafe(18)
        operator = Operator.objects.create_superuser(username=options["username"], email=options["email"], password=password)
        result = {"Username": operator.username}
        text = f"Created operator {operator.username}"
        if not options["password"]:
            result["Password"] = password
            text += f"\n  password: {password}   (shown once)"
        if options["totp"]:
            device = TOTPDevice.objects.create(user=operator, name="default", confirmed=True)
            result["TotpUri"] = device.config_url
            text += f"\n  TOTP: add this to an authenticator app: {device.config_url}"
        return result, text
