"""BM25 over jieba tokens of the simplified text (bm25s)."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from index.textnorm import search_tokens

BM25_DIR = "bm25"


class KeywordStore:
    def __init__(self, retriever: bm25s.BM25, n_docs: int) -> None:
        self.retriever = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: list[str], tokens: list[list[str]] | None = None) -> KeywordStore:
        corpus_tokens = tokens if tokens is not None else [search_tokens(t) for t in texts]
        # bm25s needs at least one token per document; an empty passage gets a placeholder.
        corpus_tokens = [toks or ["\u2205"] for toks in corpus_tokens]
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, len(corpus_tokens))

    @classmethod
    def load(cls, folder: Path, n_docs: int) -> KeywordStore:
        retriever = bm25s.BM25.load(str(folder / BM25_DIR), mmap=False)
        return cls(retriever, n_docs)

    def known(self, tokens: list[str]) -> list[str]:
        return [t for t in tokens if t in self.retriever.vocab_dict]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for the query tokens (zeros if none is in the vocabulary)."""
        known = self.known(tokens)
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> list[str]:
        target = folder / BM25_DIR
        self.retriever.save(str(target), show_progress=False)
        return [f"{BM25_DIR}/{p.name}" for p in sorted(target.iterdir())]
