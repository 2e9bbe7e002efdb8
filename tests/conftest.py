"""Shared fixtures: the real guide, graph, model and tutor, each built once per session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest import read_guide
from kg import build_graph
from tutor import Settings, Tutor
from tutor.config import DEFAULT_GUIDE


def pytest_configure(config: pytest.Config) -> None:
    # The model is on disk; make sure nothing ever tries the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


class CountingEmbedder:
    """The real model, counting how many texts it was asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.texts = inner, inner.name, inner.dim, 0

    def __call__(self, texts):
        self.texts += len(texts)
        return self.inner(texts)


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
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def tutor(embedder, cache_dir):
    return Tutor.open(Settings(cache_dir=cache_dir), embedder=embedder)


@contextmanager
def served_app(tutor, store=None, *, library=None, **launch) -> Iterator[tuple[object, str]]:
    """The real app for ``tutor`` served on 127.0.0.1 (a free port): ``(demo, url)``.

    Uploaded guides go to ``library``, or to a throw-away folder: never the project's own."""
    import app

    with tempfile.TemporaryDirectory(prefix="ecs-tutor-app-") as scratch:
        settings = Settings(cache_dir=Path(scratch) / "cache", data_dir=Path(scratch) / "data")
        demo = app.build_app(tutor, store, library=library, settings=settings)
        demo.queue()
        _, url, _ = app.launch(
            demo, server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, **launch
        )
        try:
            yield demo, url
        finally:
            demo.close()
