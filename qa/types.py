"""Plain data passed between the answering stages and out to the CLI, the app and the evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.chunking import Chunk


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    row: int  # row in the index
    score: float  # fused score (higher is better)
    rank: int  # 1-based rank after fusion
    dense_rank: int | None = None  # 1-based rank in each retriever, None if outside its list
    bm25_rank: int | None = None
    dense_score: float = 0.0
    bm25_score: float = 0.0

    def to_json(self) -> dict:
        """The passage as the JSON interface shows it (doc, title, section, text, start, end, score)."""
        c = self.chunk
        return {
            "doc": c.doc,
            "title": c.title,
            "section": c.section_label,
            "page": c.page,
            "number": c.number,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(float(self.score), 6),
            "dense_rank": self.dense_rank,
            "bm25_rank": self.bm25_rank,
        }


@dataclass(frozen=True)
class Citation:
    n: int  # the marker number, [n]
    hit: Hit
    sentences: tuple[str, ...]  # the statements of the answer this passage supports (verbatim in the passage)
    highlights: tuple[tuple[int, int], ...]  # where those sentences sit in the passage text

    def to_json(self) -> dict:
        passage = {k: v for k, v in self.hit.to_json().items() if k not in {"dense_rank", "bm25_rank"}}
        return {"n": self.n, **passage, "highlights": [list(h) for h in self.highlights]}


@dataclass
class Answer:
    question: str  # as the person typed it
    answer: str  # simplified Chinese, with [n] markers
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)  # ranked top passages ("可能相关的内容" on refusal)
    timings_ms: dict[str, float] = field(default_factory=dict)
    error: str | None = None  # set when the question itself was unusable (empty, too long, ...)
    search_query: str = ""  # what retrieval actually used (after normalisation and follow-up context)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "passages": [
                {k: v for k, v in h.to_json().items() if k in {"doc", "title", "section", "text", "score"}}
                for h in self.passages[:10]
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "error": self.error,
        }
