"""Uploaded guides: checked, stored under a safe name, indexed apart, and studied through their own
tutor; a refused upload leaves nothing behind and touches nothing that was there."""

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CountingEmbedder

from ingest import load_catalog, paraphrases_path
from tutor import Settings, files
from tutor.config import DEFAULT_EXAMPLES
from tutor.errors import IndexNotSaved
from tutor.search.index import PARAPHRASE
from tutor.study import library as library_module
from tutor.study.library import (
    BUILTIN_KEY,
    MAX_GUIDE_BYTES,
    GuideLibrary,
    GuideNotFound,
    GuideRefused,
    StoredGuide,
    display_name,
    read_upload,
    store_guide,
)
from tutor.study.progress import ProgressStore
from tutor.study.quiz import Quiz

EKS = (Path(__file__).parent / "fixtures" / "eks-mini.md").read_bytes()

# A guide of our own in the ECS guide's format; line numbers matter to the tests below.
NOTES = """\
# {title}

#### Queues

1. **Visibility Timeout**: How long a received message stays hidden from other consumers.
   * **Example Scenario**: A worker that needs two minutes per job sets a three-minute timeout.
   * **Misconceptions**:
     * **Wrong**: A received message is deleted from the queue at once.
     * **Right**: A received message stays in the queue until the consumer deletes it.
2. **Dead-Letter Queue**: Where messages go after failing too many times.
"""
WRONG, RIGHT, SECOND = 8, 9, 10  # line numbers in NOTES


def _notes(title: str = "Queue Notes") -> bytes:
    return NOTES.format(title=title).encode()


UNTITLED = _notes().split(b"\n", 2)[2]  # the parser names such a guide after its file
SCENARIO_ONLY = b"""\
#### Example Scenarios

**Night Batch**

**Scenario**: A team runs reports every night.

**Solution**:

1. **Schedule**: Start a task from a scheduled rule.

**Misconceptions**:

* **Wrong**: Scheduled tasks need a server running all day.
* **Right**: A scheduled rule starts the task only when it is due.
"""


def _edited(number: int, replacement: list[str]) -> bytes:
    """NOTES with line ``number`` replaced by ``replacement`` (no lines: deleted)."""
    lines = _notes().decode().splitlines()
    return ("\n".join(lines[: number - 1] + replacement + lines[number:]) + "\n").encode()


def _sha12(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:12]


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``root`` with its bytes and modification time (not the store's lock
    file, which the first upload makes and every later one shares)."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".store.lock"
    }


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")


@pytest.fixture
def library(settings, embedder, tutor):
    return GuideLibrary(settings, embedder, builtin=tutor)


def test_an_uploaded_guide_is_stored_listed_and_studied_with_its_own_tutor(library, tutor):
    stored = library.add("eks-mini.md", EKS)

    key = f"aws-eks-{_sha12(EKS)}"
    guides = library.folder
    assert stored == StoredGuide(key, "AWS EKS", guides / f"{key}.md", items=10, pairs=8)
    assert stored.path.read_bytes() == EKS
    assert library.guides() == [
        StoredGuide(
            BUILTIN_KEY,
            "AWS ECS + Amazon ECS in Depth",
            library.settings.guides[0],
            len(tutor.guide.items),
            len(tutor.guide.pairs),
        ),
        stored,
    ]
    eks = library.tutor(key)
    assert eks is not tutor and eks.guide.title == "AWS EKS"
    verdict = eks.check("Every worker node in a cluster must use the same instance type")
    assert (verdict.verdict, verdict.title) == ("misconception", "Worker Nodes")
    answer = eks.ask("How does a pod get its own IAM permissions?")
    assert answer.sources[0].title == "IAM Roles for Service Accounts"
    index_dirs = [path.name for path in (library.settings.cache_dir / "guides" / key).iterdir()]
    index_dirs.remove(".index.lock")  # the build lock's file, which stays
    assert [name.startswith("index-") for name in index_dirs] == [True]


def test_the_builtin_guide_is_the_tutor_the_app_was_started_with(library, tutor):
    assert library.tutor(BUILTIN_KEY) is tutor


