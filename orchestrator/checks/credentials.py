"""Secrets in one line of text: cloud keys, tokens, private keys and high-entropy blobs.

Like :mod:`.identifiers`, these run only on lines the prefilter picked out. Messages
name the kind of secret and show at most its public prefix, never the secret itself.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from itertools import accumulate

from orchestrator.checks.identifiers import Hit

CLOUD = "secrets.cloud_keys"
TOKENS = "secrets.tokens"
PRIVATE = "secrets.private_keys"
ENTROPY = "secrets.high_entropy"

_AWS_RE = re.compile(r"(?<![A-Z0-9])(AKIA|ASIA|AIDA|AROA|AGPA|ANPA)[A-Z2-7]{16}(?![A-Z0-9])")
_AZURE_RE = re.compile(
    r"(?i)(AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,}={0,2})|(?<![A-Za-z])sig=([A-Za-z0-9%+/]{20,})"
)
_GITHUB_RE = re.compile(
    r"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"
)
_SLACK_RE = re.compile(r"(?<![A-Za-z0-9])(xox[abposrec]-[A-Za-z0-9-]{10,})")
_JWT_RE = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
)
_BEARER_RE = re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{20,}=*)")
_PEM_RE = re.compile(
    r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
)
_TOKEN_RE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX_RE = re.compile(r"[0-9a-fA-F]+")
_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text`` (0 for empty text)."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def find_keys(line: str) -> list[Hit]:
    """Cloud keys, tokens and private keys recognised by their shape."""
    hits: list[Hit] = []
    for m in _AWS_RE.finditer(line):
        hits.append(Hit(CLOUD, m.start(), f"AWS access key id {m.group(1)}************", m.end()))
    for m in _AZURE_RE.finditer(line):
        kind = m.group(1) or "sig"
        hits.append(Hit(CLOUD, m.start(), f"Azure storage credential ({kind}=***)", m.end()))
    for m in _GITHUB_RE.finditer(line):
        hits.append(Hit(TOKENS, m.start(), f"GitHub token {m.group(1)[:4]}***", m.end()))
    for m in _SLACK_RE.finditer(line):
        hits.append(Hit(TOKENS, m.start(), f"Slack token {m.group(1)[:5]}***", m.end()))
    for m in _JWT_RE.finditer(line):
        hits.append(Hit(TOKENS, m.start(), "JSON Web Token eyJ***", m.end()))
    for m in _BEARER_RE.finditer(line):
        if not m.group(1).startswith("eyJ"):  # a JWT is reported once, as a JWT
            hits.append(Hit(TOKENS, m.start(), "bearer token Bearer ***", m.end()))
    for m in _PEM_RE.finditer(line):
        what = m.group(1)
        if "private_key" in line:
            what = f"{what} (service-account private_key)"
        hits.append(Hit(PRIVATE, m.start(), f"PEM {what}", m.end()))
    return hits


def find_high_entropy(
    line: str, min_length: int, min_entropy: float, min_entropy_hex: float, skip: list[Hit]
) -> list[Hit]:
    """Long base64/hex tokens above the entropy threshold, not already reported as a key."""
    taken = sorted((h.offset, max(h.end, h.offset + 1)) for h in skip)
    starts = [s for s, _ in taken]
    reach = list(accumulate((e for _, e in taken), max))  # furthest end among keys so far
    hits = []
    for m in _TOKEN_RE.finditer(line):
        token = m.group(0).rstrip("=")
        if len(token) < min_length:
            continue
        # A key reported already overlaps this token if one starts before the token ends
        # and ends after it starts.
        i = bisect_left(starts, m.end())
        if i and reach[i - 1] > m.start():
            continue
        if _UUID_RE.fullmatch(token) or token.isdigit():
            continue
        is_hex = _HEX_RE.fullmatch(token) is not None
        # A hex blob carries at most 4 bits per character, base64 at most 6.
        # A short token cannot reach the alphabet's full entropy: scale the bar to its length.
        ceiling = math.log2(len(token))
        threshold = min(min_entropy_hex, ceiling - 2) if is_hex else min(min_entropy, ceiling - 0.7)
        entropy = shannon_entropy(token)
        if entropy >= threshold:
            kind = "hex" if is_hex else "base64-like"
            hits.append(
                Hit(
                    ENTROPY,
                    m.start(),
                    f"high-entropy {kind} string of {len(token)} characters"
                    f" ({entropy:.1f} bits/char) {token[:2]}***",
                )
            )
    return hits
