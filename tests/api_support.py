"""Helpers for the API and webhook tests: tokens, signed requests, loopback HTTP receivers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.auth.tokens import create_token
from app.partners import get_partner
from app.services import Services
from app.webhooks.signing import sign

WEBHOOK_SECRET = "test-prm-secret"


def make_token(services: Services, partner_slug: str | None = None) -> str:
    """A fresh API token (admin, or scoped to partner_slug)."""
    with services.db.session() as session:
        partner = get_partner(session, partner_slug) if partner_slug else None
        token, _ = create_token(session, name="test", partner=partner)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(
    event: dict[str, Any], secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A webhook body and its headers, signed with secret (now, or at timestamp)."""
    body = json.dumps(event).encode()
    return body, {
        "Content-Type": "application/json",
        "Cobrand-Signature": sign(secret, body, timestamp=timestamp),
    }


@dataclass
class Receiver:
    """What a loopback webhook receiver saw."""

    url: str
    requests: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    """(headers, body, status answered) of every request, in order."""


@contextmanager
def http_receiver(answer: Callable[[int, dict[str, str], bytes], int]) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 (a free port) answering each POST with answer(n, headers, body)."""
    lock = threading.Lock()
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items()}
            with lock:
                status = answer(len(receiver.requests) + 1, headers, body)
                receiver.requests.append((headers, body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
