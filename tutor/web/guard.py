"""An ASGI middleware in front of the app's web server: limits on what a request may bring.

Gradio takes whatever a client sends: a 200 MB body, a chat history of 100,000 messages, an event
number that does not exist (HTTP 500), upload after upload into its temporary folder, and wrong
passwords as fast as they come. ``RequestGuard`` refuses those before Gradio sees them:

* a body over ``body_limit`` (``upload_limit`` for uploads) gets 413;
* an event number the app does not have gets 404 instead of a server error;
* an upload while the temporary upload folder holds over ``upload_quota`` bytes gets 507;
* on a class server's sign-in page (``/signin``), after ``login_attempts`` wrong sign-ins for one
  name from one address within ``login_window`` seconds, further sign-ins for that name from that
  address get 429 until the window has passed, and after ``address_attempts`` from one address
  (whatever the names), every sign-in from it does: a class signs in from behind one school
  address, and one learner's typos must not lock the others out, while guessing many names'
  passwords from one address is still slowed. A form that does not name exactly one learner
  counts under no name. Gradio's own login (``--auth``: one account) counts ``login_attempts``
  per address;
* with a login required, the page sent before sign-in carries no API description (Gradio embeds
  one, with every concept name and stored guide key, in the page it sends to anyone).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import warnings
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A chat of 60 messages (the app keeps no more) is ~100 KB; a claim is at most 2,000 characters.
BODY_LIMIT = 256 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024  # past this a refused body is not even read to its end
UPLOAD_QUOTA = 64 * 1024 * 1024  # uploads waiting in the temporary folder, all sessions together
LOGIN_ATTEMPTS, LOGIN_WINDOW = 5, 60.0
ADDRESS_ATTEMPTS = 50  # wrong logins in the window from one address, all names together
_NAME_CHARS = 80  # a name longer than the sign-in form takes counts by its first characters
_KEYS_KEPT = 10_000  # past this many counted names and addresses, the stale ones are forgotten
# What a login attempt counts under: (address, name), (address, None) for the address alone.
_Keys = tuple[tuple[str, str | None], ...]
_API_INFO = re.compile(rb"<script>window\.gradio_api_info = .*?</script>", re.DOTALL)
_AUTH_REQUIRED = re.compile(rb'"auth_required"\s*:\s*true')


class RequestGuard:
    """The middleware (see the module's docstring); ``events`` gives the app's event numbers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        events: Callable[[], Collection[int]],
        upload_limit: int,
        upload_dir: Path,
        body_limit: int = BODY_LIMIT,
        upload_quota: int = UPLOAD_QUOTA,
        login_attempts: int = LOGIN_ATTEMPTS,
        login_window: float = LOGIN_WINDOW,
        address_attempts: int = ADDRESS_ATTEMPTS,
    ):
        self.app = app
        self.events = events
        self.body_limit, self.upload_limit = body_limit, upload_limit
        self.upload_dir, self.upload_quota = Path(upload_dir), upload_quota
        self.login_attempts, self.login_window = login_attempts, login_window
        self.address_attempts = address_attempts
        # Login attempts in the window per (address, name) and per (address, None): each counts
        # from the moment it arrives (so a burst sent at once is throttled too) and is taken back
        # if it succeeds.
        self._failures: defaultdict[tuple[str, str | None], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"].rstrip("/"), scope["method"]
        upload = path.endswith("/upload")
        if upload and _folder_bytes(self.upload_dir) > self.upload_quota:
            await _refuse(send, 507, "too many uploads are waiting: try again in a few minutes")
            return
        body = await _read_body(receive, self.upload_limit if upload else self.body_limit)
        if body is None:
            await _refuse(send, 413, "the request is too large")
            return
        if path.endswith("/queue/join") and not self._known_event(body):
            await _refuse(send, 404, "no such event")
            return
        login = method == "POST" and (path.endswith("/login") or path == "/signin")
        client = (scope.get("client") or ("?", 0))[0]
        if login:
            if path == "/signin":
                keys: _Keys = ((client, _login_name(body)), (client, None))
            else:
                keys = ((client, ""),)
            attempt = self._attempt(keys)
            if attempt is None:
                await _refuse(send, 429, "too many wrong logins: wait a minute and try again")
                return
            send = self._watch_login(send, keys, attempt)
        # Gradio's page and its run-history page both embed the API description.
        if method == "GET" and (path == "" or path.endswith("/runs")):
            send = _without_api_info_before_login(send)
        await self.app(scope, _replay(body, receive), send)

    def _known_event(self, body: bytes) -> bool:
        try:
            number = json.loads(body).get("fn_index")
        except (ValueError, AttributeError):
            return True  # not ours to judge: Gradio answers a malformed body with 422
        return number is None or (type(number) is int and number in self.events())

    def _attempt(self, keys: _Keys) -> float | None:
        """Count a login attempt under each of ``keys`` (the address with the name, the address
        alone); None, counting nothing, if any of them has its fill this window."""
        with self._lock:
            now = time.monotonic()
            for key in keys:  # read without adding a key: a refused attempt leaves nothing
                failures = self._failures.get(key)
                while failures and failures[0] < now - self.login_window:
                    failures.popleft()
                limit = self.address_attempts if key[1] is None else self.login_attempts
                if failures is not None and len(failures) >= limit:
                    return None
            for key in keys:
                self._failures[key].append(now)
            if len(self._failures) > _KEYS_KEPT:  # names tried once and never again
                self._sweep(now)
            return now

    def _sweep(self, now: float) -> None:
        """Forget the keys whose attempts are all older than the window (lock held)."""
        cutoff = now - self.login_window
        for key in [k for k, kept in self._failures.items() if not kept or kept[-1] < cutoff]:
            del self._failures[key]

    def _watch_login(self, send: Send, keys: _Keys, attempt: float) -> Send:
        async def watching(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                with self._lock:  # a successful login is not held against the name or address
                    for key in keys:
                        failures = self._failures[key]
                        if attempt in failures:
                            failures.remove(attempt)
                        if not failures:
                            del self._failures[key]
            await send(message)

        return watching


def _login_name(body: bytes) -> str:
    """The name a sign-in form was sent for, as the throttle counts it: "" unless the body is a
    form with exactly one name (a second one could be the name the password is checked for)."""
    try:
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    except ValueError:  # more fields than a sign-in form has
        return ""
    names = form.get("username", [])
    return names[0].strip().casefold()[:_NAME_CHARS] if len(names) == 1 else ""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes ``limit`` bytes. The rest of a body that
    is too large is read and dropped, up to ``DRAIN_LIMIT``, so that a client still sending it
    gets the 413 instead of a reset connection; nothing of it is kept."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body") or size > DRAIN_LIMIT:
            break
    return b"".join(chunks) if size <= limit else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (a stream waits on them to learn
    that the client has gone)."""
    sent = False

    async def replaying() -> dict:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying


def _without_api_info_before_login(send: Send) -> Send:
    """Gradio's page before sign-in still embeds the API description: drop it from the page."""
    start: dict | None = None
    chunks: list[bytes] = []

    async def sending(message: dict) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        page = b"".join(chunks)
        if _AUTH_REQUIRED.search(page):
            page = _API_INFO.sub(b"<script>window.gradio_api_info = null;</script>", page)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(page)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page, "more_body": False})

    return sending


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _folder_bytes(folder: Path) -> int:
    """Bytes of the files below ``folder`` (0 if it does not exist)."""
    if not folder.is_dir():
        return 0
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


LOG_LINE_CHARS = 2000


def cap_log_lines(limit: int = LOG_LINE_CHARS) -> None:
    """Cut every log record and warning to ``limit`` characters (Gradio's warning about a
    dropdown value quotes the value whole, so a client could write megabytes to the log)."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, _Capped)]:
            handler.removeFilter(old)
        handler.addFilter(_Capped(limit))
    shown = getattr(warnings.formatwarning, "uncapped", warnings.formatwarning)

    def capped(message, category, filename, lineno, line=None):  # noqa: ANN001 - as warnings'
        return _cut(shown(message, category, filename, lineno, line), limit) + "\n"

    capped.uncapped = shown  # type: ignore[attr-defined]
    warnings.formatwarning = capped


class _Capped(logging.Filter):
    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > self.limit:
            record.msg, record.args = _cut(message, self.limit), None
        return True


def _cut(text: str, limit: int) -> str:
    text = text.rstrip("\n")
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
