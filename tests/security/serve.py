"""Run the app in a child process on a free loopback port, so a test can measure the web process itself.

`python -m tests.security.serve VAR_DIR [KEY=VALUE ...]` prints the port on its first line of output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from werkzeug.serving import make_server

from app import create_app


def main() -> None:
    var = Path(sys.argv[1])
    overrides = dict(arg.split("=", 1) for arg in sys.argv[2:])
    config: dict[str, object] = {
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{var / 'cobrand.db'}",
        "STORAGE_URL": f"file://{var / 'storage'}",
        "REDIS_URL": None,
    }
    config.update({k: int(v) if v.isdigit() else v for k, v in overrides.items()})
    app = create_app(config)
    app.extensions["cobrand"].db.upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
