"""Append 👍/👎 feedback to a JSONL file: one record per line, safe across threads, processes and full disks.

Each record is appended on an ``O_APPEND`` descriptor while holding a file lock, so concurrent writers never
interleave lines; a write that fails or comes up short (full disk, file-size limit) is undone by truncating the
file back to its size before the write, so the next record never lands on half a line.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

VOTES = ("up", "down")
MAX_COMMENT_CHARS = 2000
NOT_SAVED = "抱歉，评价没有保存（服务器无法写入反馈文件，可能是磁盘已满），请稍后再试。"
log = logging.getLogger(__name__)


class FeedbackNotSaved(OSError):
    """The record could not be appended; the file is as it was before."""


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
    """Append ``record`` as one JSON line to ``path`` (folder created if needed), or leave the file as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with FileLock(str(path) + ".lock", timeout=30):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            try:
                _write_all(fd, data)
            except OSError as exc:
                os.ftruncate(fd, size)  # shrinking needs no space: the half line goes, earlier lines stay
                raise FeedbackNotSaved(exc.errno, f"feedback not saved to {path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)  # a full disk gives a short count first, then ENOSPC/EFBIG
        if written <= 0:
            raise OSError(f"wrote nothing ({len(view)} bytes left)")
        view = view[written:]


def check_writable(path: Path | str) -> str | None:
    """None if feedback can be appended to ``path``, else why not (for the start-up message).

    Tries for real (creates the folder, opens the file for appending) because permission bits say little when
    running as root or on a read-only or full file system.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for target in (path, Path(str(path) + ".lock")):  # the file and its lock file
            os.close(os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    return None


def save_vote(path: Path | str, answer: dict[str, Any] | None, vote: str, comment: str = "") -> tuple[bool, str]:
    """(saved, message for the person) for one 👍/👎 click; never raises."""
    if not answer:
        return False, "请先提问，得到回答后再评价。"
    try:
        record_feedback(path, answer, vote, comment)
    except (OSError, ValueError):
        log.exception("feedback not saved")
        return False, NOT_SAVED
    return True, "已记录：👍 有帮助，谢谢！" if vote == "up" else "已记录：👎 没帮助，谢谢指正！"


def record_feedback(path: Path | str, answer: dict[str, Any], vote: str, comment: str = "") -> dict[str, Any]:
    record = make_record(answer, vote, comment)
    append_feedback(path, record)
    return record
