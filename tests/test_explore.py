"""explore(): a concept's neighbours, misconceptions and scenarios; LangChain retriever."""

import re

import pytest
from langchain_core.documents import Document

from kg import ConceptNotFound
from tutor.langchain import TutorRetriever


def test_explore_a_concept_by_name(tutor):
    found = tutor.explore("fargate")
    assert found.title == "Fargate"
    assert not found.matched_by_meaning
    labels = {n.label for group in found.neighbours.values() for n in group}
    assert {"ECS Modes", "AWS Fargate", "Batch Processing with Fargate"} <= labels
    assert found.misconceptions == (
        (
            "Fargate is more expensive than EC2 for all workloads.",
            "Fargate can be more cost-effective for certain workloads with unpredictable traffic.",
        ),
    )
    assert any("startup" in text for text in found.scenarios)


def test_explore_by_meaning_when_the_name_is_not_a_title(tutor):
    found = tutor.explore("keeping passwords out of container images")
    assert found.matched_by_meaning
    assert found.title == "Secrets Management"


def test_explore_something_unrelated_fails_cleanly(tutor):
    with pytest.raises(ConceptNotFound):
        tutor.explore("knitting patterns for winter scarves")


@pytest.mark.parametrize("name", ["Kubernetes", "Docker Swarm", "Terraform"])
def test_a_technology_the_guides_leave_out_is_not_swapped_for_their_nearest_item(tutor, name):
    """Near the container words, far from any item: ask declines it, so explore does too."""
    assert not tutor.ask(name).covered
    with pytest.raises(ConceptNotFound):
        tutor.explore(name)


def test_langchain_retriever_returns_documents_from_the_same_retrieval(tutor):
    retriever = TutorRetriever(tutor=tutor, k=3)
    question = "Can tasks assume their own IAM permissions?"
    docs = retriever.invoke(question)
    assert all(isinstance(doc, Document) for doc in docs)
    assert [d.metadata["title"] for d in docs] == [h.title for h in tutor.search(question, k=3)]
    assert {"title", "section", "kind", "score"} <= set(docs[0].metadata)
    assert docs[0].page_content.startswith(docs[0].metadata["title"])


def test_relate_gives_the_path_between_two_concepts(tutor):
    found = tutor.relate("Fargate", "IAM Roles for Tasks")
    assert found.start.label == "Fargate" and found.end.label == "IAM Roles for Tasks"
    assert found.nodes[0] == found.start.node and found.nodes[-1] == found.end.node
    for before, after in zip(found.links, found.links[1:], strict=False):
        assert before.target == after.source  # each step starts where the last one ended
    for link in found.links:
        a, b = link.source.node, link.target.node
        assert tutor.graph.has_edge(a, b) or tutor.graph.has_edge(b, a)
    assert found.sentence().startswith("Fargate —")
    assert found.to_dict()["nodes"] == list(found.nodes)


def test_a_path_through_a_corrected_concept_tells_its_correction_once(tutor):
    """The batch scenario's S3 step is corrected by the errata: a path through the scenario says
    what is true now, once, in the app's and the CLI's text and in the JSON."""
    from tutor.web import render

    # (Fargate to IAM Roles for Tasks went through it until the in-depth networking item named
    # the S3 gateway endpoint, a shorter way through Amazon S3.)
    found = tutor.relate("Fargate", "CloudWatch Metrics and Logs")
    assert "scenario:Batch Processing with Fargate" in found.nodes[1:-1]
    told = [link.correction for link in found.links if link.correction]
    assert len(told) == 1 and "EventBridge" in told[0]
    assert render.relation(found).count("**Correction.**") == 1
    assert sum("correction" in hop for hop in found.to_dict()["hops"]) == 1


def test_relate_takes_names_in_any_case_singular_or_plural_and_service_aliases(tutor):
    assert tutor.relate("Fargate", "fargate").links == ()
    found = tutor.relate("capacity provider", "ALB")
    assert (found.start.label, found.end.label) == (
        "Capacity Providers",
        "Application Load Balancer",
    )


def test_relate_never_stands_in_for_a_name_it_does_not_know(tutor):
    with pytest.raises(ConceptNotFound) as missing:
        tutor.relate("keeping passwords out of container images", "Fargate")
    assert missing.value.concept == "keeping passwords out of container images"
    assert "Secrets Management" in missing.value.suggestions  # offered, never swapped in
    with pytest.raises(ConceptNotFound) as misspelt:
        tutor.relate("Fargate", "Capcity Providers")
    assert misspelt.value.suggestions[0] == "Capacity Providers"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("Fargate", "IAM Roles for Tasks"),
        ("awslogs Log Driver", "FireLens Log Routing"),
        ("Load Balancing", "Dynamic Host Port Mapping"),
        ("Capacity Providers", "Fargate Spot Interruptions"),
        ("Deployment Circuit Breaker", "Rolling Update Percentages"),
    ],
)
def test_every_hop_is_explained_and_a_quoted_sentence_is_the_guides(tutor, start, end):
    said = " ".join(
        text
        for _, data in tutor.graph.nodes(data=True)
        for text in (data.get("text", ""), data.get("right", ""))
    )
    for link in tutor.relate(start, end).links:
        assert link.explanation
        for quoted in re.findall(r"“(.+?)”", link.explanation):
            assert quoted in said, (link, quoted)
        # A Wrong statement is never quoted as a fact.
        assert link.relation.endswith("misconception") or all(
            data.get("wrong", "\0") not in link.explanation
            for _, data in tutor.graph.nodes(data=True)
        )


def test_find_concepts_by_name_alias_spelling_and_meaning(tutor):
    def first(text):
        match = tutor.find_concepts(text)[0]
        return match.label, match.how

    assert first("capacity provider") == ("Capacity Providers", "name")
    assert first("ALB") == ("Application Load Balancer", "alias")
    assert first("fargte") == ("Fargate", "spelling")
    meant = tutor.find_concepts("how do I keep database passwords out of my images")
    assert {m.how for m in meant} == {"meaning"}
    assert "Secrets Management" in [m.label for m in meant[:3]]
    assert not [m for m in tutor.find_concepts("knitting patterns") if m.how != "meaning"]


def test_relate_says_when_two_concepts_are_not_connected(seed_tutor):
    from kg import NoPath

    # The seed guide's Overview holds no items; guides studied together hang every section
    # from their guide's title, so there every concept is connected.
    lone = next(n for n in seed_tutor.graph if seed_tutor.graph.degree(n) == 0)
    with pytest.raises(NoPath, match="are not connected in the guide"):
        seed_tutor.relate(lone, "Fargate")
