"""A real HTTP server on loopback for tests: each route is a function of the request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: int = 0
    """When set, the body is sent without Content-Length in this many pieces."""


Route = Callable[[BaseHTTPRequestHandler], Reply]


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}
    log: list[tuple[str, dict[str, str]]] = []

    body: bytes = b""
    """A POST request's body (routes read it)."""

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = self.routes.get(self.path.split("?")[0])
        reply = route(self) if route else Reply(404, b"not found")
        if reply.delay:
            threading.Event().wait(reply.delay)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunks:
            self.send_header("Connection", "close")
            self.end_headers()
            size = max(1, len(reply.body) // reply.chunks)
            for start in range(0, len(reply.body), size):
                self.wfile.write(reply.body[start : start + size])
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, *args) -> None:
        pass


@dataclass
class Server:
    base: str
    log: list[tuple[str, dict[str, str]]]

    def hits(self, path: str) -> int:
        return sum(1 for seen, _ in self.log if seen.split("?")[0] == path)


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[Server]:
    handler = type("Handler", (_Handler,), {"routes": routes, "log": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{server.server_port}", handler.log)
    finally:
        server.shutdown()
        server.server_close()
