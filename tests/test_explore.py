"""explore(): a concept's neighbours, misconceptions and scenarios; LangChain retriever."""

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


def test_langchain_retriever_returns_documents_from_the_same_retrieval(tutor):
    retriever = TutorRetriever(tutor=tutor, k=3)
    question = "Can tasks assume their own IAM permissions?"
    docs = retriever.invoke(question)
    assert all(isinstance(doc, Document) for doc in docs)
    assert [d.metadata["title"] for d in docs] == [h.title for h in tutor.search(question, k=3)]
    assert {"title", "section", "kind", "score"} <= set(docs[0].metadata)
    assert docs[0].page_content.startswith(docs[0].metadata["title"])
