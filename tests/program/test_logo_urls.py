"""Must-show 4: logo URLs in an import are fetched safely. Every request here goes to a test server on
127.0.0.1; the refused addresses are refused before any connection is made."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.models import Partner
from tests.factories import png_logo

PNG = png_logo(240, 80)
SLOW_SECONDS = 4.0
"""The slow answer waits this long; the test's fetch deadline (1 s) is well under it."""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/logo.png":
            self._answer(200, PNG, "image/png")
        elif self.path == "/huge.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(30 * 1024 * 1024))
            self.end_headers()
            try:
                for _ in range(30 * 16):
                    self.wfile.write(b"\0" * 64 * 1024)
            except OSError:
                pass  # the client stopped reading: that is the point
        elif self.path == "/slow.png":
            time.sleep(SLOW_SECONDS)
            self._answer(200, PNG, "image/png")
        elif self.path == "/redirect.png":
            self.send_response(302)
            # 0.0.0.0 is refused like any non-public address; were the guard ever to let it through,
            # the connection would still land on this machine, never off it.
            self.send_header("Location", f"http://0.0.0.0:{self.server.server_address[1]}/logo.png")
            self.end_headers()
        else:
            self._answer(404, b"no", "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _export(folder: Path, rows: dict[str, str]) -> Path:
    folder.mkdir()
    path = folder / "export.csv"
    lines = ["Account Name,Partner Level,Partner Type,Billing Country,Logo"]
    lines += [f"{name},Gold,Reseller,BR,{url}" for name, url in rows.items()]
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def _logos(app: Flask) -> dict[str, str | None]:
    with app.extensions["cobrand"].db.session() as session:
        return {p.name: p.logo_key for p in session.scalars(select(Partner))}


def test_loopback_url_is_refused_in_one_line_and_the_row_kept(make_app: Callable[..., Flask], tmp_path: Path,
                                                              server: str) -> None:  # fmt: skip
    app = make_app()
    url = server.replace("http://", "https://") + "/logo.png"
    result = app.test_cli_runner().invoke(
        args=["import-partners", str(_export(tmp_path / "in", {"Acme": url}))]
    )
    problems = [line for line in result.output.splitlines() if "logo not used" in line]
    assert len(problems) == 1 and "127.0.0.1 is a loopback address" in problems[0], result.output
    assert "1 created, 0 updated, 0 rejected" in result.output
    assert _logos(app) == {"Acme": None}


def test_with_private_targets_allowed_only_the_good_png_is_imported(
    make_app: Callable[..., Flask], tmp_path: Path, server: str
) -> None:
    app = make_app(LOGO_FETCH_ALLOW_PRIVATE=True, LOGO_FETCH_TIMEOUT=1.0)
    rows = {"Good": "/logo.png", "Huge": "/huge.png", "Slow": "/slow.png", "Bounce": "/redirect.png"}
    export = _export(tmp_path / "in", {name: server + path for name, path in rows.items()})
    result = app.test_cli_runner().invoke(args=["import-partners", str(export)])
    assert "4 created, 0 updated, 0 rejected" in result.output, result.output
    problems = {line.split(": ")[2]: line for line in result.output.splitlines() if "logo not used" in line}
    assert set(problems) == {"huge", "slow", "bounce"}, result.output
    assert "over the 5,242,880-byte limit for logos" in problems["huge"]
    assert "within 1 s" in problems["slow"]
    assert "refused: 0.0.0.0 is a private address" in problems["bounce"]
    logos = _logos(app)
    assert logos["Good"] is not None and app.extensions["cobrand"].storage.open(logos["Good"]) == PNG
    assert logos["Huge"] is None and logos["Slow"] is None and logos["Bounce"] is None
