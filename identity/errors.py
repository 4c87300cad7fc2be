"""Typed errors carrying Cognito's exception names; every face maps them to its own protocol."""
from __future__ import annotations


class IdentityError(Exception):
    """Base of every rule violation a service reports. `code` is Cognito's `__type`."""

    code = "InternalErrorException"
    default_message = "An internal error occurred."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


def error_type(name: str, message: str, base: type[IdentityError] = IdentityError) -> type[IdentityError]:
    """An IdentityError subclass whose code is Cognito's exception name."""
    return type(name, (base,), {"code": name, "default_message": message})


AliasExistsException = error_type("AliasExistsException", "An account with the given email or phone number already exists.")
CodeDeliveryFailureException = error_type("CodeDeliveryFailureException", "The verification code could not be delivered.")
CodeMismatchException = error_type("CodeMismatchException", "Invalid verification code provided, please try again.")
ExpiredCodeException = error_type("ExpiredCodeException", "Invalid code provided, please request a code again.")
GroupExistsException = error_type("GroupExistsException", "A group with the name already exists.")
InvalidParameterException = error_type("InvalidParameterException", "Invalid parameter.")
InvalidPasswordException = error_type("InvalidPasswordException", "Password does not conform to policy.")
LimitExceededException = error_type("LimitExceededException", "Attempt limit exceeded, please try after some time.")
NotAuthorizedException = error_type("NotAuthorizedException", "Incorrect username or password.")
PasswordHistoryPolicyViolationException = error_type(
    "PasswordHistoryPolicyViolationException", "The password was used recently; choose a different password."
)
PasswordResetRequiredException = error_type("PasswordResetRequiredException", "Password reset required for the user.")
RefreshTokenReuseException = error_type("RefreshTokenReuseException", "The refresh token has already been used.")
ResourceNotFoundException = error_type("ResourceNotFoundException", "The requested resource was not found.")
ScopeDoesNotExistException = error_type("ScopeDoesNotExistException", "The requested scope does not exist.")
TooManyFailedAttemptsException = error_type("TooManyFailedAttemptsException", "Too many failed attempts.")
TooManyRequestsException = error_type("TooManyRequestsException", "Too many requests.")
UnsupportedOperationException = error_type("UnsupportedOperationException", "The operation is not supported.")
UnsupportedTokenTypeException = error_type("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.")
UnsupportedUserStateException = error_type("UnsupportedUserStateException", "The user is in an unsupported state.")
UserNotConfirmedException = error_type("UserNotConfirmedException", "User is not confirmed.")
UserNotFoundException = error_type("UserNotFoundException", "User does not exist.")
UsernameExistsException = error_type("UsernameExistsException", "User already exists.")
InvalidUserPoolConfigurationException = error_type(
    "InvalidUserPoolConfigurationException", "The user pool configuration is invalid."
)
EnableSoftwareTokenMFAException = error_type("EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
SoftwareTokenMFANotFoundException = error_type("SoftwareTokenMFANotFoundException", "Software token MFA is not configured.")
# Trigger failures, as Cognito reports its Lambda triggers' (identity/triggers.py).
UserLambdaValidationException = error_type("UserLambdaValidationException", "A trigger rejected the request.")
InvalidLambdaResponseException = error_type("InvalidLambdaResponseException", "Unrecognizable lambda output")
UnexpectedLambdaException = error_type("UnexpectedLambdaException", "A trigger could not be invoked.")
