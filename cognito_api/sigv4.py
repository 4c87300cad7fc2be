"""Verify AWS Signature Version 4 on admin calls, so boto3 and the AWS CLI authenticate unchanged.

The algorithm is AWS's published one (canonical request → string to sign → HMAC chain); each
step below names it. Only header-signed requests are accepted, for service `cognito-idp`.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote

from cognito_api.models import ApiCredential
from identity import clock, crypto
from identity.errors import error_type

SERVICE = "cognito-idp"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)  # as AWS: "Signature expired: ... (now - 5 min.)"
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<headers>[a-z0-9;\-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


UnrecognizedClientException = error_type("UnrecognizedClientException", "The security token included in the request is invalid.")
InvalidSignatureException = error_type(
    "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."
)
MissingAuthenticationTokenException = error_type("MissingAuthenticationTokenException", "Missing Authentication Token")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def _canonical_request(request, signed_headers: list[str]) -> str:
    headers = {name.lower(): value for name, value in request.headers.items()}
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers)
    # The hash of the body received, never the client's claim of it: a replayed signature must not carry a new body.
    payload_hash = _sha256(request.body)
    if headers.get("x-amz-content-sha256", payload_hash) != payload_hash:
        raise InvalidSignatureException("The provided 'x-amz-content-sha256' header does not match what was computed.")
    path = quote(request.path, safe="/-_.~")
    return "\n".join([request.method, path, _canonical_query(request.META.get("QUERY_STRING", "")),
                      canonical_headers, ";".join(signed_headers), payload_hash])


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _check_date(amz_date: str, scope_date: str) -> None:
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise InvalidSignatureException("X-Amz-Date is missing or malformed.") from None
    now = clock.now()
    if signed_at < now - MAX_CLOCK_SKEW:
        raise InvalidSignatureException(f"Signature expired: {amz_date} is now earlier than {_stamp(now - MAX_CLOCK_SKEW)} ({_stamp(now)} - 5 min.)")
    if signed_at > now + MAX_CLOCK_SKEW:
        raise InvalidSignatureException(f"Signature not yet current: {amz_date} is still later than {_stamp(now + MAX_CLOCK_SKEW)} ({_stamp(now)} + 5 min.)")
    if not amz_date.startswith(scope_date):
        raise InvalidSignatureException("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")


def verify(request) -> ApiCredential:
    """The credential that signed this request, or UnrecognizedClient/InvalidSignature/MissingAuthenticationToken."""
    match = _AUTH_RE.match(request.headers.get("Authorization", ""))
    if match is None:
        raise MissingAuthenticationTokenException()
    credential = ApiCredential.objects.filter(access_key_id=match["key"], active=True).select_related("operator").first()
    if credential is None or match["service"] != SERVICE:
        raise UnrecognizedClientException()
    amz_date = request.headers.get("X-Amz-Date", "")
    _check_date(amz_date, match["date"])
    signed_headers = match["headers"].split(";")
    if "host" not in signed_headers or "x-amz-date" not in signed_headers:
        raise InvalidSignatureException("host and x-amz-date must be signed.")
    scope = f"{match['date']}/{match['region']}/{SERVICE}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256(_canonical_request(request, signed_headers).encode())])
    key = ("AWS4" + crypto.decrypt(credential.secret_encrypted)).encode()
    for part in (match["date"], match["region"], SERVICE, "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"]):
        raise InvalidSignatureException()
    ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=clock.now())
    return credential
