"""The progress store when its file is empty or damaged: refused in one line, left as it was, and
never taken for a new database; a missing one is still made, even by many sessions at once."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from ingest import load_catalog
from tutor.cli import main
from tutor.study.progress import ProgressDamaged, ProgressStore, progress_url
from tutor.study.quiz import Quiz

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AFRESH = "it was left untouched — move it away to start afresh"


@pytest.fixture(scope="module")
def quiz(guide):
    return Quiz(guide, load_catalog())


@pytest.fixture(scope="module")
def real_store(tmp_path_factory, quiz) -> bytes:
    """The bytes of a store holding 100 reviews, closed cleanly (all in the one file)."""
    folder = tmp_path_factory.mktemp("real")
    store = ProgressStore(progress_url(folder), quiz=quiz, scheduler=_exact())
    for n in range(100):
        card = quiz.cards[n % len(quiz.cards)]
        store.review("ana", card.id, fsrs.Rating.Good, NOW + timedelta(minutes=n))
    store.close()
    return (folder / "progress.db").read_bytes()


def _exact() -> fsrs.Scheduler:
    return fsrs.Scheduler(enable_fuzzing=False)


def _folder(path: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder: its bytes and when it was last written."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(path.iterdir())}


DAMAGE = {
    "emptied": (lambda good: b"", "0 bytes"),
    "random bytes": (lambda good: random.Random(7).randbytes(8192), "not an SQLite file"),
    "cut in half": (
        lambda good: good[: len(good) // 2],
        "damaged: database disk image is malformed",
    ),
    # bytes 36-39 of the header count the free pages; SQLite reads it, quick_check finds it wrong
    "a wrong free-page count": (
        lambda good: good[:36] + (5).to_bytes(4, "big") + good[40:],
        "damaged: it fails SQLite's quick_check",
    ),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_an_empty_or_damaged_store_is_refused_in_one_line_and_left_as_it_was(
    tmp_path, quiz, real_store, damage
):
    make, why = DAMAGE[damage]
    folder = tmp_path / "srv" / "tutor-data"
    folder.mkdir(parents=True)
    (folder / "progress.db").write_bytes(make(real_store))
    before = _folder(folder)
    for _ in range(2):  # a second try meets the same file: the first made nothing of it
        with pytest.raises(ProgressDamaged) as refused:
            ProgressStore(progress_url(folder), quiz=quiz)
        assert str(refused.value) == f"progress.db: not a progress database ({why}); {AFRESH}"
        assert _folder(folder) == before  # not written, recreated, nor given -wal/-shm files
    assert str(tmp_path) not in str(refused.value)  # the file's name, not the server's folders


def test_a_missing_store_is_made_and_nothing_is_left_beside_it(tmp_path, quiz):
    store = ProgressStore(progress_url(tmp_path / "new"), quiz=quiz)
    store.review("ana", quiz.cards[0].id, fsrs.Rating.Good, NOW)
    store.close()
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["progress.db"]
    again = ProgressStore(progress_url(tmp_path / "new"), quiz=quiz)
    assert [d.reviews for d in again.history("ana")] == [1]
    again.close()


def test_a_new_store_opened_by_many_sessions_at_once_opens_for_all(tmp_path, quiz):
    # SQLite makes a new database as an empty file first: a session opening the store at that
    # moment must not take it for an emptied one, nor find it locked while tables are made.
    failures: list[str] = []
    for attempt in range(20):
        url = progress_url(tmp_path / str(attempt))
        start = threading.Barrier(6)

        def open_and_close(url: str = url, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                ProgressStore(url, quiz=quiz).close()
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                failures.append(f"{type(exc).__name__}: {exc}")

        sessions = [threading.Thread(target=open_and_close) for _ in range(6)]
        for session in sessions:
            session.start()
        for session in sessions:
            session.join()
    assert failures == []


def test_a_store_open_in_another_session_is_not_taken_for_damaged(tmp_path, quiz):
    first = ProgressStore(progress_url(tmp_path), quiz=quiz, scheduler=_exact())
    first.review("ana", quiz.cards[0].id, fsrs.Rating.Good, NOW)  # in the -wal file for now
    assert {p.name for p in tmp_path.iterdir()} >= {"progress.db-wal", "progress.db-shm"}
    second = ProgressStore(progress_url(tmp_path), quiz=quiz, scheduler=_exact())
    assert [d.reviews for d in second.history("ana")] == [1]
    second.close()
    first.close()


def test_the_quiz_command_refuses_an_emptied_store_in_one_line(tmp_path, capsys):
    (tmp_path / "progress.db").write_bytes(b"")
    assert main(["quiz", "--no-check", "--data-dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert err == f"ecs-tutor: error: progress.db: not a progress database (0 bytes); {AFRESH}\n"
    assert (tmp_path / "progress.db").read_bytes() == b""


def test_the_app_shows_the_refusal_not_something_went_wrong(tmp_path, quiz):
    import gradio as gr

    import app

    (tmp_path / "progress.db").write_bytes(random.Random(7).randbytes(8192))
    open_store = app._friendly_errors(lambda: ProgressStore(progress_url(tmp_path), quiz=quiz))
    with pytest.raises(gr.Error) as shown:
        open_store()
    assert shown.value.message == (
        f"progress.db: not a progress database (not an SQLite file); {AFRESH}"
    )
