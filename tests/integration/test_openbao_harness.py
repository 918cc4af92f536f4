"""OpenBao from the harness does real round trips: KV v2, transit, persistence."""

from __future__ import annotations

import base64
from collections.abc import Callable

from orchestrator.embedded.openbao import OpenBaoDev, OpenBaoPersistent, enable_kv2


def test_kv_secret_written_can_be_read_back(openbao: OpenBaoDev) -> None:
    client = openbao.client()
    assert client.is_authenticated()
    client.secrets.kv.v2.create_or_update_secret(path="smoke/db", secret={"password": "s3cret"})
    read = client.secrets.kv.v2.read_secret_version(path="smoke/db", raise_on_deleted_version=True)
    assert read["data"]["data"] == {"password": "s3cret"}


def test_transit_signature_verifies_and_a_tampered_message_does_not(openbao: OpenBaoDev) -> None:
    client = openbao.client()
    client.sys.enable_secrets_engine("transit", path="transit-smoke")
    client.secrets.transit.create_key("audit", key_type="ed25519", mount_point="transit-smoke")
    message = base64.b64encode(b"release request 42").decode()
    signed = client.secrets.transit.sign_data(
        "audit", hash_input=message, mount_point="transit-smoke"
    )
    signature = signed["data"]["signature"]
    good = client.secrets.transit.verify_signed_data(
        "audit", hash_input=message, signature=signature, mount_point="transit-smoke"
    )
    tampered = client.secrets.transit.verify_signed_data(
        "audit",
        hash_input=base64.b64encode(b"release request 43").decode(),
        signature=signature,
        mount_point="transit-smoke",
    )
    assert good["data"]["valid"] is True
    assert tampered["data"]["valid"] is False


def test_persistent_server_keeps_secrets_across_a_restart(
    openbao_persistent_factory: Callable[[], OpenBaoPersistent],
) -> None:
    server = openbao_persistent_factory()
    client = server.client()
    enable_kv2(client, "secret")
    client.secrets.kv.v2.create_or_update_secret(path="kept", secret={"n": "1"})
    pid_before = server.process.pid if server.process else None

    server.restart()

    assert server.process is not None
    assert server.process.pid != pid_before
    assert not server.client().sys.read_seal_status()["sealed"]
    read = server.client().secrets.kv.v2.read_secret_version(
        path="kept", raise_on_deleted_version=True
    )
    assert read["data"]["data"] == {"n": "1"}
