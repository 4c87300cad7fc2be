"""What a person reads when a service says no: Cognito's errors, in the page's language."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from identity.errors import IdentityError

# By Cognito's exception name; a message the service chose is kept where it says more (below).
_BY_CODE = {
    "NotAuthorizedException": _("Incorrect username or password."),
    "UserNotFoundException": _("User does not exist."),
    "UsernameExistsException": _("An account with this username already exists."),
    "AliasExistsException": _("An account with this email or phone number already exists."),
    "CodeMismatchException": _("Invalid verification code provided, please try again."),
    "ExpiredCodeException": _("This code has expired. Request a new code."),
    "LimitExceededException": _("Attempt limit exceeded, please try after some time."),
    "TooManyRequestsException": _("Too many attempts. Wait a minute and try again."),
    "TooManyFailedAttemptsException": _("Too many failed attempts. Start again."),
    "CodeDeliveryFailureException": _("We could not send the code. Try again later."),
    "PasswordResetRequiredException": _("You must reset your password before you sign in."),
    "PasswordHistoryPolicyViolationException": _("You used this password recently. Choose another one."),
    "InvalidPasswordException": _("The password does not meet the requirements."),
    "EnableSoftwareTokenMFAException": _("That code is not right. Check that your device's clock is correct and try again."),
}
# Cognito messages that say something more specific than their exception's name.
_BY_MESSAGE = {
    "User is disabled.": _("This account is disabled."),
    "Password attempts exceeded": _("Too many failed sign-in attempts. Wait a moment and try again."),
    "Temporary password has expired and must be reset by an administrator.": _(
        "Your temporary password has expired. Ask your administrator for a new one."
    ),
    "Invalid session for the user, session is expired.": _("This step has expired. Sign in again."),
    "Invalid session for the user.": _("This step has expired. Sign in again."),
    "SignUp is not permitted for this user pool.": _("Sign-up is not available. Ask your administrator for an account."),
    "Password does not conform to policy: Password not long enough": _("The password is too short."),
    "Password does not conform to policy: Password must have uppercase characters": _("The password needs an uppercase letter."),
    "Password does not conform to policy: Password must have lowercase characters": _("The password needs a lowercase letter."),
    "Password does not conform to policy: Password must have numeric characters": _("The password needs a number."),
    "Password does not conform to policy: Password must have symbol characters": _("The password needs a special character."),
    "Password does not conform to policy: Password must not begin or end with whitespace": _(
        "The password must not begin or end with a space."
    ),
    "Cannot reset password for the user as there is no registered/verified email or phone_number": _(
        "This account has no verified email or phone number to send a code to. Ask your administrator."
    ),
    "User is already confirmed.": _("This account is already confirmed. Sign in."),
    "Password does not conform to policy: Password has been found in a data breach": _(
        "This password has appeared in a data breach, so others may guess it. Choose another one."
    ),
    "Password does not conform to policy: Password must not contain the username or email": _(
        "The password must not contain your username or email address."
    ),
    "Unable to login because of security reasons.": _("This sign-in was blocked to protect your account. Try again later."),
    "The passkey could not be verified.": _("That passkey could not be verified. Try again, or go back and choose another way."),
}


# A trigger's refusal is the pool's own sentence ("PreAuthentication failed with error <message>."),
# shown as Cognito's hosted UI shows it: untranslated, since the handler wrote it.
_TRIGGER_ERRORS = {"UserLambdaValidationException", "InvalidLambdaResponseException", "UnexpectedLambdaException"}


def describe(exc: IdentityError) -> str:
    """The sentence to show for `exc`, translated; Cognito's own words when we have nothing better."""
    if exc.code in _TRIGGER_ERRORS:
        return exc.message
    if exc.message in _BY_MESSAGE:
        return str(_BY_MESSAGE[exc.message])
    if exc.code == "InvalidParameterException" or exc.message.startswith("Password does not conform"):
        return exc.message if exc.code == "InvalidParameterException" else str(_BY_CODE["InvalidPasswordException"])
    if exc.code == "NotAuthorizedException" and exc.message.startswith("User cannot be confirmed"):
        return str(_BY_MESSAGE["User is already confirmed."])
    return str(_BY_CODE.get(exc.code, exc.message))
