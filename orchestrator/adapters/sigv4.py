"""AWS Signature Version 4 for the few plain HTTP calls no SDK makes for us.

The S3 SDK (minio) signs object-storage requests itself; the IAM-style identity API on
the same endpoint needs a signed form POST, which this module builds. Pure functions:
given the request and a clock reading, the headers to send.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class SigningKey:
    """Credentials and scope of a signature."""

    access_key: str
    secret_key: str
    region: str = "us-east-1"
    service: str = "iam"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        name, _, value = part.partition("=")
        pairs.append((quote(name, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def sign_headers(
    key: SigningKey,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime,
) -> dict[str, str]:
    """Return ``headers`` plus ``Host``, ``X-Amz-Date`` and ``Authorization`` (and, for S3,
    ``X-Amz-Content-Sha256``), signing every header given.

    ``now`` must be timezone-aware UTC; servers reject signatures more than a few
    minutes off their clock.
    """
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    payload_hash = hashlib.sha256(body).hexdigest()
    signed = {k.lower(): " ".join(v.strip().split()) for k, v in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    if key.service == "s3":
        signed["x-amz-content-sha256"] = payload_hash
    names = sorted(signed)
    canonical_request = "\n".join(
        [
            method.upper(),
            quote(parts.path or "/", safe="/-_.~"),
            _canonical_query(parts.query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload_hash,
        ]
    )
    scope = f"{day}/{key.region}/{key.service}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    signing = _hmac(
        _hmac(_hmac(_hmac(f"AWS4{key.secret_key}".encode(), day), key.region), key.service),
        "aws4_request",
    )
    signature = hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    result = dict(headers)
    result["Host"] = parts.netloc
    result["X-Amz-Date"] = amz_date
    if key.service == "s3":
        result["X-Amz-Content-Sha256"] = payload_hash
    result["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return result
