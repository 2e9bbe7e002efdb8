"""Export the guide's Wrong/Right pairs as an Anki deck (``.apkg``), one note per pair.

The front shows the Wrong statement; the back the Right one, the item's explanation and the item.
Notes are tagged with their section path (``Key_Concepts::ECS_Components``). The model id is fixed
and the deck id and note GUIDs are derived from names, never random, so importing a newer export
updates the notes instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import genanki

from ingest.records import PATH_SEP
from tutor import files
from tutor.study.quiz import TRUE_FALSE, Quiz

MODEL_ID = 1_607_392_319  # fixed forever: Anki matches note types by this id
MODEL_NAME = "ECS Tutor misconception v1"
_CSS = """.card { font-family: sans-serif; font-size: 20px; text-align: left; }
.wrong { color: #a40000; } .right { color: #006100; } .item { color: #555; font-size: 16px; }"""
_MODEL = genanki.Model(
    MODEL_ID,
    MODEL_NAME,
    fields=[{"name": n} for n in ("Wrong", "Right", "Explanation", "Item", "Section")],
    templates=[
        {
            "name": "Misconception",
            "qfmt": "What is wrong with this statement?<br><div class=wrong>{{Wrong}}</div>",
            "afmt": "{{FrontSide}}<hr id=answer><div class=right>{{Right}}</div>"
            "<p>{{Explanation}}</p><div class=item>{{Item}} — {{Section}}</div>",
        }
    ],
    css=_CSS,
)


def deck_id(title: str) -> int:
    """A stable Anki deck id for a guide title (Anki wants a positive 63-bit integer)."""
    digest = hashlib.sha256(f"ecs-tutor deck:{title}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2 or 1


def section_tag(section: str) -> str:
    """An Anki hierarchical tag, spaces made underscores.

    "Key Concepts > ECS Components" -> "Key_Concepts::ECS_Components"
    """
    return "::".join(re.sub(r"\s+", "_", part.strip()) for part in section.split(PATH_SEP))


def build_deck(quiz: Quiz) -> genanki.Deck:
    """One note per Wrong/Right pair of the quiz's guide, in guide order."""
    guide = quiz.guide
    deck = genanki.Deck(deck_id(guide.title), f"ECS Tutor::{guide.title}")
    for card in quiz.cards:
        if card.kind != TRUE_FALSE or card.answer != "False":
            continue  # each pair has a True and a False drill; the False one stands for it
        reference = f"Source: {card.reference}" if card.reference else ""
        parts = (card.explanation, reference, card.correction)
        explanation = " ".join(part for part in parts if part)
        fields = [card.wrong, card.right, explanation, card.item, card.section]
        deck.add_note(
            genanki.Note(
                model=_MODEL,
                fields=[html.escape(field) for field in fields],
                tags=["ecs-tutor", section_tag(card.section)],
                guid=genanki.guid_for("ecs-tutor", guide.title, card.pair_id),
            )
        )
    return deck


def write_apkg(quiz: Quiz, path: Path | str) -> tuple[Path, int]:
    """Write the deck to ``path`` whole (``tutor.files.replacing``: a temporary file and a
    rename, nothing half-written left whatever stops it); the path and the number of notes."""
    path = Path(path)
    deck = build_deck(quiz)
    with files.replacing(path) as tmp:
        genanki.Package(deck).write_to_file(str(tmp))
    return path, len(deck.notes)
