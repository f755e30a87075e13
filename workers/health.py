"""`flask --app wsgi worker --health-port N`: a worker's own /healthz and /metrics.

A small HTTP server on a thread of the worker's parent process (the one that takes jobs and
forks work horses). /healthz answers 200 while the worker proves it is alive to Redis (its last
heartbeat is younger than WORKER_TTL), 503 otherwise; /metrics serves what this worker and its
work horses counted (multiprocess files) and the queue's gauges.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app import metrics
from app.ops.proxy import address_in, parse_networks

logger = logging.getLogger(__name__)


def worker_health(worker: Any, ttl: int) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body): alive while the last heartbeat is younger than ttl seconds."""
    beat = getattr(worker, "last_heartbeat", None)
    age = None
    if beat is not None:
        beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - beat).total_seconds()
    alive = age is not None and age < ttl
    body = {
        "status": "ok" if alive else "unavailable",
        "worker": worker.name,
        "state": str(worker.get_state()),
        "last_heartbeat_age_seconds": round(age, 1) if age is not None else None,
    }
    return (200 if alive else 503), body


def start_health_server(worker: Any, services: Any, host: str, port: int) -> ThreadingHTTPServer:
    """Serve /healthz and /metrics for this worker on host:port, on a daemon thread."""
    config = services.config
    ttl = config.WORKER_TTL
    token = config.METRICS_TOKEN
    allowed = parse_networks(config.METRICS_ALLOW, "METRICS_ALLOW")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/healthz":
                status, body = worker_health(worker, ttl)
                self._send(status, json.dumps(body).encode(), "application/json")
            elif self.path == "/metrics":
                sent = self.headers.get("Authorization", "")
                by_token = bool(token) and hmac.compare_digest(sent, f"Bearer {token}")
                if not (by_token or address_in(self.client_address[0], allowed)):
                    self._send(403, b"metrics: send Authorization: Bearer <METRICS_TOKEN>\n", "text/plain")
                    return
                data, content_type = metrics.exposition(services, publishes=False)
                self._send(200, data, content_type)
            else:
                self._send(404, b"not found: /healthz or /metrics\n", "text/plain")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # probes every few seconds would drown the job lines

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="cobrand-worker-health", daemon=True).start()
    logger.info("worker health and metrics on http://%s:%s/healthz and /metrics", host, server.server_port)
    return server
