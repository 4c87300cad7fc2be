"""Messages to pool users: render the pool's templates, send by email or SMS, report where it went."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext, gettext_noop

from identity import events
from identity.context import SYSTEM, RequestContext
from identity.errors import CodeDeliveryFailureException
from identity.models import User, UserPool
from identity.normalize import mask_destination
# The senders live in identity/sms.py; these names stay importable from here.
from identity.sms import ConsoleSmsSender, FileSmsSender, MemorySmsSender, SmsDeliveryError, sms_sender  # noqa: F401

log = logging.getLogger(__name__)


class MessageKind(Enum):
    VERIFICATION = "verification"
    INVITATION = "invitation"
    RESET = "reset"
    MFA = "mfa"


@dataclass(frozen=True)
class CodeDeliveryDetails:
    """Cognito's CodeDeliveryDetails: a masked destination, EMAIL or SMS, and the attribute used."""

    destination: str
    delivery_medium: str
    attribute_name: str

    def as_cognito(self) -> dict:
        return {"Destination": self.destination, "DeliveryMedium": self.delivery_medium, "AttributeName": self.attribute_name}


def render(template: str, *, code: str, username: str) -> str:
    """Cognito's placeholders: {####} is the code (or temporary password), {username} the username."""
    return template.replace("{####}", code).replace("{username}", username)


# The pools' default templates, marked so they are translated; a pool's own wording is sent as written.
DEFAULT_TEMPLATES = (
    gettext_noop("Your verification code"),
    gettext_noop("Your verification code is {####}."),
    gettext_noop("Your temporary password"),
    gettext_noop("Your username is {username} and temporary password is {####}."),
    gettext_noop("Your password reset code"),
    gettext_noop("Your password reset code is {####}."),
    gettext_noop("Your authentication code"),
    gettext_noop("Your authentication code is {####}."),
    gettext_noop("Your authentication code is {####}. "),
)


def _template(pool: UserPool, field: str) -> str:
    """The pool's template; an unchanged default in the language of the page that caused the message."""
    value = getattr(pool, field)
    return gettext(value) if value == UserPool._meta.get_field(field).default else value


def _templates(user: User, kind: MessageKind) -> tuple[str, str, str]:
    prefix = kind.value
    return tuple(_template(user.pool, f"{prefix}_{part}") for part in ("email_subject", "email_message", "sms_message"))


# The triggers' name for why a message goes out (CustomMessage_<source>, CustomEmailSender_<source>, ...).
DEFAULT_SOURCES = {
    MessageKind.VERIFICATION: "SignUp", MessageKind.INVITATION: "AdminCreateUser",
    MessageKind.RESET: "ForgotPassword", MessageKind.MFA: "Authentication",
}


def deliver(
    *, user: User, kind: MessageKind, code: str, attribute: str, destination: str | None = None, source: str | None = None,
    client=None, context: RequestContext = SYSTEM,
) -> CodeDeliveryDetails:
    """Send a code to the user's email or phone (`attribute`); `destination` overrides the stored value.

    `source` is Cognito's reason for the message (SignUp, AdminCreateUser, ResendCode,
    ForgotPassword, UpdateUserAttribute, VerifyUserAttribute, Authentication; by default the
    kind's). A pool's CustomEmailSender / CustomSMSSender takes the message instead (we send
    nothing); else its CustomMessage trigger may reword it, keeping the placeholders. Raises
    CodeDeliveryFailureException when the transport refuses the message (recorded as a
    CodeDeliveryFailure audit event; whatever the caller wrote before stays, as in Cognito, where a
    user whose code was not delivered still exists and can ask again), and the triggers' errors.
    """
    from identity import triggers

    source = source or DEFAULT_SOURCES[kind]
    to = destination or user.attributes.get(attribute, "")
    sender = triggers.custom_email_sender if attribute == "email" else triggers.custom_sms_sender
    prefix = "CustomEmailSender_" if attribute == "email" else "CustomSMSSender_"
    if sender(pool=user.pool, user=user, source=prefix + source, code=code, client=client, context=context):
        return details_for(attribute, to)
    subject, email_body, sms_body = _templates(user, kind)
    custom = triggers.custom_message(
        pool=user.pool, user=user, source=f"CustomMessage_{source}", client=client, context=context,
        username_parameter=triggers.USERNAME_PARAMETER if source == "AdminCreateUser" else None,
    )
    if custom is not None:
        subject = custom.email_subject or subject
        email_body, sms_body = custom.email_message or email_body, custom.sms_message or sms_body
    try:
        if attribute == "email":
            send_mail(
                subject,
                render(email_body, code=code, username=user.username),
                user.pool.email_from or settings.DEFAULT_FROM_EMAIL,
                [to],
            )
        else:
            sms_sender().send(to=to, body=render(sms_body, code=code, username=user.username))
    except Exception as exc:  # any transport failure: SMTP, DNS, provider
        _record_failure(user=user, attribute=attribute, to=to, source=source, exc=exc, context=context)
        raise CodeDeliveryFailureException("Unable to deliver the message; try again later.") from exc
    return details_for(attribute, to)


def _record_failure(*, user: User, attribute: str, to: str, source: str, exc: Exception, context: RequestContext) -> None:
    """Log and audit a message that did not go out: where (masked), why, never the text or a credential."""
    medium = "EMAIL" if attribute == "email" else "SMS"
    details = {"medium": medium, "source": source, "destination": mask_destination(to)}
    if medium == "SMS":
        details["sender"] = settings.USERPOOLS_SMS_SENDER
    if isinstance(exc, SmsDeliveryError):
        details.update(reason=exc.reason, retryable=exc.retryable, configuration=exc.configuration)
        if exc.status is not None:
            details["provider_status"] = exc.status
        if exc.provider_code:
            details["provider_code"] = exc.provider_code
        # A set-up fault fails every message until an operator fixes it: an error, not a warning.
        log.log(logging.ERROR if exc.configuration else logging.WARNING,
                "%s delivery to %s failed: %s", medium, details["destination"], exc.reason)
    else:
        # Other transports' messages (SMTP replies, OS errors) are not vetted for the audit trail: the type only.
        details["reason"] = exc.__class__.__name__
        log.warning("%s delivery to %s failed: %s", medium, details["destination"], exc)
    events.code_delivery_failed(user=user, context=context, details=details)


def risk_notice(*, username: str, time: str, place: str, device: str, blocked: bool, compromised: bool,
                valid_link: str, invalid_link: str) -> tuple[str, str]:
    """The subject and text of our own risky-sign-in notice (identity.services.risk sends it when the
    pool has no NotifyConfiguration template), in the language of the page signed in on."""
    facts = {"username": username, "time": time, "place": place or gettext("an unknown address"),
             "device": device or gettext("unknown device")}
    said = gettext("A sign-in to your account (%(username)s) was blocked on %(time)s UTC from %(place)s (%(device)s).") if blocked \
        else gettext("A sign-in to your account (%(username)s) was made on %(time)s UTC from %(place)s (%(device)s).")
    lines = [said % facts]
    if compromised:
        lines.append(gettext("The password used appears in a list of passwords exposed in data breaches: change it."))
    lines += ["", gettext("This was me: %(link)s") % {"link": valid_link}, gettext("This was not me: %(link)s") % {"link": invalid_link}]
    return gettext("A sign-in to your account"), "\n".join(lines) + "\n"


def details_for(attribute: str, destination: str) -> CodeDeliveryDetails:
    return CodeDeliveryDetails(
        destination=mask_destination(destination),
        delivery_medium="EMAIL" if attribute == "email" else "SMS",
        attribute_name=attribute,
    )