def test_an_untitled_guide_is_named_after_its_file(settings):
    stored = store_guide(settings.data_dir, "My Queue Notes.md", UNTITLED)
    assert (stored.key, stored.title) == (f"my-queue-notes-{_sha12(UNTITLED)}", "my-queue-notes")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("notes.pdf", _notes(), "notes.pdf: a guide must be a .md, .markdown or .txt file"),
        ("notes", _notes(), "notes: a guide must be a .md, .markdown or .txt file"),
        ("evil\n\x00name.md.exe", _notes(),
         "evil name.md.exe: a guide must be a .md, .markdown or .txt file"),
        ("notes.md", b"", "notes.md: the file is empty"),
        ("notes.md", b" \n\t\n", "notes.md:1: the guide is empty"),
        ("notes.md", b"\xef\xbb\xbf", "notes.md:1: the guide is empty"),
        ("notes.md", _notes().replace(b"worker", b"w\xf6rker"),
         "notes.md:6: the guide is not valid UTF-8: save it as UTF-8"),
        ("notes.md", _notes().decode().encode("utf-16"),
         "notes.md:1: the guide is not valid UTF-8: save it as UTF-8"),
        ("notes.md", _notes().replace(b"deleted from", b"deleted\x00from"),
         f"notes.md:{WRONG}: binary content (NUL byte): a guide is a text file"),
        ("notes.md", _edited(RIGHT, []), f"notes.md:{WRONG}: Wrong without a Right"),
        ("notes.md", _edited(SECOND, ["2. Where messages go after failing."]),
         f"notes.md:{SECOND}: a numbered entry needs a bold title: '1. **Title**: text'"),
        ("notes.md", _edited(SECOND, ["2. **Visibility Timeout**: Again."]),
         f"notes.md:{SECOND}: duplicate title 'Visibility Timeout' in Queues (first on line 5)"),
        ("notes.md", b"# Notes\n\n#### Queues\n\nJust prose.\n",
         "notes.md:1: no items found: expected numbered '1. **Title**: description' lines"),
        ("notes.md", SCENARIO_ONLY, "notes.md: no items to study: add '1. **Title**: text' lines"),
        ("notes.md", _edited(7, []), "notes.md:7: 'Wrong' outside a Misconceptions list"),
        ("notes.md", b"".join(_notes().splitlines(keepends=True)[:6]),
         "notes.md: no misconceptions to check claims against: add a '* **Wrong**: ...' line"
         " followed by '* **Right**: ...'"),
        ("../../home/ana/secret/broken.md", _edited(RIGHT, []),
         f"broken.md:{WRONG}: Wrong without a Right"),
        ("C:\\Users\\ana\\broken.txt", _edited(RIGHT, []),
         f"broken.txt:{WRONG}: Wrong without a Right"),
    ],
)  # fmt: skip
def test_a_bad_upload_is_refused_with_name_line_and_what(tmp_path, filename, content, message):
    with pytest.raises(GuideRefused) as refused:
        store_guide(tmp_path / "data", filename, content)
    assert str(refused.value) == message
    assert _files(tmp_path) == {}


def test_a_guide_of_exactly_the_size_limit_is_stored_and_one_byte_more_is_refused(tmp_path):
    assert MAX_GUIDE_BYTES == 512 * 1024
    at_limit = _notes() + b"\n" * (MAX_GUIDE_BYTES - len(_notes()))
    assert store_guide(tmp_path, "big.md", at_limit).path.read_bytes() == at_limit
    with pytest.raises(GuideRefused) as refused:
        store_guide(tmp_path, "big.md", at_limit + b"\n")
    assert str(refused.value) == "big.md: 524,289 bytes is over the limit of 524,288 bytes"


def test_an_upload_is_read_no_further_than_one_byte_over_the_limit(tmp_path):
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"x" * (MAX_GUIDE_BYTES + 4096))
    assert len(read_upload(huge)) == MAX_GUIDE_BYTES + 1


@pytest.mark.parametrize(
    ("filename", "slug"),
    [
        ("../../etc/passwd.md", "passwd"),
        ("/etc/cron.d/job.md", "job"),
        ("C:\\x\\y.md", "y"),
        ("..\\..\\windows\\win.ini.md", "win-ini"),
        ("....//....//x.md", "x"),
        ("ＥＣＳ／..／fullwidth.md", "fullwidth"),
        ("a\x00b.md", "a-b"),
        ("line\nbreak.md", "line-break"),
        ("x" * 300 + ".md", "x" * 40),
        ("%2e%2e%2fetc.md", "2e-2e-2fetc"),
        ("Ünïcödé Nötes.markdown", "unicode-notes"),
        ("!!!.txt", "guide"),
    ],
)
def test_any_upload_name_is_stored_inside_the_guides_folder_with_a_safe_name(
    tmp_path, filename, slug
):
    stored = store_guide(tmp_path / "data", filename, UNTITLED)
    assert stored.path == tmp_path / "data" / "guides" / f"{slug}-{_sha12(UNTITLED)}.md"
    assert list(_files(tmp_path)) == [f"data/guides/{stored.path.name}"]


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\x\\y.md", "y.md"),
        ("tab\tand\r\nbreaks.md", "tab and breaks.md"),
        ("", "upload"),
        ("../", "upload"),
        ("y" * 300 + ".md", "y" * 76 + "….md"),
    ],
)
def test_an_upload_name_is_shown_as_one_short_line_without_its_path(filename, shown):
    assert display_name(filename) == shown
    assert len(display_name(filename)) <= 80


