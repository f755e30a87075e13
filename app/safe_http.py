"""Safe outbound HTTP: requests that reach public addresses only (the SSRF guard).

Unless a caller allows private targets, a host that resolves to a loopback, private, link-local,
multicast, reserved (or otherwise non-global) address is refused, and the connection is made to
the very address that was checked (no second lookup, so no DNS-rebinding window). Redirects are
never followed and proxy environment variables are ignored. Webhook deliveries
(app.webhooks.delivery) and the logo fetcher (app.logo_fetch) both send through here.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from http.client import HTTPException
from typing import Any


class DestinationRefused(Exception):
    """A webhook URL's host is, or resolves to, an address deliveries may not reach (SSRF guard)."""


def forbidden_kind(address: str) -> str | None:
    """Why an IP address is off limits ("loopback", "private" …), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


def resolve_public(host: str, port: int) -> list[tuple[Any, ...]]:
    """getaddrinfo() of host:port, or DestinationRefused if any address it gives is not public.

    A literal IP is checked without any lookup. socket.gaierror (no such host) passes through.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        kind = forbidden_kind(str(info[4][0]))
        if kind is not None:
            shown = host if host == info[4][0] else f"{host} resolves to {info[4][0]}, which"
            raise DestinationRefused(
                f"{shown} is a {kind} address; webhooks are not sent to loopback, private, link-local, "
                "multicast or reserved addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS is off)"
            )
    return infos


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not a second destination: it counts as a failure


def _connect_public(
    address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT, source_address: Any = None
) -> socket.socket:
    """socket.create_connection(), but only to addresses that resolve_public() accepted."""
    host, port = address
    last: OSError | None = None
    for family, type_, proto, _, sockaddr in resolve_public(host, port):
        sock = socket.socket(family, type_, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the checked address itself: no second lookup
            return sock
        except OSError as exc:
            last = exc
            sock.close()
    raise last or OSError(f"no address to connect to for {host}")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_public  # TLS still checks the certificate against the host name


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


# Both openers ignore proxy settings (the checked address must be the one connected to) and
# follow no redirect.
public_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirect, _PublicHTTPHandler, _PublicHTTPSHandler
)
any_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, *, allow_private: bool = False
) -> tuple[int | None, str | None]:
    """POST body; returns (status code or None, error or None). A 2xx answer is success.

    Raises DestinationRefused, before connecting, when the host is not public (unless allow_private).
    """
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = any_opener if allow_private else public_opener
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, DestinationRefused):
            raise exc.reason from None
        return None, f"URLError: {exc.reason}"[:1000]
    except DestinationRefused:
        raise
    except (HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:1000]
    return (status, None) if 200 <= status < 300 else (status, f"HTTP {status}")
