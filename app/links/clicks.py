"""Click recording: who followed a short link, as a class of client, never as an address.

The redirect answers first; clicks wait in memory and a background thread writes them to the
database in batches (one INSERT of up to `batch_size` rows every `interval` seconds). A batch the
database refuses stays queued and is tried again, and the queue is flushed when the process
exits, so no click is lost short of the process being killed outright.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from app.models import Click, ClickKind, ClickSalt, utcnow

log = logging.getLogger(__name__)

PREVIEW_AGENTS = re.compile(
    r"facebookexternalhit|facebookcatalog|facebot|linkedinbot|twitterbot|slackbot|slack-imgproxy|"
    r"discordbot|telegrambot|whatsapp|skypeuripreview|microsoft teams|embedly|iframely|pinterestbot|"
    r"redditbot|mastodon|vkshare|outlook-ios|googleimageproxy|yahoomailproxy",
    re.IGNORECASE,
)
"""Link unfurlers: chat apps, social networks and mail proxies fetching a preview, not a person."""
BOT_AGENTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|monitor|checker|validator|scanner|preview|headless|"
    r"lighthouse|pingdom|uptime|curl/|wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|"
    r"okhttp|java/|libwww|node-fetch|axios|postman|insomnia",
    re.IGNORECASE,
)
"""Crawlers, monitors and HTTP libraries."""
MOBILE_AGENTS = re.compile(r"mobi|iphone|ipod|android.+mobile|windows phone", re.IGNORECASE)
TABLET_AGENTS = re.compile(r"ipad|tablet|android(?!.*mobile)|kindle|silk/", re.IGNORECASE)


def classify(method: str, headers: Mapping[str, str]) -> tuple[ClickKind, str]:
    """What a request to a short link is (a click, or a bot, preview, prefetch, HEAD) and its agent class."""
    agent = headers.get("User-Agent", "")
    purpose = f"{headers.get('Purpose', '')} {headers.get('Sec-Purpose', '')} {headers.get('X-Moz', '')}"
    if method == "HEAD":
        return ClickKind.HEAD, "bot"
    if "prefetch" in purpose.lower() or "preview" in headers.get("X-Purpose", "").lower():
        return ClickKind.PREFETCH, agent_class(agent)
    if PREVIEW_AGENTS.search(agent):
        return ClickKind.PREVIEW, "bot"
    if not agent.strip() or BOT_AGENTS.search(agent):
        return ClickKind.BOT, "bot"
    return ClickKind.CLICK, agent_class(agent)


def agent_class(agent: str) -> str:
    """desktop | mobile | tablet | other: the only thing kept of a user agent."""
    if TABLET_AGENTS.search(agent):
        return "tablet"
    if MOBILE_AGENTS.search(agent):
        return "mobile"
    if re.search(r"windows|macintosh|x11|linux|cros", agent, re.IGNORECASE):
        return "desktop"
    return "other"


class ClickRecorder:
    """Queues clicks in memory and writes them in batches from one background thread."""

    def __init__(
        self,
        db: Any,
        *,
        batch_size: int = 500,
        interval: float = 0.5,
        on_written: Callable[[list[datetime]], None] | None = None,
    ) -> None:
        self.db, self.batch_size, self.interval = db, batch_size, interval
        self.on_written = on_written
        """Told the times of each batch written (link.clicked scheduling); its errors never lose clicks."""
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._salts: dict[str, str] = {}

    def record(
        self,
        *,
        link_id: int,
        campaign_id: int,
        partner_id: int,
        channel: str,
        kind: ClickKind,
        agent: str,
        client: str,
        user_agent: str,
        at: datetime | None = None,
    ) -> None:
        """Queue one request to a short link; client (the address) is only ever stored hashed."""
        at = at or utcnow()
        row = {
            "link_id": link_id,
            "campaign_id": campaign_id,
            "partner_id": partner_id,
            "channel": channel,
            "kind": kind,
            "agent": agent,
            "visitor": self.visitor(client, user_agent, at.date()),
            "demo": False,
            "created_at": at,
        }
        with self._lock:
            self._pending.append(row)
            full = len(self._pending) >= self.batch_size
        self._start()
        if full:
            self._wake.set()

    def visitor(self, client: str, user_agent: str, day: date) -> str:
        """The day's hash of a client: the same person counts once per day, and no one can reverse it."""
        salt = self._salt(day.isoformat())
        return hashlib.sha256(f"{salt}\n{client}\n{user_agent}".encode()).hexdigest()[:32]

    def _salt(self, day: str) -> str:
        salt = self._salts.get(day)
        if salt is not None:
            return salt
        with self.db.session() as session:
            salt = session.scalar(select(ClickSalt.salt).where(ClickSalt.day == day))
            if salt is None:
                try:
                    with session.begin_nested():
                        session.add(ClickSalt(day=day, salt=secrets.token_hex(32)))
                except IntegrityError:
                    pass  # another process made today's salt first: use theirs
                salt = session.scalar(select(ClickSalt.salt).where(ClickSalt.day == day))
                # Yesterday's salt is kept for clicks just before midnight; older ones go for good.
                session.execute(delete(ClickSalt).where(ClickSalt.day < _day_before(day)))
        assert salt is not None
        self._salts = {day: salt}
        return salt

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every queued click now; returns how many (a database error leaves them queued)."""
        written = 0
        with self._flush_lock:
            while True:
                with self._lock:
                    batch, self._pending = self._pending[: self.batch_size], self._pending[self.batch_size :]
                if not batch:
                    return written
                try:
                    with self.db.session() as session:
                        session.execute(insert(Click), batch)
                except BaseException:  # ok: re-raised after the batch is put back
                    with self._lock:
                        self._pending[:0] = batch  # back at the front, in order: tried again later
                    raise
                written += len(batch)
                if self.on_written is not None:
                    try:
                        self.on_written(
                            [row["created_at"] for row in batch if row["kind"] == ClickKind.CLICK]
                        )
                    except (
                        Exception
                    ):  # ok: logged; the clicks are stored, only the webhook waits for the sweep
                        log.exception("scheduling link.clicked failed")

    def close(self) -> None:
        """Stop the background thread and write what is left."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self.flush()

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="click-recorder", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # ok: logged; the clicks stay queued and the next tick tries again
                log.exception("writing clicks failed; %d queued, retrying", self.pending())


def _day_before(day: str) -> str:
    return date.fromordinal(date.fromisoformat(day).toordinal() - 1).isoformat()
