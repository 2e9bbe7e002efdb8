"""Shared fixtures: the real guide, graph, model and tutor, each built once per session."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest import read_guide
from kg import build_graph
from tutor import Settings, Tutor
from tutor.config import DEFAULT_GUIDE, user_dir

_SCRATCH = pytest.StashKey[Path]()
# A PostgreSQL server the storage tests also run against, as a SQLAlchemy URL of a database the
# tests may create others from (.ci/run starts Debian's PostgreSQL and sets it). Not an
# ECS_TUTOR_* name: pytest_configure drops those, and xdist's workers would not see it.
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "")


def pytest_configure(config: pytest.Config) -> None:
    # The model is on disk; make sure nothing ever tries the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if not POSTGRES and os.environ.get("TEST_POSTGRES_REQUIRED"):
        raise pytest.UsageError("TEST_POSTGRES_REQUIRED is set but not TEST_POSTGRES_URL")
    # Learner data and caches (the model's ONNX export too) go to one throw-away folder per
    # session, never to the user's own directories, the defaults: every Settings() and every
    # child process the tests start reads these. The developer's own ECS_TUTOR_* settings (a real
    # progress database...) are not the tests'. The tests' index is built once, in `cache_dir`.
    built = user_dir("cache")  # where `make index` (run before the tests) left its work
    for name in [name for name in os.environ if name.startswith("ECS_TUTOR_")]:
        del os.environ[name]
    scratch = config.stash[_SCRATCH] = Path(tempfile.mkdtemp(prefix="ecs-tutor-tests-"))
    os.environ["ECS_TUTOR_DATA"] = str(scratch / "data")
    os.environ["ECS_TUTOR_CACHE"] = str(scratch / "cache")
    _warm_copy(built, scratch / "cache")


def _warm_copy(built: Path, cache: Path, *, models: bool = True) -> None:
    """Copy (never touch) what `make index` built: the model's ONNX export and the guide's index,
    so that a session does not export and embed again (~20 s). A copy that does not match is
    rebuilt as usual: the export and the index are each checked by their own fingerprints."""
    names = [p.name for p in built.glob("index-*") if p.is_dir()] + ["models"] * models
    for name in names:
        if (built / name).is_dir() and not (cache / name).exists():
            shutil.copytree(built / name, cache / name, symlinks=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SCRATCH in config.stash:
        shutil.rmtree(config.stash[_SCRATCH], ignore_errors=True)


class CountingEmbedder:
    """The real model, counting how many texts it was asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.texts = inner, inner.name, inner.dim, 0

    def __call__(self, texts):
        self.texts += len(texts)
        return self.inner(texts)


@functools.cache
def _legacy_ids() -> dict[str, str]:
    from ingest import load_catalog, read_studied_guides
    from tutor.config import BUILTIN_GUIDES
    from tutor.study.quiz import Quiz, legacy_ids

    catalog = load_catalog()
    return legacy_ids(Quiz(read_studied_guides(BUILTIN_GUIDES, catalog=catalog), catalog))


def endpoints(demo) -> dict:
    """The app's endpoints called in this process: each returns its outputs in the API's order
    (a handler returns ``{component: value}``). Each call runs its handler once: an answer is
    saved once."""

    def call(event):
        def outputs(*args):
            given = event.fn(*args)
            return [given[output] for output in event.outputs]

        return outputs

    return {event.api_name: call(event) for event in demo.fns.values() if event.fn}


def card_id(name: str) -> str:
    """A quiz card's id, from the readable name ids had before they stopped naming the answer:
    ``card_id("pair:Clusters#1:true")`` is the Clusters pair's Right statement's card."""
    return _legacy_ids()[name]


@pytest.fixture(scope="session")
def guide():
    return read_guide(DEFAULT_GUIDE)


@pytest.fixture(scope="session")
def graph(guide):
    return build_graph(guide)


@pytest.fixture(scope="session")
def embedder():
    """The model as the tutor runs it by default: its ONNX export (made at its first use)."""
    from tutor.search.embed import embedder_for

    return embedder_for(Settings())


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    """The session tutor's own cache, starting with a copy of the index `make index` built."""
    cache = tmp_path_factory.mktemp("cache")
    _warm_copy(Path(os.environ["ECS_TUTOR_CACHE"]), cache, models=False)
    return cache


@pytest.fixture(scope="session")
def tutor(embedder, cache_dir):
    """The tutor as shipped: the built-in guides studied together."""
    return Tutor.open(Settings(cache_dir=cache_dir), embedder=embedder)


@pytest.fixture(scope="session")
def seed_cache_dir(tmp_path_factory):
    """The seed-only tutor's cache: an index for one guide set per cache folder, since a build
    removes the other indexes in its folder (``cache_dir`` keeps the built-in guides' one)."""
    return tmp_path_factory.mktemp("seed-cache")


@pytest.fixture(scope="session")
def seed_tutor(embedder, seed_cache_dir):
    """The tutor of the seed guide alone, for what only it shows (its errata, its own items)."""
    settings = Settings(guides=(DEFAULT_GUIDE,), cache_dir=seed_cache_dir)
    return Tutor.open(settings, embedder=embedder)


@contextmanager
def served_app(
    tutor, store=None, *, library=None, accounts=None, progress_db=None, **launch
) -> Iterator[tuple[object, str]]:
    """The real app for ``tutor`` served on 127.0.0.1 (a free port): ``(demo, url)``; with
    ``accounts``, behind their sign-in.

    Uploaded guides go to ``library``, or to the database ``progress_db`` (by default one in a
    throw-away folder: never the project's own)."""
    import app

    with tempfile.TemporaryDirectory(prefix="ecs-tutor-app-") as scratch:
        settings = Settings(
            cache_dir=Path(scratch) / "cache",
            data_dir=Path(scratch) / "data",
            progress_db=progress_db,
        )
        demo = app.build_app(tutor, store, library=library, settings=settings, accounts=accounts)
        demo.queue()
        _, url, _ = app.launch(
            demo,
            accounts=accounts,
            server_name="127.0.0.1",
            prevent_thread_lock=True,
            quiet=True,
            **launch,
        )
        try:
            yield demo, url
        finally:
            demo.close()


@contextmanager
def new_database(kind: str, folder: Path) -> Iterator[str]:
    """A new progress database's URL: ``kind`` "sqlite", a file in ``folder``; "postgresql", a
    new database on the server at ``TEST_POSTGRES_URL``, dropped afterwards (skipped,
    saying why, without that server; CI always has one: .ci/run)."""
    from tutor.study.progress import progress_url

    if kind == "sqlite":
        yield progress_url(folder)
        return
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set TEST_POSTGRES_URL (.ci/run does)")
    from uuid import uuid4

    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"ecs_tutor_test_{uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[str]:
    """A progress database for one test, on SQLite and then on PostgreSQL."""
    with new_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(request, tmp_path_factory) -> Iterator[str]:
    """A progress database for a module's tests, on SQLite and then on PostgreSQL."""
    with new_database(request.param, tmp_path_factory.mktemp("progress")) as url:
        yield url
