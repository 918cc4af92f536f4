"""An HTTP server on 127.0.0.1 that plays an airlock serving other bytes than it reviewed.

It answers the two calls ``tre airlock download`` makes: the release manifest (naming
the reviewed bytes' SHA-256) and each file's content, for which it sends the bytes in
``served`` together with the reviewed hash in ``X-TRE-SHA256``. One behaviour: the
substitution a compromised store or service would make.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

REQUEST_ID = "0123456789abcdef0123456789abcdef"


@contextmanager
def substituting_airlock(reviewed: dict[str, bytes], served: dict[str, bytes]) -> Iterator[str]:
    """Serve a release of ``reviewed`` files whose content answers with ``served`` bytes."""
    prefix = f"/api/v1/requests/{REQUEST_ID}"
    manifest = {
        "manifest": {
            "files": [
                {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                for name, data in sorted(reviewed.items())
            ]
        },
        "signature": {},
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == f"{prefix}/manifest":
                self._send(json.dumps(manifest).encode(), "application/json", {})
                return
            name = unquote(self.path.removeprefix(f"{prefix}/files/").removesuffix("/content"))
            digest = hashlib.sha256(reviewed[name]).hexdigest()
            self._send(served[name], "application/octet-stream", {"X-TRE-SHA256": digest})

        def _send(self, body: bytes, kind: str, headers: dict[str, str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
