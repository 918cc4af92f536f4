"""Signature V4 matches the worked example AWS publishes, and changes with every input."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.adapters.sigv4 import SigningKey, sign_headers

AWS_EXAMPLE_KEY = SigningKey(
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region="us-east-1", service="iam"
)
AWS_EXAMPLE_TIME = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)
AWS_EXAMPLE_URL = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"
CONTENT_TYPE = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def _signature(headers: dict[str, str]) -> str:
    return headers["Authorization"].rsplit("Signature=", 1)[1]


def test_signature_of_the_published_aws_example() -> None:
    headers = sign_headers(
        AWS_EXAMPLE_KEY, "GET", AWS_EXAMPLE_URL, CONTENT_TYPE, b"", AWS_EXAMPLE_TIME
    )
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert headers["Host"] == "iam.amazonaws.com"
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def test_body_secret_and_time_each_change_the_signature() -> None:
    base = _signature(
        sign_headers(
            AWS_EXAMPLE_KEY, "POST", "http://127.0.0.1:1/", CONTENT_TYPE, b"a=1", AWS_EXAMPLE_TIME
        )
    )
    other_body = sign_headers(
        AWS_EXAMPLE_KEY, "POST", "http://127.0.0.1:1/", CONTENT_TYPE, b"a=2", AWS_EXAMPLE_TIME
    )
    other_secret = sign_headers(
        SigningKey("AKIDEXAMPLE", "other"),
        "POST",
        "http://127.0.0.1:1/",
        CONTENT_TYPE,
        b"a=1",
        AWS_EXAMPLE_TIME,
    )
    later = sign_headers(
        AWS_EXAMPLE_KEY,
        "POST",
        "http://127.0.0.1:1/",
        CONTENT_TYPE,
        b"a=1",
        AWS_EXAMPLE_TIME.replace(second=1),
    )
    assert len({base, _signature(other_body), _signature(other_secret), _signature(later)}) == 4


def test_s3_signatures_also_sign_the_payload_hash() -> None:
    headers = sign_headers(
        SigningKey("ak", "sk", service="s3"),
        "PUT",
        "http://127.0.0.1:1/b/k",
        {},
        b"x",
        AWS_EXAMPLE_TIME,
    )
    assert headers["X-Amz-Content-Sha256"] == (
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    )
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date," in headers["Authorization"]
