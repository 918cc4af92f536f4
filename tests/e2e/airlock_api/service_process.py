"""Run the airlock service as a real process (``tre airlock serve``), kill it, restart it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from orchestrator.embedded.processes import ManagedProcess, free_port

TRE = Path(sys.executable).with_name("tre")


def environment(values: dict[str, Any]) -> dict[str, str]:
    """``TRE_AIRLOCK_<SECTION>`` variables, each section as JSON."""
    return {
        f"TRE_AIRLOCK_{key.upper()}": value if isinstance(value, str) else json.dumps(value)
        for key, value in values.items()
    }


@dataclass
class AirlockProcess:
    """The service on 127.0.0.1 with a fixed port across restarts."""

    values: dict[str, Any]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> AirlockProcess:
        self.process = ManagedProcess(
            name="airlock",
            argv=[str(TRE), "airlock", "serve", "--port", str(self.port)],
            log_path=self.log_path,
            env=environment(self.values),
        ).start()
        self.process.wait_ready(self._ready, timeout, "serving")
        return self

    def _ready(self) -> bool:
        return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid
