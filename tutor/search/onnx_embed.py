"""The embedding model exported to ONNX and run with onnxruntime.

Same vectors as sentence-transformers (they differ by ~1e-7), about twice as fast for one short
text on a 2-core CPU, and no torch import once the model is exported. The export is made once per
model folder from the local weights (torch is needed for that step only) and kept in the cache;
a new export removes the older ones of the same model folder (``prune``):

    session = OnnxEncoder.open(model_dir, export_dir)   # exports on first use
    session(["Fargate runs tasks without servers."])    # -> (1, 384) float32, L2-normalised

Only the plain sentence-transformers layout is exported: a Transformer, mean pooling and an
optional Normalize. ``unsupported(model_dir)`` says why another model is not, and the caller then
uses sentence-transformers itself.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from tutor import files

# Bump when the exported graph changes: an export made by an older recipe is then made again.
EXPORT_VERSION = 2
SOURCE = "source.txt"  # beside model.onnx: the model folder it was exported from
_SUPPORTED_MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)


# A batch's attention scores grow with its rows times its width squared: at most this many
# token pairs a batch (64 texts of 96 tokens), so that one long text does not make the whole
# batch of 64 as wide as itself. Ingest's peak memory then no longer follows the longest text.
TOKEN_PAIRS = 64 * 96 * 96


def batch_rows(width: int, batch_size: int) -> int:
    """How many texts of at most ``width`` tokens one batch holds: ``batch_size``, fewer when
    they are long (``TOKEN_PAIRS``), never none."""
    return max(1, min(batch_size, TOKEN_PAIRS // max(width, 1) ** 2))


def unsupported(model_dir: str | Path) -> str | None:
    """Why ``model_dir`` cannot run through ONNX here, or None if it can."""
    folder = Path(model_dir)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no readable modules.json"
    kinds = tuple(module.get("type", "") for module in modules)
    if kinds not in (_SUPPORTED_MODULES, _SUPPORTED_MODULES[:2]):
        return f"modules {', '.join(kinds)} (only Transformer, mean Pooling, Normalize)"
    if modules[0].get("path"):
        return "the transformer is in a subfolder"
    # Settings sentence-transformers applies around the transformer, which this graph does not.
    settings = _json(folder / "sentence_bert_config.json")
    if settings.get("do_lower_case"):
        return "do_lower_case is set"
    if _json(folder / "config_sentence_transformers.json").get("default_prompt_name"):
        return "a default prompt is set"
    pooling = _json(folder / modules[1].get("path", "") / "config.json")
    modes = [key for key, on in pooling.items() if key.startswith("pooling_mode_") and on]
    if modes != ["pooling_mode_mean_tokens"]:
        return f"pooling {modes} (only mean pooling)"
    if not (folder / "tokenizer.json").is_file():
        return "no tokenizer.json (a fast tokenizer is needed)"
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "onnxruntime is not installed"
    return None


def fingerprint(model_dir: str | Path) -> str:
    """Names the export of one model folder: its files' names, sizes and times (the change time
    too: weights copied over the old ones with their times kept still change it), and the
    recipe."""
    folder = Path(model_dir).resolve()
    digest = hashlib.sha256(f"{EXPORT_VERSION}\n{folder}\n".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        times = f"{stat.st_mtime_ns}\t{stat.st_ctime_ns}"
        digest.update(f"{path.relative_to(folder)}\t{stat.st_size}\t{times}\n".encode())
    return digest.hexdigest()[:16]


def _json(path: Path) -> dict:
    """A small JSON settings file, or {} if it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _max_seq_length(folder: Path) -> int:
    """The longest input in tokens, as sentence-transformers cuts it: its own setting, never more
    than the transformer's positions."""
    positions = int(_json(folder / "config.json").get("max_position_embeddings") or 512)
    wanted = int(_json(folder / "sentence_bert_config.json").get("max_seq_length") or positions)
    return min(wanted, positions)