def test_the_same_guide_uploaded_twice_is_stored_once(settings):
    first = store_guide(settings.data_dir, "Queue.md", UNTITLED)
    before = _files(settings.data_dir)
    assert store_guide(settings.data_dir, "Queue.md", UNTITLED) == first
    assert store_guide(settings.data_dir, "renamed copy.txt", UNTITLED) == first
    assert _files(settings.data_dir) == before


def test_adding_a_stored_guide_again_gives_the_same_key_and_tutor(library):
    first = library.add("notes.md", _notes())
    opened = library.tutor(first.key)
    assert library.add("notes-again.md", _notes()) == first
    assert library.tutor(first.key) is opened
    assert [stored.key for stored in library.guides()] == [BUILTIN_KEY, first.key]


def test_a_refused_upload_leaves_the_stored_guides_and_their_indexes_untouched(library, tmp_path):
    stored = library.add("eks-mini.md", EKS)
    library.tutor(stored.key)
    before = _files(tmp_path)
    assert any(name.startswith("cache/guides/") for name in before)
    for filename, content in [
        ("eks-mini.md", EKS.replace(b"* **Right**: AWS runs", b"* **Left**: AWS runs")),
        ("eks-mini.md", EKS[:100] + b"\xff" + EKS[100:]),
        ("eks-mini.md", b""),
        ("eks-mini.pdf", EKS),
        ("../eks-mini.md", EKS + b"\n" * MAX_GUIDE_BYTES),
    ]:
        with pytest.raises(GuideRefused):
            library.add(filename, content)
    assert _files(tmp_path) == before
    assert [found.key for found in library.guides()] == [BUILTIN_KEY, stored.key]


def test_an_upload_that_cannot_be_indexed_is_refused_and_not_kept(tmp_path, embedder, tutor):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the index cache should be")
    settings = Settings(data_dir=tmp_path / "data", cache_dir=not_a_folder)
    library = GuideLibrary(settings, embedder, builtin=tutor)
    with pytest.raises(GuideRefused) as refused:
        library.add("../notes.md", _notes())
    assert str(refused.value) == "notes.md: the guide could not be indexed"
    assert isinstance(refused.value.__cause__, IndexNotSaved)
    assert str(refused.value.__cause__).endswith(": Not a directory")
    assert list(_files(tmp_path / "data")) == []
    assert [found.key for found in library.guides()] == [BUILTIN_KEY]


def test_at_most_max_open_tutors_are_kept_and_the_least_recently_used_goes_first(
    settings, embedder, tutor
):
    counting = CountingEmbedder(embedder)
    library = GuideLibrary(settings, counting, builtin=tutor, max_open=2)
    a, b, c = (library.add(f"{name}.md", _notes(f"Notes {name}")).key for name in "abc")
    assert library.open_keys == (b, c)
    embedded = counting.texts
    assert library.tutor(a) is library.tutor(a)
    assert library.open_keys == (c, a)
    library.tutor(c)
    assert library.open_keys == (a, c)
    library.tutor(BUILTIN_KEY)  # the app's own tutor is kept apart and never dropped
    assert library.open_keys == (a, c)
    assert counting.texts == embedded  # a reopened guide loads its index; nothing is embedded


def test_threads_asking_for_one_guide_share_one_tutor_built_once(settings, embedder, tutor):
    stored = store_guide(settings.data_dir, "notes.md", _notes())
    counting = CountingEmbedder(embedder)
    library = GuideLibrary(settings, counting, builtin=tutor)
    with ThreadPoolExecutor(max_workers=8) as pool:
        opened = list(pool.map(library.tutor, [stored.key] * 16))
    assert all(each is opened[0] for each in opened)
    assert counting.texts == opened[0].index.manifest["embedded"] > 0


@pytest.mark.parametrize(
    "key",
    ["nope", "", "../../etc/passwd", "guides/../x", "aws-eks-000000000000", "Aws-0123456789ab"],
)
def test_an_unknown_key_is_a_clear_error(library, key):
    with pytest.raises(GuideNotFound, match=r"^no guide '.*' in the library: upload it again$"):
        library.tutor(key)


