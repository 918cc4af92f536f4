"""Reading HTML form posts, and the CSRF check every one of them passes first."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from orchestrator.api.web.sessions import Session
from orchestrator.domain.access import AccessDenied

MAX_FORM_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form post (the first value of each), size-limited."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM_TYPE:
        raise AccessDenied(f"this page accepts only form posts ({FORM_TYPE})")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise AccessDenied("the form is larger than this page accepts")
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def check_same_origin(request: Request, public_url: str) -> None:
    """Refuse a post whose ``Origin`` is another site (browsers send it on every POST)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    expected = urlsplit(public_url)
    if origin != f"{expected.scheme}://{expected.netloc}":
        raise AccessDenied(f"a form on {origin} may not post to the airlock")


async def checked_form(request: Request, session: Session, public_url: str) -> dict[str, str]:
    """The form's fields once the post is shown to come from this person's own page."""
    check_same_origin(request, public_url)
    fields = await read_form(request)
    if not session.check_csrf(fields.get("csrf")):
        raise AccessDenied(
            "the form came without this session's security token; reload the page and try again"
        )
    return fields
