"""The teachers' phrasings file: loaded against its guide, refused when it belongs to another."""

import json

import pytest

from ingest import (
    IngestError,
    Paraphrases,
    as_studied,
    load_catalog,
    load_examples,
    load_paraphrases,
    load_questions,
    paraphrases_path,
    read_studied_guide,
)
from tutor import Settings
from tutor.config import (
    BUILTIN_EXAMPLES,
    BUILTIN_GUIDES,
    DEFAULT_EXAMPLES,
    DEFAULT_GUIDE,
    OUTSIDE_EXAMPLES,
    SWAP_EXAMPLES,
)


def test_the_shipped_file_covers_every_pair_of_the_guide(guide):
    # read against the guide as studied (its errata add pairs), as the tutor reads it
    studied = read_studied_guide(DEFAULT_GUIDE, catalog=load_catalog())
    paraphrases = load_paraphrases(paraphrases_path(DEFAULT_GUIDE), studied)
    written = {(pair.owner, 1) for pair in guide.pairs}
    # every pair the guide wrote, and the pair its ELB correction adds (the S3 one has none)
    assert set(paraphrases.pairs) == written | {("Elastic Load Balancing (ELB)", 2)}
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


def test_labelled_claims_become_phrasings_of_their_side(guide, tmp_path):
    path = tmp_path / "claims.jsonl"
    rows = [
        {"claim": "A cluster is for one app only", "verdict": "misconception", "title": "Clusters"},
        {"claim": "Many apps can share a cluster", "verdict": "correct", "title": "Clusters"},
        {"claim": "Paris is in France", "verdict": "not_covered", "title": None},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    examples = load_examples(path, guide)
    assert examples.pairs == {
        ("Clusters", 1): {
            "wrong": ("A cluster is for one app only",),
            "right": ("Many apps can share a cluster",),
        }
    }
    assert examples.uncovered == ("Paris is in France",)  # kept apart: it is no phrasing
    merged = Paraphrases(
        pairs={("Clusters", 1): {"wrong": ("x",), "right": ()}}, uncovered=("Rome is old",)
    ).merged(examples)
    assert merged.pairs[("Clusters", 1)]["wrong"] == ("x", "A cluster is for one app only")
    assert merged.uncovered == ("Rome is old", "Paris is in France")


def test_labelled_questions_become_phrasings_of_every_concept_that_answers_them(guide, tmp_path):
    path = tmp_path / "questions.jsonl"
    rows = [
        {"question": "Where do my containers live?", "titles": ["Clusters"]},
        {"question": "Shared files for tasks?", "titles": ["EFS Integration", "Amazon EFS"]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert load_questions(path, guide).items == {
        "Clusters": ("Where do my containers live?",),
        "EFS Integration": ("Shared files for tasks?",),
        "Amazon EFS": ("Shared files for tasks?",),
    }
    path.write_text(json.dumps({"question": "Pods?", "titles": ["Pods"]}) + "\n")
    with pytest.raises(IngestError, match=r"questions.jsonl:1: expected the titles"):
        load_questions(path, guide)


def test_the_labelled_questions_are_the_ones_beside_the_labelled_claims(tmp_path):
    own = tuple(path.with_name("questions.jsonl") for path in BUILTIN_EXAMPLES.values())
    assert Settings().questions_paths() == (*own, OUTSIDE_EXAMPLES.with_name("questions.jsonl"))
    assert Settings(examples="none").questions_paths() == ()
    claims = tmp_path / "claims.jsonl"
    assert Settings(examples=str(claims)).questions_paths() == ()  # none written there
    (tmp_path / "questions.jsonl").write_text("", encoding="utf-8")
    assert Settings(examples=str(claims)).questions_paths() == (tmp_path / "questions.jsonl",)


def test_labelled_claims_for_another_guide_are_refused_with_their_line(guide, tmp_path):
    path = tmp_path / "claims.jsonl"
    row = {"claim": "Pods are cattle", "verdict": "correct", "title": "Pods"}
    path.write_text("\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"claims.jsonl:2: expected a verdict and the title"):
        load_examples(path, guide)


def test_each_built_in_guide_learns_from_its_own_claims_and_other_guides_from_none(tmp_path):
    """Claims outside every built-in guide are learnt from too, unless another guide (which may
    cover them) is studied; claims that swap what the two guides set against each other, when
    both are studied."""
    seed, in_depth = BUILTIN_GUIDES
    own = (DEFAULT_EXAMPLES, BUILTIN_EXAMPLES[in_depth.name])
    assert Settings().examples_paths() == (*own, SWAP_EXAMPLES, OUTSIDE_EXAMPLES)
    in_depth_alone = Settings(guides=(in_depth,)).examples_paths()
    assert in_depth_alone == (BUILTIN_EXAMPLES[in_depth.name], OUTSIDE_EXAMPLES)
    assert Settings(guides=(tmp_path / "eks.md", seed, in_depth)).examples_paths() == own + (
        SWAP_EXAMPLES,
    )
    assert Settings(guides=(tmp_path / "eks.md", seed)).examples_paths() == (DEFAULT_EXAMPLES,)
    assert Settings(guides=(tmp_path / "eks.md",)).examples_paths() == ()
    assert Settings(examples="none").examples_paths() == ()
    chosen = tmp_path / "x.jsonl"
    assert Settings(examples=str(chosen)).examples_paths() == (chosen,)


def test_a_row_relabelled_for_a_later_guide_keeps_its_earlier_label_without_it(guide, tmp_path):
    """The seed guide studied alone reads a claim the in-depth guide came to cover as it was
    first labelled (outside the guide), and skips a question only that guide answers."""
    later = {"from": "not_covered", "date": "2026-12-05", "by": "guides/ecs-in-depth.md"}
    claims = tmp_path / "claims.jsonl"
    row = {"claim": "Spot tasks get two minutes", "verdict": "correct", "title": "Spot Warnings"}
    claims.write_text(json.dumps({**row, "relabelled": later}) + "\n", encoding="utf-8")
    assert load_examples(claims, guide).uncovered == ("Spot tasks get two minutes",)
    claims.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="expected a verdict and the title"):
        load_examples(claims, guide)  # not relabelled: still an error
    questions = tmp_path / "questions.jsonl"
    asked = {"question": "How long is the warning?", "titles": ["Spot Warnings"]}
    questions.write_text(json.dumps({**asked, "relabelled": {**later, "from": []}}) + "\n")
    assert load_questions(questions, guide).items == {}


def test_a_relabelled_row_is_measured_with_the_label_of_the_guides_studied():
    """Evaluating a study of the seed guide alone, a row relabelled for the in-depth guide
    counts with its earlier label; a study that includes the title counts the new one."""
    later = {"from": "not_covered", "date": "2026-12-05", "by": "guides/ecs-in-depth.md"}
    claim = {"claim": "Spot tasks get two minutes", "verdict": "correct", "title": "Spot Warnings"}
    relabelled = {**claim, "relabelled": later}
    assert as_studied(relabelled, {"Fargate"}) == {
        **relabelled,
        "verdict": "not_covered",
        "title": None,
    }
    assert as_studied(relabelled, {"Fargate", "Spot Warnings"}) == relabelled
    assert as_studied(claim, {"Fargate"}) == claim  # never relabelled: stands as it is
    asked = {"question": "How long?", "titles": ["Spot Warnings"]}
    relabelled = {**asked, "relabelled": {**later, "from": []}}
    assert as_studied(relabelled, {"Fargate"})["titles"] == []
    assert as_studied(relabelled, {"Spot Warnings"}) == relabelled
