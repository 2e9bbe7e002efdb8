"""Signing in to a class server: a sign-in page, and sessions kept in a signed cookie.

The cookie holds the learner's name and when they signed in, signed with the key kept in the
database (``Accounts.session_secret``): any replica of the server reads it, so a learner whose
replica goes carries on with another without signing in again. Gradio asks ``Sessions.user``
who a request is from (its ``auth_dependency``); ``SignIn``, an ASGI middleware behind
``RequestGuard`` (which throttles wrong sign-ins per name and address), serves ``/signin`` and
``/signout`` and sends a browser that is not signed in to the sign-in page.

A session lasts ``SESSION_SECONDS``. A session counts only if it was signed after the account
was made, after its password was last set and after its learner last signed out: signing out
removes the cookie from the browser and ends every session of that account, on every device (a
copy of the cookie taken before is refused). The replica that signs a learner out refuses their
old sessions at once; the others, like all replicas after an account is removed or its password
set, within ``RECHECK_SECONDS``. (Cookies carry whole seconds: a session signed in the very
second of signing out still counts.) A sign-out that a browser says another site sent (its
``Sec-Fetch-Site`` header) only removes the cookie: a link elsewhere cannot end a learner's
sessions on their other devices.
"""

from __future__ import annotations

import html
import re
import threading
import time
from urllib.parse import parse_qs

import anyio
from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tutor.errors import BadInput
from tutor.study.accounts import TEACHER, Accounts
from tutor.web.state import safe_filename

COOKIE = "ecs-tutor-session"
SESSION_SECONDS = 12 * 3600
RECHECK_SECONDS = 60.0  # how long "this account still exists" is taken as known
_FORM_LIMIT = 4096  # bytes of a sign-in form
DECK_NAME = "ecs-tutor-{}.apkg"  # a learner's Anki deck, as the Progress tab names it
CLASS_CSV = "class-misconceptions.csv"  # the Class tab's export
_DECK = re.compile(r"ecs-tutor-(.+)\.apkg")


class Sessions:
    """Signs a name into a cookie value, and reads the name back from a request's cookie."""

    def __init__(self, accounts: Accounts, *, max_age: int = SESSION_SECONDS):
        self._accounts = accounts
        self._signer = TimestampSigner(accounts.session_secret(), salt="ecs-tutor-session")
        self._max_age = max_age
        # name -> when its account was last looked up, and the earliest signing time it takes
        self._known: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def cookie_for(self, name: str) -> str:
        return self._signer.sign(name.encode("utf-8")).decode("ascii")

    def name_in(self, value: str | None) -> str | None:
        """The name a cookie value was signed for, if the signature holds, it is younger than
        the session's age, the account still exists, and its password was not reset since."""
        if not value:
            return None
        try:
            signed, when = self._signer.unsign(value, max_age=self._max_age, return_timestamp=True)
            name = signed.decode("utf-8")
        except (BadSignature, UnicodeDecodeError):
            return None
        earliest = self._earliest(name)
        return name if earliest is not None and when.timestamp() >= earliest else None

    def end(self, value: str | None) -> None:
        """Sign out the learner whose cookie value this is: every session of theirs ends."""
        name = self.name_in(value)
        if name is None:
            return
        try:
            ended = self._accounts.end_sessions(name)
        except BadInput:  # the account went meanwhile: its sessions are over anyway
            return
        self._remember(name, time.monotonic(), float(int(ended.timestamp())))

    def user(self, request) -> str | None:
        """Gradio's ``auth_dependency``: who sent the request, or None."""
        return self.name_in(request.cookies.get(COOKIE))

    def _earliest(self, name: str) -> float | None:
        """The earliest signing time (epoch seconds, whole: the cookie's resolution) a session
        of ``name`` may have; None without an account. Looked up at most every
        ``RECHECK_SECONDS``."""
        now = time.monotonic()
        with self._lock:
            checked, earliest = self._known.get(name, (-RECHECK_SECONDS, 0.0))
            if now - checked < RECHECK_SECONDS:
                return earliest
        found = self._accounts.sessions_from(name)
        if found is None:
            return None
        return self._remember(name, now, float(int(found.timestamp())))

    def _remember(self, name: str, checked: float, earliest: float) -> float:
        """Keep ``earliest`` for ``name`` as looked up at ``checked``, unless a later one is
        kept already: a lookup that began before a sign-out must not bring its sessions back."""
        with self._lock:
            _, kept = self._known.get(name, (checked, 0.0))
            self._known[name] = (checked, max(earliest, kept))
            return max(earliest, kept)


