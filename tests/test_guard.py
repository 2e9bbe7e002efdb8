"""The app's request guard, on the real server on loopback (raw HTTP and gradio_client), and
its limits on a small Starlette app where a limit is set low enough to reach."""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import served_app
from gradio_client import Client, handle_file
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from test_hostile_guides import redos_guide

import app
from tutor.web.guard import BODY_LIMIT, RequestGuard, cap_log_lines

pytestmark = [pytest.mark.filterwarnings("ignore:::gradio.queueing")]


@pytest.fixture(scope="module")
def served(tutor):
    with served_app(tutor) as (demo, url):
        yield demo, url


def _post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_body_over_the_limit_is_refused_in_one_line_and_the_server_goes_on(served):
    _, url = served
    history = [{"role": "user", "content": "x"}] * 100_000  # the probe's 8 MB chat history
    body = json.dumps({"data": ["Fargate?", history], "fn_index": 0, "session_hash": "s"})
    status, answer = _post(f"{url}gradio_api/queue/join", body.encode())
    assert (status, answer) == (413, {"detail": "the request is too large"})
    client = Client(url, verbose=False)
    try:
        assert "Correct" in client.predict("Clusters can host many apps", api_name="/check")[0]
    finally:
        client.close()


def test_an_event_the_app_does_not_have_is_404_not_a_server_error(served):
    demo, url = served
    missing = max(demo.fns) + 1000
    body = json.dumps({"data": [], "fn_index": missing, "session_hash": "s"}).encode()
    assert _post(f"{url}gradio_api/queue/join", body) == (404, {"detail": "no such event"})


def test_a_chat_keeps_only_its_last_messages(served):
    _, url = served
    client = Client(url, verbose=False)
    try:
        history = [
            {"role": "user", "content": [{"type": "text", "text": f"turn {n}"}]} for n in range(500)
        ]
        kept, _ = client.predict("What does Fargate take off my hands?", history, api_name="/ask")
    finally:
        client.close()
    assert len(kept) == app.MAX_HISTORY
    assert "turn 443" in str(kept[0]["content"])  # the newest 57 of the 500, then this turn's 3


def test_an_upload_is_deleted_from_gradios_folder_once_read(served, tmp_path):
    demo, url = served
    folder = Path(demo.GRADIO_CACHE)
    guide = tmp_path / "redos.md"
    guide.write_text(redos_guide(4_000))
    client = Client(url, verbose=False)
    try:
        status, *_ = client.predict(handle_file(guide), api_name="/add_guide")
    finally:
        client.close()
    assert status.startswith("Added **Notes**")
    assert not [p for p in folder.rglob("redos.md")], "the upload was left in Gradio's folder"


@pytest.mark.slow
def test_a_redos_upload_does_not_hold_up_other_learners(served, tmp_path):
    """The probe's guide (4,000 spaces in a heading: 159 s per match before) is indexed while
    another learner checks claims; their checks stay within a few times their usual time."""
    _, url = served
    guide = tmp_path / "slow.md"
    guide.write_text(redos_guide(4_000).replace("# Notes", "# Slow Notes"))
    learner = Client(url, verbose=False)
    uploader = Client(url, verbose=False)

    def timed_checks(count: int) -> list[float]:
        times = []
        for n in range(count):
            started = time.perf_counter()
            learner.predict(f"Clusters can host {n} apps", api_name="/check")
            times.append(time.perf_counter() - started)
        return times

    try:
        alone = statistics.median(timed_checks(5))
        outcome: list = []
        upload = threading.Thread(
            target=lambda: outcome.append(
                uploader.predict(handle_file(guide), api_name="/add_guide")
            )
        )
        upload.start()
        during = timed_checks(5)
        upload.join(60)
    finally:
        learner.close()
        uploader.close()
    assert outcome and outcome[0][0].startswith("Added **Slow Notes**")
    assert statistics.median(during) < 10 * alone + 0.5  # a frozen server took 40 s and more


# The guard's limits, set low, on a small app of its own.
def _small_app(tmp_path: Path, *, auth: bool = False, **limits) -> TestClient:
    async def echo(request):
        return JSONResponse({"bytes": len(await request.body())})

    async def login(request):
        form = await request.form()
        await asyncio.sleep(0.2)  # a login takes a moment: a burst is in flight together
        if form.get("password") == "right":
            return JSONResponse({"success": True})
        return JSONResponse({"detail": "Incorrect credentials."}, status_code=400)

    async def page(request):
        config = '{"auth_required": true}' if auth else "{}"
        return PlainTextResponse(
            f"<script>window.gradio_config = {config};</script>"
            '<script>window.gradio_api_info = {"named_endpoints": {"/ask": 1}};</script>',
            media_type="text/html",
        )

    guard = Middleware(
        RequestGuard,
        events=lambda: {0, 1},
        upload_limit=1000,
        upload_dir=tmp_path / "uploads",
        body_limit=100,
        **limits,
    )
    routes = [
        Route("/gradio_api/upload", echo, methods=["POST"]),
        Route("/gradio_api/queue/join", echo, methods=["POST"]),
        Route("/login", login, methods=["POST"]),
        Route("/signin", login, methods=["POST"]),
        Route("/", page),
        Route("/gradio_api/runs", page),
    ]
    return TestClient(Starlette(routes=routes, middleware=[guard]))


def test_uploads_have_their_own_limit_and_everything_else_the_body_limit(tmp_path):
    client = _small_app(tmp_path)
    assert client.post("/gradio_api/upload", content=b"x" * 1000).json() == {"bytes": 1000}
    assert client.post("/gradio_api/upload", content=b"x" * 1001).status_code == 413
    assert client.post("/gradio_api/queue/join", content=b"{}" + b" " * 98).status_code == 200
    assert client.post("/gradio_api/queue/join", content=b"{}" + b" " * 99).status_code == 413


