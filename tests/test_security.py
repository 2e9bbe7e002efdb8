"""Logins when the app is exposed: parsed strictly, enforced by the real server."""

import pytest
from conftest import served_app
from gradio_client import Client
from gradio_client.exceptions import AuthenticationError

from tutor import TutorError
from tutor.config import auth_from_env, parse_auth


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
