"""gunicorn settings for Cobrand's web app: `make serve`, or `gunicorn -c gunicorn.conf.py`.

Every value can be changed from the environment (names below); docs/operations.md explains them.
Exercised by tests/ops/test_gunicorn.py (2 workers × 4 threads, PostgreSQL, Redis, SeaweedFS).

- Threads: each worker serves WEB_THREADS requests at once (gthread); page views wait mostly on
  the database and S3, so threads use a worker's memory (~150 MB with WeasyPrint) well.
- Timeouts: a request taking longer than WEB_TIMEOUT seconds gets its worker restarted; renders
  run in jobs, never in a request, so 60 s is generous.
- Graceful reload: `kill -HUP <master pid>` (systemd: `systemctl reload cobrand-web`) starts new
  workers with the new code and settings, then lets the old ones finish their requests within
  WEB_GRACEFUL_TIMEOUT seconds. SIGTERM stops the same way.
- Forwarded headers: gunicorn trusts none itself; the app trusts them only from TRUSTED_PROXIES
  (app/ops/proxy.py), one rule for every server.
- Without REDIS_URL, jobs run in-process: one worker only, so the one process that queued a
  publish's jobs is the one that runs them (and a start-up line says so).
"""

import os
import shutil
import tempfile

from app import metrics

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
wsgi_app = "wsgi:app"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))  # 0: never recycle a worker
max_requests_jitter = max_requests // 10
forwarded_allow_ips = ""  # forwarded headers: the app decides, from TRUSTED_PROXIES
accesslog = None  # the app logs one line per request itself, with its request id
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn's runtime control socket (one fixed path per user) would collide between two sites on a
# machine; reload and stop go through signals (systemd), as described above.
control_socket_disable = True

_asked_workers = workers
if not os.environ.get("REDIS_URL"):
    workers = 1

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (booting, worker restarts) as JSON lines too.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.ops.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": [], "level": "WARNING"},  # the app adds its own (app/ops/logs.py)
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }


_made_folder = []


def on_starting(server):  # noqa: ANN001, ANN201 (gunicorn's hook signature)
    """Metrics: every worker writes its own files in one folder; /metrics adds them up."""
    given = os.environ.get(metrics.MULTIPROC_ENV)
    if not given:
        given = tempfile.mkdtemp(prefix="cobrand-web-metrics-")
        _made_folder.append(given)
    folder = metrics.ensure_multiprocess_dir(given)
    server.log.info("metrics: multiprocess folder %s", folder)
    if not os.environ.get("REDIS_URL"):
        server.log.warning(
            "REDIS_URL is not set: jobs run in-process, in one gunicorn worker only (asked for %s);"
            " set REDIS_URL and run `flask --app wsgi worker` to serve with several",
            _asked_workers,
        )


def on_exit(server):  # noqa: ANN001, ANN201
    for folder in _made_folder:
        shutil.rmtree(folder, ignore_errors=True)


def child_exit(server, worker):  # noqa: ANN001, ANN201
    metrics.mark_process_dead(worker.pid)
