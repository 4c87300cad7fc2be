"""Who is asking and from where: passed by every face into the services."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    """The caller of a service call, for audit events, rate limits and message language."""

    actor: str = "system"
    ip_address: str | None = None
    user_agent: str = ""
    language: str = "en"
    client_metadata: dict = field(default_factory=dict)
    # A stable id of the caller's device (a cookie, a DEVICE_KEY, a fingerprint), for risk scoring.
    device_id: str = ""


SYSTEM = RequestContext()


def operator_context(request) -> RequestContext:
    """Context for an admin-site action or view, naming the operator."""
    return RequestContext(
        actor=f"operator:{request.user.get_username()}",
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )
