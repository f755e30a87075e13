"""`make serve` on the embedded defaults: gunicorn on 127.0.0.1:$PORT, and without REDIS_URL one
worker only, said in one line at start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from app.config import PROJECT_ROOT
from tests import services as test_services


def test_make_serve_without_redis_runs_one_worker_and_says_why(tmp_path: Path) -> None:
    port = test_services.free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST", "PROMETHEUS", "REDIS"))
    }
    env.update(COBRAND_VAR_DIR=str(tmp_path / "var"), WEB_WORKERS="3", LOG_FORMAT="json")
    subprocess.run([str(PROJECT_ROOT / ".venv/bin/flask"), "--app", "wsgi", "init-db"], cwd=PROJECT_ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("ab") as out:
        serve = subprocess.Popen(["make", "-s", "serve", f"PORT={port}"], cwd=PROJECT_ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                assert serve.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.25)
        assert (
            body["status"] == "ready"
            and body["checks"]["redis"]["detail"] == "not configured: jobs run in-process"
        )
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        messages = [line["message"] for line in lines]
        assert any(m.startswith(f"Listening at: http://127.0.0.1:{port} (") for m in messages), messages
        warning = [m for m in messages if m.startswith("REDIS_URL is not set")]
        assert warning == [
            "REDIS_URL is not set: jobs run in-process, in one gunicorn worker only (asked for 3); set REDIS_URL"
            " and run `flask --app wsgi worker` to serve with several"
        ]
        assert sum(m.startswith("Booting worker") for m in messages) == 1
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(30)