def export(model_dir: str | Path, target: Path) -> None:
    """Write the model's token embeddings → mean pooling → L2 norm graph to ``target``, with a
    bar on stderr while it runs (it takes a while, once per model).

    Written to a temporary file and renamed: a killed export leaves no half-written model.
    """
    from tutor.search.embed import progress_bar

    with progress_bar(3, "Exporting the embedding model to ONNX (once)", unit="step") as bar:
        bar.set_postfix_str("loading the weights")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        pooled = _pooled(model[0].auto_model)
        bar.update()
        bar.set_postfix_str("tracing the graph")
        sample = model.tokenizer(["a sample sentence"], return_tensors="pt")
        # Models without segment ids (DistilBERT, MPNet) take only the first two inputs.
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
        axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"embedding": {0: "batch"}}
        target.parent.mkdir(parents=True, exist_ok=True)
        # 0o644: the model is no secret. The temporary name is one killed exports' leftovers
        # are known by (``files.replacing`` removes the stale ones).
        with files.replacing(target, prefix=".export-", suffix=".onnx", mode=0o644) as tmp:
            # The tracer warns about Python conditions it records as constants; for a fixed
            # model on one device they are constants, and the warnings would only alarm.
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    pooled,
                    tuple(sample[name] for name in names),
                    str(tmp),
                    input_names=names,
                    output_names=["embedding"],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
            bar.update()
            bar.set_postfix_str("writing it")
        files.atomic_write(target.parent / SOURCE, f"{Path(model_dir).resolve()}\n")
        bar.update()


def _pooled(transformer):
    """The transformer, mean pooling and L2 normalisation as one ``torch.nn.Module``, in eval
    mode (the transformer with it: ``eval()`` reaches every submodule)."""
    import torch

    class _Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            tokens = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, **extra
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            # Always normalised, as the torch path asks sentence-transformers for: a model without
            # a Normalize module must give the same vectors either way.
            return torch.nn.functional.normalize(pooled, dim=-1)

    return _Pooled().eval()


def prune(export_dir: Path, keep: Path) -> list[Path]:
    """Remove the older exports of the model that ``keep`` (an export's folder) was made from:
    each export is ~90 MB, and one made before the model or the recipe changed is never used
    again. Exports of other models, and those that do not say where they came from, stay."""
    source = _source(keep)
    if source is None:
        return []
    removed = []
    for folder in Path(export_dir).iterdir():
        if folder.is_dir() and folder != keep and _source(folder) == source:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _source(folder: Path) -> str | None:
    try:
        return (folder / SOURCE).read_text(encoding="utf-8").strip()
    except OSError:
        return None


class OnnxEncoder:
    """A tokenizer and an onnxruntime session: texts in, normalised float32 rows out."""

    def __init__(self, model_dir: str | Path, onnx_path: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json may carry its own padding and truncation (this model's pads every text to
        # 128 tokens); sentence-transformers truncates at max_seq_length and pads to the longest.
        self._tokenizer.enable_truncation(max_length=_max_seq_length(folder))
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initialisers are not the user's
        self._session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [node.name for node in self._session.get_inputs()]
        # The graph names its width symbolically: it is measured on one text instead.
        self.dim = int(self(["dimension"]).shape[1])

    @classmethod
    def open(cls, model_dir: str | Path, export_dir: Path) -> OnnxEncoder:
        """The model's export in ``export_dir``, made first if it is not there yet; an export
        that does not load is made again, once."""
        target = Path(export_dir) / fingerprint(model_dir) / "model.onnx"
        if target.is_file():
            try:
                return cls(model_dir, target)
            except Exception:  # onnxruntime raises its own kinds for a damaged file
                target.unlink(missing_ok=True)
        export(model_dir, target)
        prune(Path(export_dir), target.parent)
        return cls(model_dir, target)

    def __call__(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Normalised float32 rows, one per text; ``progress(n)`` hears of each batch of n."""
        encodings = self._tokenizer.encode_batch(list(texts))
        rows: np.ndarray | None = None
        # Like sentence-transformers: batches of similar length, so that little is padding.
        order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
        start = 0
        while start < len(order):
            width = len(encodings[order[start]].ids)  # the longest left: it pads this batch
            chosen = order[start : start + batch_rows(width, batch_size)]
            start += len(chosen)
            feed = {name: np.zeros((len(chosen), width), dtype=np.int64) for name in self._inputs}
            for row, i in enumerate(chosen):
                encoding = encodings[i]
                size = len(encoding.ids)
                feed["input_ids"][row, :size] = encoding.ids
                feed["attention_mask"][row, :size] = encoding.attention_mask
                if "token_type_ids" in feed:
                    feed["token_type_ids"][row, :size] = encoding.type_ids
            vectors = self._session.run(None, feed)[0]
            if rows is None:
                rows = np.zeros((len(encodings), vectors.shape[1]), dtype=np.float32)
            rows[chosen] = vectors
            if progress:
                progress(len(chosen))
        return rows if rows is not None else np.zeros((0, self.dim), dtype=np.float32)
