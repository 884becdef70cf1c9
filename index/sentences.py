"""Sentences of each passage, with their vectors: built once with the index so that answering can score a
sentence by meaning (dense) as well as by words, at no embedding cost per question.

The splitting is shared with qa/evidence.py (which picks the sentences an answer quotes), so the rows here
and the candidates there are the same spans.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.headings import is_heading_line

SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCE_ROWS = "sentences.jsonl"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")
_NOTE = re.compile(r"^[（(][^（）()]{1,60}[）)][。；;]?$")  # "（责任单位：科技司）" belongs to the sentence before
_TITLE_MAX = 40


def is_heading(piece: str, whole_line: bool) -> bool:
    """A numbered heading, or a short line with no sentence end (a title: "18.加快推进学校网络接入和提速降费")."""
    body = piece.rstrip("。：:")
    if is_heading_line(piece) and len(body) <= _TITLE_MAX and not re.search(r"[，,；;]", body):
        return True
    if whole_line and len(piece) <= _TITLE_MAX and not re.search(r"[。！？!?；;）)]$", piece):
        return True
    return bool(re.match(r"^专栏\s*\d", piece)) and len(body) <= _TITLE_MAX


def sentence_spans(text: str, min_chars: int = 6) -> list[tuple[int, int]]:
    """Sentences of a passage, without headings; a bracketed note joins the sentence before it."""
    spans: list[tuple[int, int]] = []
    line_starts = {0} | {i + 1 for i, ch in enumerate(text) if ch == "\n"}
    for m in _SENTENCE.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        piece = text[s:e]
        if e - s < 2:
            continue
        if _NOTE.match(piece) and spans and text[spans[-1][1] : s].strip() == "":
            spans[-1] = (spans[-1][0], e)
            continue
        if s in line_starts and is_heading(piece, e == len(text) or text[e] == "\n"):
            continue
        if e - s >= min_chars:
            spans.append((s, e))
    return spans


@dataclass(frozen=True)
class SentenceTable:
    """Row i: sentence ``chunk_text[start:end]`` of chunk ``rows[i]``, with its unit vector."""

    rows: np.ndarray  # int32, chunk row of each sentence
    starts: np.ndarray  # int32
    ends: np.ndarray  # int32
    hashes: tuple[str, ...]  # embedded-text hash, for reuse by the next build
    vectors: np.ndarray  # float32 (n, dim)

    def __len__(self) -> int:
        return len(self.rows)

    def by_chunk(self) -> dict[tuple[int, int, int], int]:
        """(chunk row, start, end) -> sentence row."""
        return {
            (int(r), int(s), int(e)): i
            for i, (r, s, e) in enumerate(zip(self.rows, self.starts, self.ends, strict=True))
        }

    def save(self, folder: Path) -> list[str]:
        lines = [
            json.dumps({"row": int(r), "start": int(s), "end": int(e), "hash": h})
            for r, s, e, h in zip(self.rows, self.starts, self.ends, self.hashes, strict=True)
        ]
        (folder / SENTENCE_ROWS).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
        np.save(folder / SENTENCE_VECTORS, self.vectors, allow_pickle=False)
        return [SENTENCE_ROWS, SENTENCE_VECTORS]

    @classmethod
    def load(cls, folder: Path) -> SentenceTable:
        rows, starts, ends, hashes = [], [], [], []
        for line in (folder / SENTENCE_ROWS).read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            rows.append(d["row"])
            starts.append(d["start"])
            ends.append(d["end"])
            hashes.append(d["hash"])
        vectors = np.load(folder / SENTENCE_VECTORS, allow_pickle=False)
        if len(vectors) != len(rows):
            raise ValueError(f"{SENTENCE_ROWS} has {len(rows)} rows but {SENTENCE_VECTORS} {len(vectors)}")
        as_int = np.asarray
        return cls(as_int(rows, np.int32), as_int(starts, np.int32), as_int(ends, np.int32), tuple(hashes), vectors)
