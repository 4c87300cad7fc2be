"""The wire format of Cognito's API: JSON 1.1 in, JSON out, errors as {"__type", "message"}."""
from __future__ import annotations

import json

from django.http import JsonResponse

from identity.errors import IdentityError, error_type

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."


class ProtocolError(IdentityError):
    """A request that is not Cognito's JSON 1.1 at all."""


SerializationException = error_type("SerializationException", "The request body is not valid JSON.", ProtocolError)
UnknownOperationException = error_type("UnknownOperationException", "The operation is not known.", ProtocolError)


def parse(request) -> tuple[str, dict]:
    """The action name and its parameters, or a ProtocolError."""
    target = request.headers.get("X-Amz-Target", "")
    if not target.startswith(TARGET_PREFIX):
        raise UnknownOperationException("Missing or unknown X-Amz-Target header.")
    try:
        params = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise SerializationException() from None
    if not isinstance(params, dict):
        raise SerializationException("The request body must be a JSON object.")
    return target.removeprefix(TARGET_PREFIX), params


def respond(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Content-Type"] = CONTENT_TYPE
    return response


def error(exc: IdentityError, status: int = 400) -> JsonResponse:
    # botocore reads the error code from the x-amzn-ErrorType header or __type.
    response = respond({"__type": exc.code, "message": exc.message}, status=status)
    response["x-amzn-ErrorType"] = exc.code
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        # A throttled call says when to come back, as the OAuth endpoints' 429s do.
        response["Retry-After"] = str(retry_after)
    return response
