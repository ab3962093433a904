"""A real HTTP server for the remote schema tests (engine and platform).

It listens on 127.0.0.2 (the whole 127.0.0.0/8 is loopback on Linux), so that a test
can accept that address (``Limits.allowed_networks``) and check that what it
redirects to (127.0.0.1, 169.254.169.254...) is still refused.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SCHEMA = {"fields": [{"name": "nom", "type": "string"}]}
BODY = json.dumps(SCHEMA).encode()
SERVER_HOST = "127.0.0.2"


class Handler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        Handler.hits.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/schema.json":
            self._send(200, BODY, Content_Type="application/json")
        elif self.path == "/not-an-object":
            self._send(200, b"[]", Content_Type="application/json")
        elif self.path == "/a-path":
            self._send(200, b'"/etc/hostname"', Content_Type="application/json")
        elif self.path == "/hop":
            self._send(302, Location="/schema.json")
        elif self.path == "/to-loopback":
            self._send(302, Location=f"http://127.0.0.1:{port}/schema.json")
        elif self.path == "/to-metadata":
            self._send(301, Location="http://169.254.169.254/latest/meta-data/")
        elif self.path == "/to-mapped":
            self._send(307, Location=f"http://[::ffff:127.0.0.1]:{port}/schema.json")
        elif self.path == "/to-file":
            self._send(302, Location="file:///etc/passwd")
        elif self.path.startswith("/loop"):
            self._send(302, Location=f"/loop{len(Handler.hits)}")
        elif self.path == "/big":
            self._send(200, b"[" + b" " * 5000 + b"]")
        elif self.path == "/big-undeclared":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"[" + b" " * 5000 + b"]")
            self.close_connection = True
        elif self.path == "/drip":
            # a byte at a time: each read is quick, the whole download is not
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                return
        else:
            self._send(404)


@pytest.fixture
def server() -> Iterator[str]:
    try:
        httpd = ThreadingHTTPServer((SERVER_HOST, 0), Handler)
    except OSError:  # pragma: no cover - systems where only 127.0.0.1 is loopback
        pytest.skip("127.0.0.2 is not available")
    httpd.daemon_threads = True
    Handler.hits = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{SERVER_HOST}:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)
