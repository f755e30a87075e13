"""The files in deploy/ as tests use them: the units' command lines, the example environment, and
nginx run with the shipped server block (ports, certificate and upstream swapped for the test's)."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app.config import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
CHECKOUT = "/srv/cobrand"
"""Where the units expect the checkout; tests point that at this one."""


def unit_commands(unit: str, instance: str = "1") -> dict[str, list[str]]:
    """A unit's ExecStartPre / ExecStart argv, with the checkout, %i and %H filled in."""
    commands: dict[str, list[str]] = {}
    for line in (DEPLOY / unit).read_text().splitlines():
        key, _, value = line.partition("=")
        if key in ("ExecStartPre", "ExecStart"):
            value = value.replace(CHECKOUT, str(PROJECT_ROOT)).replace("%i", instance)
            commands[key] = shlex.split(value.replace("%H", socket.gethostname()))
    return commands


def example_env() -> dict[str, str]:
    """deploy/cobrand.env.example as a dict (systemd's EnvironmentFile syntax: KEY=VALUE lines)."""
    env = {}
    for line in (DEPLOY / "cobrand.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    https_url: str
    http_url: str
    cert: Path
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)


def start_nginx(folder: Path, upstream_port: int, https_port: int, http_port: int) -> Nginx:
    """nginx with deploy/nginx-cobrand.conf, on loopback ports, with a throwaway certificate."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=cobrand.example.com", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)  # fmt: skip
    site = (DEPLOY / "nginx-cobrand.conf").read_text()
    replacements = [
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{upstream_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"ssl_certificate /\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key /\S+;", f"ssl_certificate_key {key};"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count == 1, f"deploy/nginx-cobrand.conf no longer has {pattern!r}"
    (folder / "cobrand.conf").write_text(site)
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (folder / "nginx.conf").write_text(
        f"daemon off;\nuser root;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} info;\nevents {{ worker_connections 64; }}\n"
        "http {\n  access_log off;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in
                  (("client_body", temp["body"]), *((n, temp[n]) for n in ("proxy", "fastcgi", "uwsgi", "scgi"))))
        + f"  include {folder / 'cobrand.conf'};\n}}\n"
    )  # fmt: skip
    check = subprocess.run([nginx, "-t", "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stderr
    log = folder / "nginx.out"
    with log.open("ab") as out:
        process = subprocess.Popen([nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (folder / "error.log").read_text()
            time.sleep(0.1)
    return Nginx(process, f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", cert, log)
