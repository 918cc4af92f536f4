"""Configuration the embedded services start with: local-only, every port explicit."""

from __future__ import annotations

from pathlib import Path

from orchestrator.embedded.openbao import make_raft_config
from orchestrator.embedded.seaweedfs import PORT_NAMES, make_s3_config, make_weed_argv


def test_raft_config_listens_locally_and_unseals_from_the_key_file() -> None:
    config = make_raft_config(Path("/s/raft"), Path("/s/unseal.key"), 8200, 8201)
    assert config == (
        'storage "raft" {\n  path = "/s/raft"\n  node_id = "n1"\n}\n'
        'listener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\n'
        'api_addr = "http://127.0.0.1:8200"\n'
        'cluster_addr = "http://127.0.0.1:8201"\n'
        'seal "static" {\n  current_key_id = "k1"\n  current_key = "file:///s/unseal.key"\n}\n'
        "ui = false\n"
    )


def test_weed_binds_every_port_to_loopback_and_never_phones_home() -> None:
    ports = {name: 20000 + i for i, name in enumerate(PORT_NAMES)}
    argv = make_weed_argv(Path("/bin/weed"), Path("/d"), Path("/d/s3.json"), ports)
    assert argv[:2] == ["/bin/weed", "mini"]
    assert "-ip.bind=127.0.0.1" in argv
    assert "-master.telemetry=false" in argv
    assert "-s3.iam.readOnly=false" in argv
    assert "-volume.max=2000" in argv  # not sized from the free disk: buckets are many
    assert {"-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0"} <= set(
        argv
    )
    explicit_ports = {a.split("=")[1] for a in argv if ".port" in a and a.split("=")[1] != "0"}
    assert explicit_ports == {str(p) for p in ports.values()}


def test_s3_config_holds_one_admin_identity() -> None:
    assert make_s3_config("ak", "sk") == {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": "ak", "secretKey": "sk"}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
