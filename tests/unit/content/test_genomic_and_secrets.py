"""Genomic text and secrets: positives, and the everyday text that must not trip them."""

from __future__ import annotations

import pytest

from orchestrator.checks.credentials import shannon_entropy

from .helpers import of_rule, rule_ids, rules, scan_text

RUN = "genomic.text.nucleotide_run"
RSID = "genomic.text.rsid_density"


def test_a_long_nucleotide_run_is_found_with_its_length() -> None:
    seq = "ACGTTGCAAGGCTTAACCGGTTAACGTAGCTAGCTAGGCTA"
    found = of_rule(scan_text(f">read1\n{seq}\n"), RUN)
    assert [(f.location.line, f.message) for f in found] == [
        (2, f"nucleotide run of {len(seq)} bases")
    ]


def test_lower_and_mixed_case_runs_count() -> None:
    assert of_rule(scan_text("acgttgcaaggcttaaccggttaacgtagctagctaggcta"), RUN)
    assert of_rule(scan_text("ACGTTGCAAGGCTTAACCggttaacgtagctagctaggcta"), RUN)


@pytest.mark.parametrize(
    "text",
    [
        "GATTACA is a film; CAT and TAG and ACGT are words",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA padding",  # one base is not a sequence
        "primer ACGTACGTAC",
    ],
)
def test_short_dna_like_words_are_not_runs(text: str) -> None:
    assert RUN not in rule_ids(scan_text(text))


def test_the_minimum_run_length_is_a_parameter() -> None:
    text = "primer ACGTTGCAAGGCTTAA"
    assert not of_rule(scan_text(text), RUN)
    assert of_rule(scan_text(text, rules(genomic__text__nucleotide_run={"min_length": 12})), RUN)


def test_a_dense_list_of_rsids_is_flagged_once() -> None:
    text = "".join(f"rs{1000 + i}\t{i % 3}\n" for i in range(40))
    found = of_rule(scan_text(text), RSID)
    assert len(found) == 1
    assert found[0].location.line == 1
    assert "40 rsIDs" in found[0].message


def test_a_few_rsids_in_prose_are_not_flagged() -> None:
    text = (
        "The variants rs12345 and rs67890 were associated with the outcome, as was rs11111;\n"
        "see the supplementary table for the discussion of these results and others.\n"
    ) * 3
    assert RSID not in rule_ids(scan_text(text))


def test_many_rsids_spread_through_prose_are_not_dense() -> None:
    text = "".join(
        f"In this paragraph we discuss variant rs{i}00 and its effect on many outcomes.\n"
        for i in range(1, 60)
    )
    assert RSID not in rule_ids(scan_text(text))


@pytest.mark.parametrize(
    ("text", "rule", "shown"),
    [
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "secrets.cloud_keys", "AKIA"),
        (
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=;",
            "secrets.cloud_keys",
            "AccountKey",
        ),
        (
            "https://acct.blob.core.windows.net/c?sv=2020-08-04&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123%2B45",
            "secrets.cloud_keys",
            "sig",
        ),
        ("GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a", "secrets.tokens", "ghp_"),
        (
            "token: xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "secrets.tokens",
            "xoxb",
        ),
        (
            "auth eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "secrets.tokens",
            "eyJ",
        ),
        (
            "Authorization: Bearer 4f9a8c1e2b7d4e6f8a9b0c1d2e3f4a5b6c7d8e9f",
            "secrets.tokens",
            "Bearer",
        ),
        ("-----BEGIN RSA PRIVATE KEY-----", "secrets.private_keys", "RSA PRIVATE KEY"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "secrets.private_keys", "OPENSSH"),
        (
            '  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg...",',
            "secrets.private_keys",
            "service-account",
        ),
    ],
)
def test_keys_and_tokens_are_found_and_never_repeated(text: str, rule: str, shown: str) -> None:
    found = of_rule(scan_text(text), rule)
    assert found, text
    assert shown in found[0].message
    for secret in (
        "IOSFODNN7EXAMPLE",
        "16C7e42F292c",
        "1234567890123",
        "dozjgNryP4J3",
        "4f9a8c1e2b7d",
        "Zm9vYmFy",
        "AbCdEfGh",
    ):
        assert all(secret not in f.message for f in found)


def test_a_jwt_is_reported_once_not_also_as_entropy() -> None:
    text = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    assert rule_ids(scan_text(text)) == {"secrets.tokens"}


@pytest.mark.parametrize(
    "text",
    [
        "secret = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A'",
        "key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ],
)
def test_high_entropy_blobs_are_flagged_for_review(text: str) -> None:
    found = of_rule(scan_text(text), "secrets.high_entropy")
    assert len(found) == 1
    assert str(found[0].severity) == "review"


@pytest.mark.parametrize(
    "text",
    [
        "ThisIsAVeryLongCamelCaseIdentifierNameForTesting",
        "id 123e4567-e89b-12d3-a456-426614174000",  # a UUID
        "n 12345678901234567890123456789012345678",
        "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef",
        "/home/researcher/project/outputs/tables/final",
        "ACGTTGCAAGGCTTAACCGGTTAACGTAGCTAGCTAGGCTAACGT",
    ],
)
def test_low_entropy_long_tokens_are_not_secrets(text: str) -> None:
    assert "secrets.high_entropy" not in rule_ids(scan_text(text))


def test_shannon_entropy_values() -> None:
    assert shannon_entropy("") == 0
    assert shannon_entropy("aaaa") == 0
    assert shannon_entropy("abcd") == pytest.approx(2.0)