def test_uploads_wait_while_the_temporary_folder_is_over_its_quota(tmp_path):
    client = _small_app(tmp_path, upload_quota=500)
    (tmp_path / "uploads" / "abc").mkdir(parents=True)
    (tmp_path / "uploads" / "abc" / "left.md").write_bytes(b"x" * 501)
    refused = client.post("/gradio_api/upload", content=b"guide")
    assert refused.status_code == 507 and "try again" in refused.json()["detail"]
    (tmp_path / "uploads" / "abc" / "left.md").unlink()
    assert client.post("/gradio_api/upload", content=b"guide").status_code == 200


def test_wrong_logins_from_one_address_are_throttled(tmp_path):
    client = _small_app(tmp_path, login_attempts=3, login_window=2)
    wrong, right = {"username": "ana", "password": "no"}, {"username": "ana", "password": "right"}
    assert [client.post("/login", data=wrong).status_code for _ in range(3)] == [400] * 3
    assert client.post("/login", data=right).status_code == 429  # even the right one, for now
    time.sleep(2.1)
    assert client.post("/login", data=right).status_code == 200


def test_one_names_wrong_sign_ins_do_not_lock_out_another_name_from_the_same_address(tmp_path):
    client = _small_app(tmp_path, login_attempts=3, login_window=30, address_attempts=8)

    def sign_in(name: str, password: str = "no") -> int:
        return client.post("/signin", data={"username": name, "password": password}).status_code

    assert [sign_in("ana") for _ in range(4)] == [400] * 3 + [429]
    assert sign_in(" ANA ", "right") == 429  # the same name to the throttle
    # bo signs in from the same school address, and may mistype as often as ana did
    assert sign_in("bo", "right") == 200
    assert [sign_in("bo") for _ in range(3)] == [400] * 3
    # ... but guessing across names from one address stops at the address's limit (8 wrong)
    assert [sign_in(f"n{i}") for i in range(4)] == [400, 400, 429, 429]
    assert sign_in("cy", "right") == 429


def test_a_sign_in_form_that_does_not_name_one_learner_counts_under_no_name(tmp_path):
    client = _small_app(tmp_path, login_attempts=2, login_window=30)
    fillers = "&".join(f"f{i}=x" for i in range(10))  # a sign-in form has two fields
    bodies = [
        f"username=n{i}&{fillers}"
        for i in range(2)  # too many fields
    ] + [f"username=decoy{i}&username=ana&password=no" for i in range(2)]  # two names
    codes = [client.post("/signin", content=body).status_code for body in bodies]
    assert codes == [400, 400, 429, 429]  # all four under "", whose fill is 2


def test_gradios_own_login_counts_per_address_whatever_the_name(tmp_path):
    client = _small_app(tmp_path, login_attempts=3, login_window=30)
    codes = [client.post("/login", data={"username": f"n{i}", "password": "no"}) for i in range(4)]
    assert [code.status_code for code in codes] == [400] * 3 + [429]


def test_names_tried_long_ago_are_forgotten_and_refusals_add_none(tmp_path, monkeypatch):
    from tutor.web import guard as guard_module

    monkeypatch.setattr(guard_module, "_KEYS_KEPT", 5)
    client = _small_app(tmp_path, login_attempts=3, login_window=2, address_attempts=4)
    names = [f"n{i}" for i in range(6)]
    codes = [client.post("/signin", data={"username": n, "password": "no"}) for n in names]
    assert [code.status_code for code in codes] == [400] * 4 + [429] * 2
    time.sleep(2.1)  # the window has passed: every key is stale
    again = [client.post("/signin", data={"username": n, "password": "no"}) for n in names]
    assert [code.status_code for code in again] == [400] * 4 + [429] * 2
    assert client.post("/signin", data={"username": "bo", "password": "no"}).status_code == 429
    guard = client.app.middleware_stack
    while not isinstance(guard, guard_module.RequestGuard):
        guard = guard.app
    assert len(guard._failures) <= 5 + 1  # swept past _KEYS_KEPT; the 429s added no key


@pytest.mark.parametrize("path", ["/", "/gradio_api/runs"])
@pytest.mark.parametrize("auth", [True, False])
def test_the_page_before_sign_in_carries_no_api_description(tmp_path, auth, path):
    page = _small_app(tmp_path, auth=auth).get(path).text
    assert ("named_endpoints" in page) is not auth
    assert "window.gradio_config" in page


def test_a_burst_of_wrong_logins_sent_at_once_is_throttled_too(tmp_path):
    client = _small_app(tmp_path, login_attempts=3, login_window=30)
    wrong = {"username": "ana", "password": "no"}
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: client.post("/login", data=wrong).status_code, range(8)))
    assert sorted(codes) == [400] * 3 + [429] * 5


def test_a_successful_login_is_not_held_against_the_address(tmp_path):
    client = _small_app(tmp_path, login_attempts=2, login_window=30)
    right = {"username": "ana", "password": "right"}
    assert [client.post("/login", data=right).status_code for _ in range(4)] == [200] * 4


def test_log_lines_and_warnings_are_cut_to_a_readable_length(monkeypatch):
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # put back after
    cap_log_lines(limit=200)
    shown = warnings.formatwarning("v" * 100_000, UserWarning, "x.py", 1)
    assert len(shown) < 300 and shown.rstrip().endswith("characters)")


def test_the_body_limit_leaves_room_for_a_full_chat():
    turn = {"role": "assistant", "content": "a" * 2500}  # a long answer with its sources
    body = json.dumps({"data": ["q" * 2000, [turn] * app.MAX_HISTORY], "fn_index": 0})
    assert len(body.encode()) < BODY_LIMIT
