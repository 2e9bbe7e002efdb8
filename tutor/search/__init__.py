"""Finding the guide's text for a question or claim: the embedding model, the faiss index with
its cache, BM25, and the one retrieval path that ranks by both."""

from tutor.search.embed import Embedder, embedder_for
from tutor.search.index import VectorIndex, open_index
from tutor.search.retrieve import Hit, PairHit, Retriever

__all__ = ["Embedder", "Hit", "PairHit", "Retriever", "VectorIndex", "embedder_for", "open_index"]
