"""Sign in from a terminal with the OAuth 2.0 device authorization grant (RFC 8628).

The identity provider's discovery document names its device-authorization and token
endpoints. :func:`start` asks for a user code; the person opens the verification
address in any browser and signs in there; :func:`wait_for_token` polls the token
endpoint at the interval the provider asks for until they have, and returns the
access token with its lifetime. No refresh token is kept: a login lasts as long as
one access token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class LoginFailed(Exception):
    """The sign-in did not complete; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class Endpoints:
    """Where the provider takes device authorizations and hands out tokens."""

    issuer: str
    device_authorization: str
    token: str


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the person needs to finish signing in, and what the poller needs."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    interval: float
    expires_at: float


@dataclass(frozen=True)
class IssuedToken:
    """An access token and when it expires (seconds since the epoch)."""

    access_token: str
    expires_at: float


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise LoginFailed(f"{what} answered {response.status_code} without JSON") from exc
    if not isinstance(body, dict):
        raise LoginFailed(f"{what} answered {response.status_code} with unexpected JSON")
    return body


def discover(http: httpx.Client, issuer: str) -> Endpoints:
    """Read the provider's discovery document; refuse a provider without the device grant."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        response = http.get(url)
    except httpx.HTTPError as exc:
        raise LoginFailed(f"could not reach the identity provider at {url}: {exc}") from exc
    if response.status_code != 200:
        raise LoginFailed(
            f"the identity provider answered {response.status_code} for {url}; check the issuer"
        )
    document = _json(response, url)
    device = document.get("device_authorization_endpoint")
    token = document.get("token_endpoint")
    if not isinstance(device, str) or not isinstance(token, str):
        raise LoginFailed(
            f"the identity provider at {issuer} does not offer the device sign-in flow "
            "(no device_authorization_endpoint in its discovery document)"
        )
    return Endpoints(issuer=issuer, device_authorization=device, token=token)


def start(http: httpx.Client, endpoints: Endpoints, client_id: str) -> DeviceAuthorization:
    """Ask the provider for a user code for ``client_id``."""
    try:
        response = http.post(
            endpoints.device_authorization, data={"client_id": client_id, "scope": "openid"}
        )
    except httpx.HTTPError as exc:
        raise LoginFailed(f"could not reach the identity provider: {exc}") from exc
    body = _json(response, "the device authorization endpoint")
    if response.status_code != 200:
        reason = body.get("error_description") or body.get("error") or response.status_code
        raise LoginFailed(
            f"the identity provider refused to start a device sign-in for client "
            f"'{client_id}': {reason}"
        )
    complete = body.get("verification_uri_complete")
    return DeviceAuthorization(
        device_code=str(body["device_code"]),
        user_code=str(body["user_code"]),
        verification_uri=str(body["verification_uri"]),
        verification_uri_complete=str(complete) if complete else None,
        interval=float(body.get("interval", 5)),
        expires_at=time.time() + float(body.get("expires_in", 600)),
    )


def wait_for_token(
    http: httpx.Client,
    endpoints: Endpoints,
    client_id: str,
    authorization: DeviceAuthorization,
    sleep: Callable[[float], None] = time.sleep,
) -> IssuedToken:
    """Poll until the person has signed in (or refused, or the code expired)."""
    interval = authorization.interval
    while True:
        if time.time() >= authorization.expires_at:
            raise LoginFailed("the sign-in code expired before it was used; run `tre login` again")
        sleep(interval)
        try:
            response = http.post(
                endpoints.token,
                data={
                    "grant_type": DEVICE_GRANT,
                    "device_code": authorization.device_code,
                    "client_id": client_id,
                },
            )
        except httpx.HTTPError as exc:
            raise LoginFailed(f"could not reach the identity provider: {exc}") from exc
        body = _json(response, "the token endpoint")
        if response.status_code == 200:
            return IssuedToken(
                access_token=str(body["access_token"]),
                expires_at=time.time() + float(body.get("expires_in", 0)),
            )
        error = body.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if error == "access_denied":
            raise LoginFailed("the sign-in was refused in the browser")
        if error == "expired_token":
            raise LoginFailed("the sign-in code expired before it was used; run `tre login` again")
        raise LoginFailed(
            f"the identity provider refused the sign-in: {body.get('error_description') or error}"
        )
