"""Partner logos given as URLs in an import: fetched safely, a few at a time.

Public addresses only (app.safe_http, the webhooks' SSRF guard: every address a host resolves to must be
public, and the connection goes to the checked address), each redirect checked again, one
deadline for the whole fetch, and at most MAX_LOGO_BYTES read. The bytes then go through the
same checks as an upload (app.partners.store_logo).
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException
from typing import Any
from urllib.parse import urljoin, urlsplit

from app.config import Settings
from app.safe_http import DestinationRefused, any_opener, forbidden_kind, public_opener, resolve_public

MAX_REDIRECTS = 5
USER_AGENT = "Cobrand logo fetcher"


class LogoFetchFailed(Exception):
    """A logo URL could not be fetched; the message says why, in one line."""


def allow_private(config: Settings) -> bool:
    """LOGO_FETCH_ALLOW_PRIVATE=true: loopback addresses (and plain http) allowed, for loopback tests only."""
    return config.LOGO_FETCH_ALLOW_PRIVATE


def _check(url: str, private: bool) -> None:
    parts = urlsplit(url)
    # Plain http only where private targets are allowed (a loopback test server has no certificate).
    schemes = ("https", "http") if private else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise LogoFetchFailed(f"{url!r} is not an https:// URL")
    if not private:
        try:
            resolve_public(parts.hostname, parts.port or 443)
        except DestinationRefused as exc:
            raise LogoFetchFailed(
                f"refused: {exc}".replace("webhooks are not sent", "logos are not fetched")
            ) from None
        except (OSError, UnicodeError):
            raise LogoFetchFailed(f"host {parts.hostname!r} does not resolve") from None
        return
    # Loopback tests: loopback is allowed, every other non-public address is still refused.
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise LogoFetchFailed(f"host {parts.hostname!r} does not resolve") from None
    for info in infos:
        kind = forbidden_kind(str(info[4][0]))
        if kind not in (None, "loopback"):
            raise LogoFetchFailed(f"refused: {parts.hostname} is a {kind} address; logos are not fetched from "
                                  "private, link-local, multicast or reserved addresses")  # fmt: skip


def fetch_logo(url: str, *, max_bytes: int, timeout: float, private: bool = False) -> bytes:
    """The bytes at url (following up to MAX_REDIRECTS redirects, each checked); LogoFetchFailed otherwise."""
    deadline = time.monotonic() + timeout
    opener = any_opener if private else public_opener
    for _ in range(MAX_REDIRECTS + 1):
        _check(url, private)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LogoFetchFailed(f"no answer within {timeout:g} s")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
        try:
            with opener.open(request, timeout=remaining) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > max_bytes:
                    raise LogoFetchFailed(
                        f"{int(length):,} bytes is over the {max_bytes:,}-byte limit for logos"
                    )
                return _read(response, max_bytes, deadline, timeout)
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if 300 <= exc.code < 400 else None
            if not location:
                raise LogoFetchFailed(f"HTTP {exc.code}") from None
            url = urljoin(url, location)  # checked again at the top of the loop
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, DestinationRefused):
                raise LogoFetchFailed(f"refused: {exc.reason}") from None
            if isinstance(exc.reason, TimeoutError):
                raise LogoFetchFailed(f"no answer within {timeout:g} s") from None
            raise LogoFetchFailed(f"cannot connect: {exc.reason}") from None
        except DestinationRefused as exc:
            raise LogoFetchFailed(f"refused: {exc}") from None
        except TimeoutError:
            raise LogoFetchFailed(f"no answer within {timeout:g} s") from None
        except (HTTPException, OSError, ValueError) as exc:
            raise LogoFetchFailed(f"{type(exc).__name__}: {exc}") from None
    raise LogoFetchFailed(f"more than {MAX_REDIRECTS} redirects")


def _read(response: Any, max_bytes: int, deadline: float, timeout: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise LogoFetchFailed(f"not received within {timeout:g} s")
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise LogoFetchFailed(f"over the {max_bytes:,}-byte limit for logos")
        chunks.append(chunk)


def fetch_logos(urls: Iterable[str], config: Settings) -> dict[str, bytes | LogoFetchFailed]:
    """Fetch each distinct URL, LOGO_FETCH_CONCURRENCY at a time: bytes, or the reason it failed."""
    distinct = list(dict.fromkeys(urls))
    options = {
        "max_bytes": config.MAX_LOGO_BYTES,
        "timeout": config.LOGO_FETCH_TIMEOUT,
        "private": allow_private(config),
    }

    def one(url: str) -> bytes | LogoFetchFailed:
        try:
            return fetch_logo(url, **options)  # type: ignore[arg-type]
        except LogoFetchFailed as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, config.LOGO_FETCH_CONCURRENCY)) as pool:
        return dict(zip(distinct, pool.map(one, distinct), strict=True))