def test_a_link_planted_in_the_guides_folder_is_neither_listed_nor_opened(library, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_bytes(_notes())
    library.folder.mkdir(parents=True)
    (library.folder / "planted-0123456789ab.md").symlink_to(outside)
    assert [found.key for found in library.guides()] == [BUILTIN_KEY]
    with pytest.raises(GuideNotFound):
        library.tutor("planted-0123456789ab")


def test_the_library_refuses_new_guides_when_full_but_accepts_a_stored_one(settings, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_STORED_GUIDES", 2)
    first = store_guide(settings.data_dir, "a.md", _notes("A"))
    store_guide(settings.data_dir, "b.md", _notes("B"))
    with pytest.raises(GuideRefused, match=r"^c\.md: the library is full \(2 guides\); remove one"):
        store_guide(settings.data_dir, "c.md", _notes("C"))
    assert store_guide(settings.data_dir, "a-again.md", _notes("A")) == first


def test_a_removed_guide_leaves_no_file_index_or_tutor_and_the_others_are_untouched(
    library, settings
):
    kept = library.add("notes.md", _notes("Kept Notes"))
    gone = library.add("eks-mini.md", EKS)
    quiz = Quiz(library.tutor(gone.key).guide, load_catalog())
    progress = ProgressStore(library.progress_url(gone.key), quiz=quiz)
    progress.review("ana", quiz.cards[0].id, "true")
    progress.close()
    before = _files(settings.data_dir) | _files(settings.cache_dir)
    assert gone.key in library.open_keys

    assert library.remove(gone.key) == gone
    assert [found.key for found in library.guides()] == [BUILTIN_KEY, kept.key]
    assert gone.key not in library.open_keys
    assert not gone.path.exists()
    assert not (settings.cache_dir / "guides" / gone.key).exists()
    with pytest.raises(GuideNotFound, match="upload it again"):
        library.tutor(gone.key)
    with pytest.raises(GuideNotFound):
        library.remove(gone.key)
    after = _files(settings.data_dir) | _files(settings.cache_dir)
    kept_progress = f"guides/{gone.key}.progress.db"
    assert kept_progress in before and after[kept_progress] == before[kept_progress]
    assert after == {
        name: value
        for name, value in before.items()
        # the removed guide's file and index folder, nothing else: its progress stays
        if gone.key not in name or name == kept_progress
    }
    verdict = library.tutor(kept.key).check("A received message is deleted from the queue at once")
    assert verdict.verdict == "misconception"


def test_the_builtin_guide_cannot_be_removed(library, tutor):
    with pytest.raises(GuideRefused, match="^the built-in guide cannot be removed$"):
        library.remove(BUILTIN_KEY)
    assert library.tutor(BUILTIN_KEY) is tutor


def test_a_full_library_takes_a_new_guide_once_one_is_removed(library, settings, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_STORED_GUIDES", 1)
    first = library.add("a.md", _notes("A"))
    with pytest.raises(GuideRefused, match="full"):
        library.add("b.md", _notes("B"))
    library.remove(first.key)
    assert library.add("b.md", _notes("B")).title == "B"


def test_an_uploaded_guide_gets_no_labelled_examples_and_paraphrases_only_from_beside_it(
    tmp_path, embedder, tutor
):
    # Examples set for the ECS guide would name pairs this guide does not have.
    settings = Settings(
        data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", examples=str(DEFAULT_EXAMPLES)
    )
    stored = GuideLibrary(settings, embedder, builtin=tutor).add("notes.md", _notes())
    beside = paraphrases_path(stored.path)
    assert beside == stored.path.parent / f"{stored.key}.paraphrases.json"
    fresh = GuideLibrary(settings, embedder, builtin=tutor)
    assert not any(doc.field.endswith(PARAPHRASE) for doc in fresh.tutor(stored.key).index.docs)

    phrasing = {"version": 1, "items": {"Dead-Letter Queue": ["where failed messages end up"]}}
    beside.write_text(json.dumps(phrasing))
    fields = [doc.field for doc in GuideLibrary(settings, embedder).tutor(stored.key).index.docs]
    assert fields.count("item" + PARAPHRASE) == 1


def test_a_dead_writes_old_temp_file_is_swept_and_a_young_one_is_left(settings, embedder, tutor):
    folder = Path(settings.data_dir) / library_module.GUIDES_FOLDER
    folder.mkdir(parents=True)
    old, young = folder / ".upload-dead.tmp", folder / ".upload-busy.tmp"
    old.write_bytes(b"half a gui")
    young.write_bytes(b"half a gui")
    hours_ago = old.stat().st_mtime - 2 * files.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    GuideLibrary(settings, embedder, builtin=tutor)
    assert not old.exists() and young.exists()


def test_each_guide_keeps_its_progress_in_its_own_database(library, settings):
    stored = library.add("notes.md", _notes())
    assert (
        library.progress_url(BUILTIN_KEY) == f"sqlite:///{settings.data_dir.resolve()}/progress.db"
    )
    own = library.progress_url(stored.key)
    assert own == f"sqlite:///{stored.path.resolve().with_suffix('.progress.db')}"
    with pytest.raises(GuideNotFound):
        library.progress_url("nope-000000000000")
    chosen = settings.with_(progress_db="sqlite:////tmp/elsewhere.db")
    assert GuideLibrary(chosen, library.embedder).progress_url(BUILTIN_KEY) == (
        "sqlite:////tmp/elsewhere.db"
    )
