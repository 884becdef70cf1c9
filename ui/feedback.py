"""Append 👍/👎 feedback to a JSONL file: one record per line, safe across threads and processes.

Each record is written with a single ``os.write`` on an ``O_APPEND`` descriptor while holding a file lock,
so concurrent writers can never leave partial or interleaved lines.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

VOTES = ("up", "down")
MAX_COMMENT_CHARS = 2000


def make_record(answer: dict[str, Any], vote: str, comment: str = "") -> dict[str, Any]:
    """A feedback record for one answer (``Answer.to_json()``), validated."""
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "question": str(answer.get("question", "")),
        "answer": str(answer.get("answer", "")),
        "citations": [
            {k: c.get(k) for k in ("n", "doc", "title", "section", "text", "highlights")}
            for c in answer.get("citations", [])
        ],
        "vote": vote,
        "comment": (comment or "").strip()[:MAX_COMMENT_CHARS],
    }


def append_feedback(path: Path | str, record: dict[str, Any]) -> None:
    """Append ``record`` as one JSON line to ``path`` (folder created if needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with FileLock(str(path) + ".lock", timeout=30):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, data)
        finally:
            os.close(fd)
    if written != len(data):  # pragma: no cover - only on a full disk
        raise OSError(f"short write to {path}: {written} of {len(data)} bytes")


def record_feedback(path: Path | str, answer: dict[str, Any], vote: str, comment: str = "") -> dict[str, Any]:
    record = make_record(answer, vote, comment)
    append_feedback(path, record)
    return record