class SignIn:
    """``/signin`` (the form, and checking it), ``/signout``, and the app's page sent to the
    sign-in form while the browser is not signed in."""

    def __init__(self, app: ASGIApp, *, accounts: Accounts, sessions: Sessions):
        self.app, self.accounts, self.sessions = app, accounts, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"].rstrip("/") or "/", scope["method"]
        if path == "/signin" and method == "POST":
            await self._sign_in(scope, receive, send)
        elif path == "/signin":
            await _page(send, 200, _form(""))
        elif path == "/signout":
            if not _cross_site(scope):
                await anyio.to_thread.run_sync(self.sessions.end, _cookies(scope).get(COOKIE))
            await _redirect(
                send, "/signin", f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
            )
        elif path == "/" and method == "GET" and not self._signed_in(scope):
            await _redirect(send, "/signin")
        elif "/file=" in path and not self._may_read(scope, path.rsplit("/", 1)[-1]):
            await _page(send, 403, "<p>This file is another learner's.</p>")
        else:
            await self.app(scope, receive, send)

    def _signed_in(self, scope: Scope) -> bool:
        return self.sessions.name_in(_cookies(scope).get(COOKIE)) is not None

    def _may_read(self, scope: Scope, filename: str) -> bool:
        """A learner's own Anki deck is theirs (and their teachers'), the class's CSV is the
        teachers'; any other file is whoever's signed in (Gradio asks for that)."""
        name = self.sessions.name_in(_cookies(scope).get(COOKIE))
        deck = _DECK.fullmatch(filename)
        if deck is None and filename != CLASS_CSV:
            return True
        if name is None:
            return False
        if self.accounts.role(name) == TEACHER:
            return True
        return deck is not None and deck.group(1) == safe_filename(name)

    async def _sign_in(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > _FORM_LIMIT or not message.get("more_body"):
                break
        form = parse_qs(body[:_FORM_LIMIT].decode("utf-8", "replace"))
        name = (form.get("username") or [""])[0].strip()
        password = (form.get("password") or [""])[0]
        ok = await anyio.to_thread.run_sync(self.accounts.verify, name, password)
        if not ok:  # 400: RequestGuard counts it as a wrong sign-in for this name and address
            await _page(send, 400, _form("Wrong name or password."))
            return
        secure = "; Secure" if _https(scope) else ""
        cookie = (
            f"{COOKIE}={self.sessions.cookie_for(name)}; Max-Age={SESSION_SECONDS}; Path=/; "
            f"HttpOnly; SameSite=Lax{secure}"
        )
        await _redirect(send, "/", cookie)


def _cookies(scope: Scope) -> dict[str, str]:
    return Request(scope).cookies


def _cross_site(scope: Scope) -> bool:
    """Whether the browser says another site sent the request (``Sec-Fetch-Site``; a client
    that does not say, not being a browser, is nobody's forgery)."""
    return _header(scope, b"sec-fetch-site", b"same-origin") not in (b"same-origin", b"none")


def _https(scope: Scope) -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a proxy that says so)."""
    return scope.get("scheme") == "https" or _header(scope, b"x-forwarded-proto") == b"https"


def _header(scope: Scope, name: bytes, default: bytes = b"") -> bytes:
    """A request header's value (``name`` in lower case, as ASGI gives it)."""
    return dict(scope.get("headers", [])).get(name, default)


async def _redirect(send: Send, where: str, cookie: str = "") -> None:
    headers = [(b"location", where.encode()), (b"content-length", b"0")]
    if cookie:
        headers.append((b"set-cookie", cookie.encode("latin-1")))
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _page(send: Send, status: int, page: str) -> None:
    body = page.encode("utf-8")
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _form(error: str) -> str:
    said = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ECS Tutor</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 22rem; margin: 4rem auto; padding: 0 1rem; }}
label {{ display: block; margin-top: 1rem; }}
input {{ width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }}
button {{ margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; }}
.error {{ color: #a40000; }}
</style></head>
<body><h1>ECS Tutor</h1><p>Sign in to study with your class.</p>{said}
<form method="post" action="/signin">
<label for="username">Name</label>
<input id="username" name="username" autocomplete="username" required maxlength="80">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></body></html>
"""
