"""Accounts for a class server, on SQLite and on PostgreSQL: argon2-hashed passwords, roles,
and learners' progress kept when an account goes."""

import pytest
from sqlalchemy import create_engine, text

from tutor.errors import BadInput
from tutor.study.accounts import TEACHER, Accounts

PASSWORD = "correct horse battery"


@pytest.fixture
def quiz_store_factory(guide):
    from ingest import load_catalog
    from tutor.study.progress import ProgressStore
    from tutor.study.quiz import Quiz

    quiz = Quiz(guide, load_catalog())
    return lambda url: ProgressStore(url, quiz=quiz)


@pytest.fixture
def accounts(database):
    accounts = Accounts(database)
    yield accounts
    accounts.close()


def _stored(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT password_hash, role FROM accounts")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_password_is_kept_as_an_argon2_hash_and_checked(accounts, database):
    accounts.add("ana", PASSWORD)
    ((hashed, role),) = _stored(database)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed and role == "learner"
    assert accounts.verify("ana", PASSWORD)
    assert not accounts.verify("ana", PASSWORD + "!")
    assert not accounts.verify("bo", PASSWORD)  # no such account
    assert not accounts.verify("ana", "x" * 5000)  # refused before hashing


def test_roles_and_the_list_of_accounts(accounts):
    accounts.add("tess", PASSWORD, role=TEACHER)
    accounts.add("ana", PASSWORD)
    assert accounts.names() == [("ana", "learner"), ("tess", "teacher")]
    assert (accounts.role("tess"), accounts.role("ana"), accounts.role("nobody")) == (
        "teacher",
        "learner",
        None,
    )


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("ana", "short", "learner", "a password is 10 to 1024 characters long"),
        ("<b>", PASSWORD, "learner", "a learner's name is"),
        ("ana", PASSWORD, "admin", "a role is learner or teacher"),
    ],
)
def test_a_bad_account_is_refused(accounts, name, password, role, message):
    with pytest.raises(BadInput, match=message):
        accounts.add(name, password, role=role)
    assert accounts.names() == []


def test_a_name_has_one_account(accounts):
    accounts.add("ana", PASSWORD)
    with pytest.raises(BadInput, match="has an account already"):
        accounts.add("ana", "another password")
    assert accounts.verify("ana", PASSWORD)


def test_reset_changes_the_password(accounts):
    accounts.add("ana", PASSWORD)
    accounts.reset("ana", "a new pass phrase")
    assert accounts.verify("ana", "a new pass phrase") and not accounts.verify("ana", PASSWORD)
    with pytest.raises(BadInput, match="no account named 'bo'"):
        accounts.reset("bo", "a new pass phrase")


def test_removing_an_account_keeps_the_learners_progress(database, quiz_store_factory):
    accounts = Accounts(database)
    store = quiz_store_factory(database)
    card = store.quiz.cards[0]
    accounts.add("ana", PASSWORD)
    store.review("ana", card.id, "true")
    accounts.remove("ana")
    assert not accounts.verify("ana", PASSWORD) and accounts.names() == []
    assert [day.reviews for day in store.history("ana")] == [1]
    accounts.close()
    store.close()


def test_the_cli_adds_lists_resets_and_removes_accounts(tmp_path, monkeypatch, capsys):
    import io

    from tutor.cli import main

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["users", *args, "--data-dir", str(tmp_path)])

    assert run("add", "tess", "--teacher", stdin=PASSWORD + "\n") == 0
    assert run("add", "ana", stdin="too short\n") == 1
    assert "a password is 10 to 1024 characters long" in capsys.readouterr().err
    assert run("add", "ana", stdin=PASSWORD + "\n") == 0
    assert run("reset", "ana", stdin="a brand new phrase\n") == 0
    capsys.readouterr()
    assert run("reset", "nobody", stdin="too short\n") == 1  # the name, before the password
    assert "no account named 'nobody'" in capsys.readouterr().err
    assert run("list") == 0
    assert capsys.readouterr().out == "ana\tlearner\ntess\tteacher\n"
    accounts = Accounts(f"sqlite:///{tmp_path / 'progress.db'}")
    assert accounts.verify("ana", "a brand new phrase")
    accounts.close()
    assert run("remove", "ana") == 0 and run("remove", "ana") == 1


def test_a_class_server_has_one_kind_of_login(tmp_path, capsys):
    from tutor.cli import main

    assert main(["serve", "--accounts", "--auth", "a:b", "--data-dir", str(tmp_path)]) == 1
    assert "--accounts and --auth are two kinds of login" in capsys.readouterr().err


def test_replicas_starting_together_agree_on_one_session_key(database):
    from concurrent.futures import ThreadPoolExecutor

    def key(_):
        accounts = Accounts(database)
        try:
            return accounts.session_secret()
        finally:
            accounts.close()

    with ThreadPoolExecutor(4) as pool:
        keys = set(pool.map(key, range(4)))
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_a_password_reset_or_a_new_account_ends_the_sessions_signed_before(accounts, monkeypatch):
    import time

    from tutor.web import signin

    monkeypatch.setattr(signin, "RECHECK_SECONDS", 0.0)  # look the account up every time
    sessions = signin.Sessions(accounts)
    accounts.add("ana", "ana's long password")
    before = sessions.cookie_for("ana")
    assert sessions.name_in(before) == "ana"
    time.sleep(1.1)  # a cookie's time is in whole seconds
    accounts.reset("ana", "ana's new long password")
    assert sessions.name_in(before) is None  # signed in with the old password
    after = sessions.cookie_for("ana")
    assert sessions.name_in(after) == "ana"
    time.sleep(1.1)
    accounts.remove("ana")
    assert sessions.name_in(after) is None
    accounts.add("ana", "another ana's password")  # the same name, another person
    assert sessions.name_in(after) is None
    assert sessions.name_in(sessions.cookie_for("ana")) == "ana"


def test_signing_out_ends_every_session_of_the_account_at_once_on_this_replica(accounts):
    import time

    from tutor.web import signin

    here, elsewhere = signin.Sessions(accounts), signin.Sessions(accounts)
    accounts.add("ana", "ana's long password")
    accounts.add("bo", "bo's long password")
    laptop, phone, bos = (here.cookie_for(n) for n in ("ana", "ana", "bo"))
    assert here.name_in(laptop) == here.name_in(phone) == "ana"  # now known for a minute
    time.sleep(1.1)  # a cookie's time is in whole seconds
    here.end(laptop)
    assert here.name_in(laptop) is None and here.name_in(phone) is None
    assert here.name_in(bos) == "bo"  # another learner's session goes on
    # Another replica had not looked ana up yet: it refuses her old sessions too.
    assert elsewhere.name_in(phone) is None
    # A lookup that began before the sign-out and ends after it does not bring them back.
    here._remember("ana", time.monotonic(), 0.0)
    assert here.name_in(phone) is None
    fresh = here.cookie_for("ana")  # signing in again opens a new session
    assert here.name_in(fresh) == "ana"
    expired = signin.Sessions(accounts, max_age=0)
    time.sleep(1.1)  # so that ending ana's sessions now would end ``fresh`` too
    here.end("ana.forged.cookie")  # a cookie that is not a session ends nothing,
    here.end(None)
    expired.end(fresh)  # nor does one past its age
    assert here.name_in(fresh) == "ana" and here.name_in(bos) == "bo"
