"""A LangChain retriever over the tutor's own retrieval path, so the tutor plugs into chains."""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from tutor.core import Tutor


class TutorRetriever(BaseRetriever):
    """``TutorRetriever(tutor=Tutor.open(), k=4).invoke("Can Fargate tasks mount EFS?")``"""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    tutor: Tutor
    k: int = 4

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=self.tutor.graph.nodes[hit.node]["text"],
                metadata={
                    "title": hit.title,
                    "section": hit.section,
                    "kind": hit.kind,
                    "score": hit.score,
                    "node": hit.node,
                },
            )
            for hit in self.tutor.search(query, k=self.k)
        ]
