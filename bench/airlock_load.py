"""Airlock load benchmark: p99 latency of list and status calls, and memory while submitting 1 GB.

Starts real services on 127.0.0.1 (SeaweedFS, Keycloak, the airlock as
``tre airlock serve`` over SQLite), then:

1. submits a 1 GB file (streamed upload, then checks) while sampling the service's
   resident memory; reports the peak (``VmHWM``) against the peak after start-up;
2. runs 100 concurrent clients (httpx, async) against ``/healthz`` (the baseline:
   the cost of the HTTP stack alone), then against the list and status calls with
   real Keycloak tokens; reports p50/p99 and the ratio to the baseline's p99.

Usage: ``.venv/bin/python bench/airlock_load.py [--clients 100] [--calls 20] [--gib 1]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestrator.embedded.keycloak import KeycloakServer  # noqa: E402
from orchestrator.embedded.seaweedfs import REGION, SeaweedFS  # noqa: E402
from tests.e2e.airlock_api.service_process import AirlockProcess  # noqa: E402

REALM_FILE = ROOT / "tests" / "harness" / "keycloak-realm.json"
MIB = 1024 * 1024
LINE = b"z" * 1023 + b"\n"
API = "/api/v1"


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found for pid {pid}")


def chunks(total_mib: int) -> Iterator[bytes]:
    block = LINE * (MIB // len(LINE))
    for _ in range(total_mib):
        yield block


def submit_large(service: AirlockProcess, token: str, gib: float) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    url = service.url
    start_rss = memory_kib(service.pid, "VmHWM")
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(memory_kib(service.pid, "VmRSS"))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.monotonic()
    with httpx.Client(base_url=url, headers=headers, timeout=3600) as client:
        created = (
            client.post(
                f"{API}/projects/genomics/requests", json={"title": "1 GB", "purpose": "benchmark"}
            )
            .raise_for_status()
            .json()
        )
        request_id = created["id"]
        client.put(
            f"{API}/requests/{request_id}/files/large.txt", content=chunks(int(gib * 1024))
        ).raise_for_status()
        uploaded = time.monotonic()
        client.post(f"{API}/requests/{request_id}/submit").raise_for_status()
        while client.get(f"{API}/requests/{request_id}").json()["state"] in (
            "submitted",
            "checking",
        ):
            time.sleep(0.2)
        state = client.get(f"{API}/requests/{request_id}").json()["state"]
    checked = time.monotonic()
    done.set()
    sampler.join()
    return {
        "state_ok": float(state == "in_review"),
        "upload_s": uploaded - began,
        "check_s": checked - uploaded,
        "peak_rss_before_mib": start_rss / 1024,
        "peak_rss_sampled_mib": max(samples) / 1024,
        "peak_rss_hwm_mib": memory_kib(service.pid, "VmHWM") / 1024,
    }


async def hammer(
    url: str, path: str, token: str | None, clients: int, calls: int
) -> tuple[list[float], int]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as http:

        async def one_client() -> None:
            for _ in range(calls):
                nonlocal errors
                began = time.perf_counter()
                try:
                    answer = await http.get(path)
                except httpx.TransportError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - began)
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def seed(service: AirlockProcess, token: str, count: int) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=service.url, headers=headers, timeout=60) as client:
        last = ""
        for n in range(count):
            created = (
                client.post(
                    f"{API}/projects/genomics/requests",
                    json={"title": f"seed {n}", "purpose": "benchmark"},
                )
                .raise_for_status()
                .json()
            )
            last = created["id"]
            client.put(
                f"{API}/requests/{last}/files/t{n}.csv", content=b"a,b\n100,200\n"
            ).raise_for_status()
    return last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--calls", type=int, default=20, help="calls per client per endpoint")
    parser.add_argument("--gib", type=float, default=1.0, help="size of the submitted file")
    parser.add_argument("--seed", type=int, default=50, help="requests in the project")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as tmp:
        work = Path(tmp)
        store = SeaweedFS(state_dir=work / "s3").start()
        keycloak = KeycloakServer(run_dir=work / "keycloak", realm_file=REALM_FILE).start()
        service = AirlockProcess(
            values={
                "database": {"url": f"sqlite:///{work / 'airlock.db'}"},
                "storage": {
                    "endpoint": store.endpoint,
                    "access_key": store.access_key,
                    "secret_key": store.secret_key,
                    "region": REGION,
                },
                "oidc": {"issuer": keycloak.issuer, "jwks_url": keycloak.jwks_url},
                "signing": {"key_file": str(work / "signing.pem")},
                "roles": {
                    "projects": {
                        "genomics": {"researchers": ["alice"], "reviewers": ["rita", "rosa"]}
                    },
                    "operators": ["otto"],
                },
                "server": {"max_upload_bytes": int((args.gib + 1) * 1024**3)},
            },
            log_path=work / "airlock.log",
        )
        try:
            service.start()
            alice = keycloak.token("alice")
            memory = submit_large(service, alice, args.gib)
            request_id = seed(service, alice, args.seed)
            alice = keycloak.token("alice")
            print(f"== airlock load: {args.clients} concurrent clients x {args.calls} calls each")
            base99 = 0.0
            for name, path, token in (
                ("healthz (baseline)", "/healthz", None),
                ("list", f"{API}/requests?project=genomics", alice),
                ("status", f"{API}/requests/{request_id}", alice),
            ):
                values, errors = asyncio.run(
                    hammer(service.url, path, token, args.clients, args.calls)
                )
                base99 = base99 or p(values, 99)
                print(
                    f"{name:<20} n={len(values):5d}  p50={p(values, 50):8.1f} ms  "
                    f"p99={p(values, 99):8.1f} ms  p99/baseline={p(values, 99) / base99:6.2f}  "
                    f"connection errors={errors}",
                    flush=True,
                )
            print(f"== submitting a {args.gib:g} GiB file (streamed upload, then checks)")
            print(
                f"upload {memory['upload_s']:.1f} s, checks {memory['check_s']:.1f} s, "
                f"reached in_review: {bool(memory['state_ok'])}"
            )
            print(
                f"service peak RSS: {memory['peak_rss_before_mib']:.0f} MiB after start-up, "
                f"{memory['peak_rss_hwm_mib']:.0f} MiB after the submission "
                f"(sampled max {memory['peak_rss_sampled_mib']:.0f} MiB); "
                f"file/peak ratio {args.gib * 1024 / memory['peak_rss_hwm_mib']:.1f}"
            )
        except Exception:
            log = (work / "airlock.log").read_text(errors="replace").splitlines()
            print("\n".join(line for line in log if "INFO:" not in line)[-6000:], file=sys.stderr)
            raise
        finally:
            service.stop()
            keycloak.stop()
            store.stop()


if __name__ == "__main__":
    main()
