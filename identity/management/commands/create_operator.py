"""create_operator: an account for the operator console, optionally with TOTP."""
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.management.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Create a console operator (a Django superuser). Prints a generated password if none is given. "
        "With --totp, also enrols a confirmed TOTP device and prints its otpauth:// URI (needed to sign in "
        "when USERPOOLS_OPERATOR_2FA_REQUIRED is on)."
    )

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="generated when omitted; checked against AUTH_PASSWORD_VALIDATORS")
        parser.add_argument("--email", default="")
        parser.add_argument("--totp", action="store_true", help="enrol a TOTP device and print its otpauth:// URI")

    def run(self, **options):
        Operator = get_user_model()
        username, given = options["username"], options["password"]
        if Operator.objects.filter(username=username).exists():
            raise CommandError(f"An operator named {username} already exists.")
        password = given or secrets.token_urlsafe(18)
        if given:
            _check_password(password, Operator(username=username, email=options["email"]))
        with transaction.atomic():
            operator = Operator.objects.create_superuser(username=username, email=options["email"], password=password)
            uri = enrol_totp(operator) if options["totp"] else None
        result, text = {"Username": operator.username}, f"Created operator {operator.username}"
        if not given:
            result["Password"] = password
            text += f"\n  password: {password}   (shown once)"
        if uri:
            result["TotpUri"] = uri
            text += f"\n  TOTP: add this to an authenticator app (shown once): {uri}"
        return result, text


def enrol_totp(operator) -> str:
    """A confirmed TOTP device for `operator`; returns its otpauth:// URI, which holds the key."""
    return TOTPDevice.objects.create(user=operator, name="default", confirmed=True).config_url


def _check_password(password: str, operator) -> None:
    try:
        validate_password(password, user=operator)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc
