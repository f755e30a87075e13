"""Forwarded headers (X-Forwarded-For/-Proto/-Host/-Port/-Prefix) trusted only from our proxies.

Werkzeug's ProxyFix believes whoever sends the headers; this wrapper applies it only when the
connection comes from an address in TRUSTED_PROXIES, so a client talking to the app directly
cannot pretend to be someone else (or to have come over HTTPS).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str, setting: str) -> list[Network]:
    """Addresses or networks, comma-separated ("127.0.0.1, 10.0.0.0/8, ::1")."""
    networks = []
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{setting}: {item!r} is not an IP address or network") from None
    return networks


def address_in(address: str | None, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyFix:
    """Apply ProxyFix(count hops) to requests whose peer is a trusted proxy; others pass untouched."""

    def __init__(self, app: Callable[..., Any], proxies: list[Network], count: int = 1) -> None:
        self.app = app
        self.proxies = proxies
        self.fixed = ProxyFix(app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if address_in(environ.get("REMOTE_ADDR"), self.proxies):
            environ["cobrand.via_trusted_proxy"] = True
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
