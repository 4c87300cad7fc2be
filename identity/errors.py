"""Typed errors carrying Cognito's exception names; every face maps them to its own protocol."""
from __future__ import annotations


class IdentityError(Exception):
    """Base of every rule violation a service reports. `code` is Cognito's `__type`."""

    code = "InternalErrorException"
    default_message = "An internal error occurred."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


def _error(name: str, message: str) -> type[IdentityError]:
    return type(name, (IdentityError,), {"code": name, "default_message": message})


AliasExistsException = _error("AliasExistsException", "An account with the given email or phone number already exists.")
CodeDeliveryFailureException = _error("CodeDeliveryFailureException", "The verification code could not be delivered.")
CodeMismatchException = _error("CodeMismatchException", "Invalid verification code provided, please try again.")
ExpiredCodeException = _error("ExpiredCodeException", "Invalid code provided, please request a code again.")
GroupExistsException = _error("GroupExistsException", "A group with the name already exists.")
InvalidParameterException = _error("InvalidParameterException", "Invalid parameter.")
InvalidPasswordException = _error("InvalidPasswordException", "Password does not conform to policy.")
LimitExceededException = _error("LimitExceededException", "Attempt limit exceeded, please try after some time.")
NotAuthorizedException = _error("NotAuthorizedException", "Incorrect username or password.")
PasswordHistoryPolicyViolationException = _error(
    "PasswordHistoryPolicyViolationException", "The password was used recently; choose a different password."
)
PasswordResetRequiredException = _error("PasswordResetRequiredException", "Password reset required for the user.")
RefreshTokenReuseException = _error("RefreshTokenReuseException", "The refresh token has already been used.")
ResourceNotFoundException = _error("ResourceNotFoundException", "The requested resource was not found.")
ScopeDoesNotExistException = _error("ScopeDoesNotExistException", "The requested scope does not exist.")
TooManyFailedAttemptsException = _error("TooManyFailedAttemptsException", "Too many failed attempts.")
TooManyRequestsException = _error("TooManyRequestsException", "Too many requests.")
UnsupportedOperationException = _error("UnsupportedOperationException", "The operation is not supported.")
UnsupportedUserStateException = _error("UnsupportedUserStateException", "The user is in an unsupported state.")
UserNotConfirmedException = _error("UserNotConfirmedException", "User is not confirmed.")
UserNotFoundException = _error("UserNotFoundException", "User does not exist.")
UsernameExistsException = _error("UsernameExistsException", "User already exists.")
InvalidUserPoolConfigurationException = _error(
    "InvalidUserPoolConfigurationException", "The user pool configuration is invalid."
)
