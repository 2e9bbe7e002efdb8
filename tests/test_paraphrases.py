"""The teachers' phrasings file: loaded against its guide, refused when it belongs to another."""

import json

import pytest

from ingest import IngestError, load_paraphrases, paraphrases_path
from tutor.config import DEFAULT_GUIDE


def test_the_shipped_file_covers_every_pair_of_the_guide(guide):
    paraphrases = load_paraphrases(paraphrases_path(DEFAULT_GUIDE), guide)
    assert set(paraphrases.pairs) == {(pair.owner, 1) for pair in guide.pairs}
    for sides in paraphrases.pairs.values():
        assert sides["wrong"] and sides["right"]
    assert set(paraphrases.items) <= {i.title for i in guide.items} | {
        s.title for s in guide.scenarios
    }


def test_no_file_means_no_phrasings(guide, tmp_path):
    paraphrases = load_paraphrases(tmp_path / "none.paraphrases.json", guide)
    assert paraphrases.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"version": 1, "pairs": {"Kubernetes Pods": {"wrong": ["x"]}}}',
            "names no misconception",
        ),
        ('{"version": 1, "pairs": {"Clusters#2": {"wrong": ["x"]}}}', "names no misconception"),
        ('{"version": 1, "items": {"Pods": ["x"]}}', "names no item"),
        ('{"version": 2, "pairs": {}}', "expected version 1"),
        ("[1, 2]", "expected version 1"),
        ("{not json", "cannot read"),
    ],
)
def test_a_file_for_another_guide_or_format_is_refused(guide, tmp_path, content, message):
    path = tmp_path / "x.paraphrases.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=message):
        load_paraphrases(path, guide)


def test_blank_and_non_text_phrasings_are_dropped(guide, tmp_path):
    path = tmp_path / "x.paraphrases.json"
    data = {"version": 1, "pairs": {"Clusters": {"wrong": ["  one app only ", "", 3]}}}
    path.write_text(json.dumps(data), encoding="utf-8")
    paraphrases = load_paraphrases(path, guide)
    assert paraphrases.pairs[("Clusters", 1)] == {"wrong": ("one app only",), "right": ()}
