"""Logins when the app is exposed: parsed strictly, enforced by the real server."""

import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import served_app
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

from tutor import TutorError
from tutor.config import auth_from_env, parse_auth
from tutor.web.guard import LOGIN_ATTEMPTS


def test_a_login_is_user_colon_password():
    assert parse_auth("ana:s3cret:with:colons") == ("ana", "s3cret:with:colons")
    for bad in ("ana", ":pw", "ana:", "   :pw"):
        with pytest.raises(TutorError, match="USER:PASSWORD"):
            parse_auth(bad)


def test_the_login_can_come_from_the_environment():
    assert auth_from_env({"ECS_TUTOR_AUTH": "ana:pw"}) == ("ana", "pw")
    assert auth_from_env({}) is None


@pytest.fixture(scope="module")
def guarded(tutor):
    with served_app(tutor, auth=("ana", "pw")) as (_, url):
        yield url


def test_a_guarded_app_refuses_a_client_without_the_login(guarded):
    with pytest.raises(AuthenticationError, match="credentials were not provided"):
        Client(guarded, verbose=False).predict("Fargate needs servers", api_name="/check")


def test_a_guarded_app_answers_a_client_with_the_login(guarded):
    client = Client(guarded, auth=("ana", "pw"), verbose=False)
    try:
        heading = client.predict("ECS clusters can run many apps", api_name="/check")[0]
    finally:
        client.close()
    assert "Correct" in heading or "Misconception" in heading or "Not covered" in heading


def test_the_page_before_sign_in_names_no_endpoint_concept_or_guide(guarded):
    with urllib.request.urlopen(guarded, timeout=30) as response:
        page = response.read().decode()
    assert "auth_required" in page  # Gradio's login page
    for secret in ("named_endpoints", "/check", "Fargate", "Task Definitions", "builtin"):
        assert secret not in page


def test_wrong_logins_are_throttled(tutor):
    with served_app(tutor, auth=("ana", "pw")) as (_, url):
        codes = [_login(url, "ana", "wrong") for _ in range(LOGIN_ATTEMPTS + 1)]
        right = _login(url, "ana", "pw")
    assert codes == [400] * LOGIN_ATTEMPTS + [429]
    assert right == 429  # until the window has passed


def _login(url: str, user: str, password: str) -> int:
    form = urllib.parse.urlencode({"username": user, "password": password}).encode()
    try:
        with urllib.request.urlopen(f"{url}login", data=form, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
