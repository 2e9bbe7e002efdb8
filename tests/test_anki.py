"""The Anki export: a .apkg (a zip holding a SQLite collection) with one note per pair."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest

from ingest import load_catalog, read_studied_guides
from tutor.cli import main
from tutor.config import BUILTIN_GUIDES
from tutor.study.anki import MODEL_ID, deck_id, section_tag, write_apkg
from tutor.study.quiz import Quiz


@pytest.fixture(scope="module")
def quiz(guide):
    return Quiz(guide, load_catalog())


def _collection(apkg, folder):
    """The notes and the deck ids of an .apkg, read with sqlite3 from the collection inside."""
    with zipfile.ZipFile(apkg) as archive:
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", folder)
    with sqlite3.connect(folder / "collection.anki2") as db:
        notes = db.execute("SELECT guid, mid, tags, flds FROM notes ORDER BY id").fetchall()
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    return notes, decks


@pytest.mark.parametrize(
    "section, tag",
    [
        ("Key Concepts > ECS Components", "Key_Concepts::ECS_Components"),
        ("Security", "Security"),
        ("Integration with Other AWS Services", "Integration_with_Other_AWS_Services"),
    ],
)
def test_section_paths_become_hierarchical_tags(section, tag):
    assert section_tag(section) == tag


def test_the_deck_has_one_note_per_pair_tagged_by_section(quiz, guide, tmp_path):
    path, count = write_apkg(quiz, tmp_path / "deck.apkg")
    notes, decks = _collection(path, tmp_path)
    assert count == len(notes) == len(guide.pairs) == 31
    assert {mid for _, mid, _, _ in notes} == {MODEL_ID}
    assert str(deck_id(guide.title)) in decks
    for (_, _, tags, fields), pair in zip(notes, guide.pairs, strict=True):
        assert tags.split() == ["ecs-tutor", section_tag(pair.section)]
        wrong, right, explanation, item, section = fields.split("\x1f")
        assert (wrong, right, item) == (pair.wrong, pair.right, pair.owner)
        assert section == pair.section.replace(">", "&gt;")
        assert explanation.startswith(f"{pair.owner}: ")


def test_a_new_export_keeps_the_ids_so_anki_updates_instead_of_duplicating(quiz, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _ = _collection(write_apkg(quiz, tmp_path / "a" / "deck.apkg")[0], tmp_path / "a")
    second, _ = _collection(write_apkg(quiz, tmp_path / "b" / "deck.apkg")[0], tmp_path / "b")
    assert [g for g, *_ in first] == [g for g, *_ in second]
    assert len({g for g, *_ in first}) == len(first)


def test_an_export_that_cannot_be_put_in_place_leaves_no_temp_file(quiz, tmp_path):
    taken = tmp_path / "deck.apkg"
    taken.mkdir()  # a folder where the deck should go: the rename fails after the write
    (taken / "keep.txt").write_text("mine")
    with pytest.raises(OSError):
        write_apkg(quiz, taken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]
    assert (taken / "keep.txt").read_text() == "mine"


def test_the_cli_exports_anki_and_still_the_graph(tmp_path, capsys):
    deck = tmp_path / "ecs.apkg"
    assert main(["export", "--format", "anki", "--out", str(deck)]) == 0
    pairs = len(read_studied_guides(BUILTIN_GUIDES).pairs)  # one note per pair, both guides'
    assert pairs > 90 and capsys.readouterr().out.strip() == f"wrote {deck} ({pairs} notes)"
    assert zipfile.is_zipfile(deck)
    graph = tmp_path / "g.graphml"
    assert main(["export", "--format", "graphml", "--out", str(graph)]) == 0
    assert graph.read_text(encoding="utf-8").startswith("<?xml")
