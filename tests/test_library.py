"""Uploaded guides: checked, kept in the database per owner under a safe key, indexed apart, and
studied through their own tutor; a refused upload leaves nothing behind and touches nothing that
was there."""

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fsrs
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
    check_upload,
    display_name,
    guide_key,
    read_upload,
)
from tutor.study.progress import ProgressStore, progress_url
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
    assert stored == StoredGuide(key, "AWS EKS", items=10, pairs=8)
    assert library._content(key) == ("AWS EKS", EKS)  # in the database
    assert (library.cache / f"{key}.md").read_bytes() == EKS  # a cache
    assert not (library.settings.data_dir / "guides").exists()
    assert library.guides() == [
        StoredGuide(
            BUILTIN_KEY,
            "AWS ECS + Amazon ECS in Depth",
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
    index_dirs = [path.name for path in (library.cache / key).iterdir()]
    index_dirs.remove(".index.lock")  # the build lock's file, which stays
    assert [name.startswith("index-") for name in index_dirs] == [True]


def test_the_builtin_guide_is_the_tutor_the_app_was_started_with(library, tutor):
    assert library.tutor(BUILTIN_KEY) is tutor


def test_an_untitled_guide_is_named_after_its_file_on_every_replica(library, settings, embedder):
    stored = library.add("My Queue Notes.md", UNTITLED)
    assert (stored.key, stored.title) == (f"my-queue-notes-{_sha12(UNTITLED)}", "My Queue Notes")
    other = GuideLibrary(settings.with_(cache_dir=settings.cache_dir / "other"), embedder)
    assert other.guides()[1] == stored
    assert other.tutor(stored.key).guide.title == "My Queue Notes"


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
def test_a_bad_upload_is_refused_with_name_line_and_what(filename, content, message):
    with pytest.raises(GuideRefused) as refused:
        check_upload(filename, content)
    assert str(refused.value) == message


def test_a_guide_of_exactly_the_size_limit_is_kept_and_one_byte_more_is_refused(library):
    assert MAX_GUIDE_BYTES == 512 * 1024
    at_limit = _notes() + b"\n" * (MAX_GUIDE_BYTES - len(_notes()))
    assert library._content(library.add("big.md", at_limit).key)[1] == at_limit
    with pytest.raises(GuideRefused) as refused:
        library.add("big.md", at_limit + b"\n")
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
def test_any_upload_name_gives_a_safe_key(filename, slug):
    assert guide_key(check_upload(filename, UNTITLED), UNTITLED) == f"{slug}-{_sha12(UNTITLED)}"


def test_an_upload_writes_no_file_but_its_cached_text_and_index(library, tmp_path):
    stored = library.add("../../etc/passwd.md", UNTITLED)
    assert stored.key == f"passwd-{_sha12(UNTITLED)}"
    written = {name for name in _files(tmp_path) if not name.startswith("data/progress.db")}
    folder = library.cache.relative_to(tmp_path)
    assert folder.parent == Path("cache/guides") and folder.name.startswith("db_")
    assert {name.split("/index-")[0] for name in written} == {
        f"{folder}/{stored.key}.md",
        f"{folder}/{stored.key}",
        f"{folder}/{stored.key}/.index.lock",
    }


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


def test_the_same_guide_uploaded_twice_is_kept_once(library):
    first = library.add("Queue.md", UNTITLED)
    assert library.add("Queue.md", UNTITLED) == first
    assert library.add("renamed copy.txt", UNTITLED).key == first.key
    assert [found.key for found in library.guides()] == [BUILTIN_KEY, first.key]


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
    assert [found.key for found in library.guides()] == [BUILTIN_KEY]
    assert not library.held(guide_key(check_upload("notes.md", _notes()), _notes()))


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
    stored = GuideLibrary(settings, embedder, builtin=tutor).add("notes.md", _notes())
    counting = CountingEmbedder(embedder)
    elsewhere = settings.with_(cache_dir=settings.cache_dir / "replica")  # nothing built yet
    library = GuideLibrary(elsewhere, counting, builtin=tutor)
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


def test_a_link_planted_in_the_old_guides_folder_is_neither_moved_nor_opened(
    settings, embedder, tutor, tmp_path
):
    outside = tmp_path / "outside.md"
    outside.write_bytes(_notes())
    old = settings.data_dir / "guides"
    old.mkdir(parents=True)
    (old / "planted-0123456789ab.md").symlink_to(outside)
    library = GuideLibrary(settings, embedder, builtin=tutor)
    assert [found.key for found in library.guides()] == [BUILTIN_KEY]
    with pytest.raises(GuideNotFound):
        library.tutor("planted-0123456789ab")
    assert (old / "planted-0123456789ab.md").is_symlink()


def test_each_owner_may_keep_max_stored_guides_and_a_kept_one_again(library, monkeypatch):
    monkeypatch.setattr(library_module, "MAX_STORED_GUIDES", 2)
    first = library.add("a.md", _notes("A"), "ana")
    library.add("b.md", _notes("B"), "ana")
    with pytest.raises(GuideRefused, match=r"^c\.md: the library is full \(2 guides\); remove one"):
        library.add("c.md", _notes("C"), "ana")
    assert library.add("a-again.md", _notes("A"), "ana") == first
    assert library.add("c.md", _notes("C"), "ben").title == "C"  # ben's own count


def test_a_removed_guide_leaves_no_file_index_or_tutor_and_the_others_are_untouched(
    library, settings
):
    kept = library.add("notes.md", _notes("Kept Notes"))
    gone = library.add("eks-mini.md", EKS)
    quiz = Quiz(library.tutor(gone.key).guide, load_catalog())
    progress = ProgressStore(library.url, quiz=quiz, upload=gone.key)
    progress.review("ana", quiz.cards[0].id, "true")
    progress.close()
    before = _files(settings.cache_dir)
    assert gone.key in library.open_keys

    assert library.remove(gone.key) == gone
    assert [found.key for found in library.guides()] == [BUILTIN_KEY, kept.key]
    assert gone.key not in library.open_keys
    assert not library.held(gone.key)
    with pytest.raises(GuideNotFound, match="upload it again"):
        library.tutor(gone.key)
    with pytest.raises(GuideNotFound):
        library.remove(gone.key)
    # the removed guide's text and index folder, nothing else
    assert _files(settings.cache_dir) == {
        name: value for name, value in before.items() if gone.key not in name
    }
    # Its progress stays: the same bytes again find it.
    again = library.add("eks-mini.md", EKS)
    progress = ProgressStore(
        library.url, quiz=Quiz(library.tutor(again.key).guide, load_catalog()), upload=again.key
    )
    assert [day.reviews for day in progress.history("ana")] == [1]
    progress.close()
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
    library = GuideLibrary(settings, embedder, builtin=tutor)
    stored = library.add("notes.md", _notes())
    cached = library.cache / f"{stored.key}.md"
    beside = paraphrases_path(cached)
    assert beside == cached.parent / f"{stored.key}.paraphrases.json"
    fresh = GuideLibrary(settings, embedder, builtin=tutor)
    assert not any(doc.field.endswith(PARAPHRASE) for doc in fresh.tutor(stored.key).index.docs)

    phrasing = {"version": 1, "items": {"Dead-Letter Queue": ["where failed messages end up"]}}
    beside.write_text(json.dumps(phrasing))
    fields = [doc.field for doc in GuideLibrary(settings, embedder).tutor(stored.key).index.docs]
    assert fields.count("item" + PARAPHRASE) == 1


def test_a_dead_writes_old_temp_file_is_swept_and_a_young_one_is_left(settings, embedder, tutor):
    folder = GuideLibrary(settings, embedder, builtin=tutor).cache
    folder.mkdir(parents=True)
    old, young = folder / ".upload-dead.tmp", folder / ".upload-busy.tmp"
    old.write_bytes(b"half a gui")
    young.write_bytes(b"half a gui")
    hours_ago = old.stat().st_mtime - 2 * files.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    GuideLibrary(settings, embedder, builtin=tutor)
    assert not old.exists() and young.exists()


def test_each_guide_keeps_its_progress_in_the_one_database_apart(library, settings, tutor):
    stored = library.add("notes.md", _notes())
    assert library.url == f"sqlite:///{settings.data_dir.resolve()}/progress.db"
    catalog = load_catalog()
    own = ProgressStore(library.url, quiz=Quiz(tutor.guide, catalog))
    upload = ProgressStore(
        library.url, quiz=Quiz(library.tutor(stored.key).guide, catalog), upload=stored.key
    )
    upload.review("ana", upload.quiz.cards[0].id, "true")
    assert [day.reviews for day in upload.history("ana")] == [1]
    assert own.history("ana") == () and own.round_counts("ana")[::2] == (0, 0)  # none due, today
    assert own.answers() == [] and len(upload.answers()) == 1
    own.close()
    upload.close()
    chosen = settings.with_(progress_db="sqlite:////tmp/elsewhere.db")
    assert GuideLibrary(chosen, library.embedder).url == "sqlite:////tmp/elsewhere.db"


@pytest.fixture
def shared(database, tmp_path, embedder, tutor):
    """Two replicas' libraries on one database (SQLite, then PostgreSQL), each with its cache."""
    made = [
        GuideLibrary(
            Settings(data_dir=tmp_path / name, cache_dir=tmp_path / name / "cache",
                     progress_db=database),
            embedder,
            builtin=tutor,
        )
        for name in ("one", "two")
    ]  # fmt: skip
    yield made
    for library in made:
        library.close()


def test_an_upload_on_one_replica_is_studied_on_another_from_the_database(shared):
    one, two = shared
    stored = one.add("eks-mini.md", EKS, "ana")
    assert two.guides("ana")[1] == stored
    verdict = two.tutor(stored.key, "ana").check(
        "Every worker node in a cluster must use the same instance type"
    )
    assert verdict.verdict == "misconception"
    assert (two.cache / f"{stored.key}.md").read_bytes() == EKS


def test_a_learner_sees_studies_and_removes_only_their_own_uploads(shared):
    one, two = shared
    stored = one.add("eks-mini.md", EKS, "ana")
    assert [found.key for found in two.guides("ben")] == [BUILTIN_KEY]
    assert not two.owns("ben", stored.key) and two.owns("ana", stored.key)
    with pytest.raises(GuideNotFound):
        two.tutor(stored.key, "ben")
    with pytest.raises(GuideNotFound):
        two.remove(stored.key, "ben")
    assert one.guides("ana")[1] == stored  # untouched by ben's tries
    # ben uploads the same bytes: his own copy, which ana removing hers leaves alone
    assert two.add("my copy.md", EKS, "ben") == stored
    one.remove(stored.key, "ana")
    assert [found.key for found in one.guides("ana")] == [BUILTIN_KEY]
    assert two.tutor(stored.key, "ben").guide.title == "AWS EKS"
    two.remove(stored.key, "ben")
    assert not two.held(stored.key)


def test_a_guide_removed_on_one_replica_leaves_the_others_cache_and_memory(
    shared, database, tmp_path, embedder, tutor
):
    one, two = shared
    gone = one.add("eks-mini.md", EKS, "ana")
    kept = one.add("notes.md", _notes("Kept Notes"), "ana")
    two.tutor(gone.key, "ana")  # replica two studies it: its own text, index and tutor
    two.tutor(kept.key, "ana")
    cached = two.cache / gone.key
    assert cached.is_dir() and gone.key in two.open_keys
    one.remove(gone.key, "ana")
    assert cached.is_dir()  # replica two has not looked since
    # The next index replica two builds, it first forgets what nobody has now ...
    two.tutor(one.add("other.md", _notes("Other Notes"), "ana").key, "ana")
    assert not cached.exists() and not (two.cache / f"{gone.key}.md").exists()
    assert gone.key not in two.open_keys and kept.key in two.open_keys
    assert (two.cache / kept.key).is_dir()
    # ... and so does a replica that was down while it went.
    one.tutor(kept.key, "ana")
    two.remove(kept.key, "ana")
    assert (one.cache / kept.key).is_dir()
    settings = Settings(
        data_dir=tmp_path / "one", cache_dir=tmp_path / "one" / "cache", progress_db=database
    )
    restarted = GuideLibrary(settings, embedder, builtin=tutor)
    assert not (restarted.cache / kept.key).exists()
    assert not (restarted.cache / f"{kept.key}.md").exists()
    restarted.close()


def test_servers_on_two_databases_sharing_a_cache_folder_leave_each_others_uploads(
    tmp_path, embedder, tutor
):
    def library(name: str) -> GuideLibrary:
        settings = Settings(data_dir=tmp_path / name, cache_dir=tmp_path / "shared-cache")
        return GuideLibrary(settings, embedder, builtin=tutor)

    mine = library("mine")
    stored = mine.add("notes.md", _notes())
    loadtest = library("loadtest")  # starts, and forgets what its own database no longer has
    loadtest.tutor(loadtest.add("eks-mini.md", EKS).key)
    assert loadtest.cache != mine.cache
    assert (mine.cache / stored.key).is_dir() and stored.key in mine.open_keys


def test_uploads_cached_before_the_per_database_folders_are_removed(settings, embedder, tutor):
    folder = Path(settings.cache_dir) / library_module.GUIDES_FOLDER
    key = f"queue-notes-{_sha12(_notes())}"
    (folder / key / "index-old").mkdir(parents=True)
    (folder / key / "index-old" / "vectors.faiss").write_bytes(b"old")
    (folder / f"{key}.md").write_bytes(_notes())
    (folder / "README.txt").write_text("not a cached upload")
    library = GuideLibrary(settings, embedder, builtin=tutor)
    assert not (folder / key).exists() and not (folder / f"{key}.md").exists()
    assert (folder / "README.txt").is_file()
    stored = library.add("notes.md", _notes())  # cached anew, in the database's own folder
    assert stored.key == key and (library.cache / f"{key}.md").is_file()


def test_uploads_kept_as_files_by_an_older_version_move_into_the_database_with_progress(
    settings, embedder, tutor
):
    old = settings.data_dir / "guides"
    old.mkdir(parents=True)
    key = f"aws-eks-{_sha12(EKS)}"
    (old / f"{key}.md").write_bytes(EKS)
    guide = check_upload("eks-mini.md", EKS)
    progress = ProgressStore(
        progress_url(old, f"{key}.progress.db"), quiz=Quiz(guide, load_catalog())
    )
    for card in progress.quiz.cards[:3]:
        progress.review("ana", card.id, fsrs.Rating.Good)
    progress.close()

    library = GuideLibrary(settings, embedder, builtin=tutor)
    assert library.guides()[1] == StoredGuide(key, "AWS EKS", items=10, pairs=8)
    assert not (old / f"{key}.md").exists()
    assert (old / f"{key}.progress.db.imported").exists()
    moved = ProgressStore(
        library.url, quiz=Quiz(library.tutor(key).guide, load_catalog()), upload=key
    )
    assert [day.reviews for day in moved.history("ana")] == [3]
    moved.close()
    again = GuideLibrary(settings, embedder, builtin=tutor)  # once only
    assert [found.key for found in again.guides()] == [BUILTIN_KEY, key]
