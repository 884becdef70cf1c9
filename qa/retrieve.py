"""Hybrid retrieval: dense (FAISS, e5 query prompt) + BM25 (jieba), fused by reciprocal rank or score blend."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.embedder import Embedder
from index.modes import FusionMode, RetrievalMode
from index.store import LoadedIndex
from qa.tuning import DEFAULT_TUNING, Tuning
from qa.types import Hit


@dataclass(frozen=True)
class SearchRequest:
    dense_text: str  # text to embed (the question, or the question with follow-up context)
    bm25_tokens: list[str]
    k: int = 10
    mode: RetrievalMode = RetrievalMode.HYBRID
    fusion: FusionMode = FusionMode.RRF
    doc: str | None = None
    region: str | None = None
    docs: frozenset[str] = frozenset()  # the scope the question names (empty: all documents)
    # The embedded question when the caller has it, or a function that waits for it (it is being embedded on
    # another thread while the BM25 search runs here).
    query_vector: np.ndarray | Callable[[], np.ndarray] | None = None


class Retriever:
    def __init__(self, index: LoadedIndex, embedder: Embedder, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.index = index
        self.embedder = embedder
        self.tuning = tuning
        self.n = len(index.chunks)

    def _allowed(self, doc: str | None, region: str | None, docs: frozenset[str]) -> np.ndarray | None:
        if not doc and not region and not docs:
            return None
        return np.array(
            [
                (not doc or c.doc == doc) and (not region or c.region == region) and (not docs or c.doc in docs)
                for c in self.index.chunks
            ],
            dtype=bool,
        )

    def dense(
        self, text: str, pool: int, allowed: np.ndarray | None, vector: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        query = self.embedder.encode_queries([text]) if vector is None else vector.reshape(1, -1)
        k = self.n if allowed is not None else min(self.n, pool)
        scores, ids = self.index.vectors.search(query, k)
        scores, ids = scores[0], ids[0]
        keep = ids >= 0
        if allowed is not None:
            keep &= allowed[np.clip(ids, 0, None)]
        return ids[keep][:pool], scores[keep][:pool]

    def bm25(self, tokens: list[str], pool: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        scores = self.index.keywords.scores(tokens)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        pool = min(pool, self.n)
        top = np.argpartition(-scores, pool - 1)[:pool] if pool < self.n else np.arange(self.n)
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return top, scores[top]

    def search(self, req: SearchRequest) -> tuple[list[Hit], dict[str, float]]:
        timings: dict[str, float] = {}
        allowed = self._allowed(req.doc, req.region, req.docs)
        mode, fusion = RetrievalMode.from_str(req.mode), FusionMode.from_str(req.fusion)
        pool = max(self.tuning.candidate_pool, req.k * 5)
        dense_ids = dense_scores = bm25_ids = bm25_scores = np.zeros(0)
        # BM25 first: a question vector still being embedded elsewhere is waited for only after it.
        if mode in {RetrievalMode.HYBRID, RetrievalMode.BM25}:
            t = time.perf_counter()
            bm25_ids, bm25_scores = self.bm25(req.bm25_tokens, pool, allowed)
            timings["bm25"] = (time.perf_counter() - t) * 1000
        if mode in {RetrievalMode.HYBRID, RetrievalMode.DENSE}:
            vector = req.query_vector() if callable(req.query_vector) else req.query_vector
            t = time.perf_counter()
            dense_ids, dense_scores = self.dense(req.dense_text, pool, allowed, vector)
            timings["dense"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        dense_rank = {int(i): r + 1 for r, i in enumerate(dense_ids)}
        bm25_rank = {int(i): r + 1 for r, i in enumerate(bm25_ids)}
        dense_score = {int(i): float(s) for i, s in zip(dense_ids, dense_scores, strict=True)}
        bm25_score = {int(i): float(s) for i, s in zip(bm25_ids, bm25_scores, strict=True)}
        fused = fuse(fusion, dense_rank, bm25_rank, dense_score, bm25_score, self.tuning)
        ordered = sorted(fused, key=lambda i: (-fused[i], i))[: req.k]
        hits = [
            Hit(
                chunk=self.index.chunks[i],
                row=i,
                score=fused[i],
                rank=r + 1,
                dense_rank=dense_rank.get(i),
                bm25_rank=bm25_rank.get(i),
                dense_score=dense_score.get(i, 0.0),
                bm25_score=bm25_score.get(i, 0.0),
            )
            for r, i in enumerate(ordered)
        ]
        timings["fusion"] = (time.perf_counter() - t) * 1000
        return hits, timings


def fuse(
    fusion: FusionMode,
    dense_rank: dict[int, int],
    bm25_rank: dict[int, int],
    dense_score: dict[int, float],
    bm25_score: dict[int, float],
    tuning: Tuning = DEFAULT_TUNING,
) -> dict[int, float]:
    """Row -> fused score from each retriever's 1-based ranks (RRF) or raw scores (blend)."""
    ids = set(dense_rank) | set(bm25_rank)
    k = tuning.rrf_k
    if fusion is FusionMode.RRF:
        return {
            i: (1 / (k + dense_rank[i]) if i in dense_rank else 0.0)
            + (1 / (k + bm25_rank[i]) if i in bm25_rank else 0.0)
            for i in ids
        }
    if fusion is FusionMode.BLEND:
        # Min-max normalise each retriever's scores over its own pool, then mix.
        def norm(scores: dict[int, float]) -> dict[int, float]:
            if not scores:
                return {}
            lo, hi = min(scores.values()), max(scores.values())
            span = (hi - lo) or 1.0
            return {i: (s - lo) / span for i, s in scores.items()}

        d, b = norm(dense_score), norm(bm25_score)
        w = tuning.blend_dense_weight if d and b else (1.0 if d else 0.0)
        return {i: w * d.get(i, 0.0) + (1 - w) * b.get(i, 0.0) for i in ids}
    raise ValueError(f"unknown fusion {fusion!r} (rrf or blend)")
