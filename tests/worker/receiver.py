"""A bank's webhook receiver on loopback for the tests: checks each signature, keeps the bodies
it accepted once per idempotency key, and misbehaves on request (fails, hangs, answers late)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prospect.webhooks import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, WebhookSignatureError, verify


@dataclass
class Receiver:
    """``script``: what to answer to the n-th request (a status code, or ("slow", seconds,
    code): process, then answer after the pause); the last entry repeats."""

    secret: str
    script: list = field(default_factory=lambda: [200])
    url: str = ""
    seen: list[tuple[str, bytes, bool]] = field(default_factory=list)  # key, body, signature ok
    processed: dict[str, bytes] = field(default_factory=dict)  # first body per idempotency key
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, key: str, body: bytes, signature: str | None) -> tuple[int, float]:
        with self.lock:
            step = self.script[min(len(self.seen), len(self.script) - 1)]
            try:
                verify(self.secret, signature, body)
                ok = True
            except WebhookSignatureError:
                ok = False
            self.seen.append((key, body, ok))
            if not ok:
                return 401, 0.0
            code, pause = (step, 0.0) if isinstance(step, int) else (step[2], step[1])
            if code < 300 or pause:
                self.processed.setdefault(key, body)  # a duplicate key is not processed again
            return code, pause


@contextmanager
def running_receiver(secret: str, script: list | None = None) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, script=script or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            code, pause = receiver.answer(self.headers.get(IDEMPOTENCY_HEADER, ""), body,
                                          self.headers.get(SIGNATURE_HEADER))  # fmt: skip
            time.sleep(pause)
            try:
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"{}")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender gave up waiting

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/alerts"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
