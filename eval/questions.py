"""The evaluation question set: load JSONL files in the question schema and check every line.

Schema, one JSON object per line::

    {"id": "a001", "split": "dev|test", "type": "factoid", "doc": "file.txt" | ["a.txt", "b.txt"] | null,
     "question": "...", "answer": "...", "must_contain": [["alt1", "alt2"], ...], "evidence": ["verbatim", ...],
     "history": ["an earlier question", ...]}

``history`` (optional) holds the earlier questions of a conversation, oldest first: the question is then a
follow-up ("那2017年呢？") that the system answers with those turns as context.

Only ``id`` and ``question`` are required, so any JSONL file of questions can be scored; the bundled set
(``eval/questions/*.jsonl``) is held to the full schema by the tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
SPLITS = ("dev", "test")
TYPES = (
    "factoid",
    "number",
    "date",
    "list",
    "purpose",
    "colloquial",
    "traditional",
    "english",
    "multihop",
    "crossdoc",
    "followup",
    "unanswerable",
)
UNANSWERABLE = "unanswerable"


class QuestionSetError(ValueError):
    """A question file that does not follow the schema; the message names the file and line."""


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    split: str = "test"
    type: str = "factoid"
    docs: tuple[str, ...] = ()
    answer: str = ""
    must_contain: tuple[tuple[str, ...], ...] = ()
    evidence: tuple[str, ...] = ()
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first
    source: str = ""  # "file:line", for messages

    @property
    def answerable(self) -> bool:
        return self.type != UNANSWERABLE


def _strings(value: object, what: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QuestionSetError(f"{where}: {what} must be a list of non-empty strings")
    return tuple(value)


def parse_question(row: object, where: str) -> EvalQuestion:
    """One validated question from one decoded JSON line."""
    if not isinstance(row, dict):
        raise QuestionSetError(f"{where}: each line must be a JSON object")
    for key in ("id", "question"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise QuestionSetError(f"{where}: {key!r} must be a non-empty string")
    doc = row.get("doc")
    if doc is None:
        docs: tuple[str, ...] = ()
    elif isinstance(doc, str) and doc.strip():
        docs = (doc,)
    else:
        docs = _strings(doc, "'doc'", where)
    groups = row.get("must_contain", [])
    if not isinstance(groups, list):
        raise QuestionSetError(f"{where}: 'must_contain' must be a list of lists of alternatives")
    must = tuple(_strings(g, "each 'must_contain' group", where) for g in groups)
    if any(not g for g in must):
        raise QuestionSetError(f"{where}: a 'must_contain' group is empty")
    evidence = _strings(row.get("evidence", []), "'evidence'", where)
    history = _strings(row.get("history", []), "'history'", where)
    qtype = row.get("type") or ("factoid" if docs else UNANSWERABLE)
    split = row.get("split") or "test"
    if split not in SPLITS:
        raise QuestionSetError(f"{where}: split {split!r} is not one of {', '.join(SPLITS)}")
    if qtype != UNANSWERABLE and evidence and not docs:
        raise QuestionSetError(f"{where}: evidence is given but no 'doc' says where it is")
    if qtype == UNANSWERABLE and (must or evidence):
        raise QuestionSetError(f"{where}: an unanswerable question cannot have must_contain or evidence")
    return EvalQuestion(
        id=row["id"],
        question=row["question"],
        split=split,
        type=str(qtype),
        docs=docs,
        answer=str(row.get("answer", "")),
        must_contain=must,
        evidence=evidence,
        history=history,
        source=where,
    )


def read_file(path: Path) -> list[EvalQuestion]:
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise QuestionSetError(f"{path}: not UTF-8 text") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{where}: not JSON ({exc.msg})") from exc
        questions.append(parse_question(row, where))
    return questions


def default_files() -> list[Path]:
    return sorted(QUESTIONS_DIR.glob("*.jsonl"))


def load_questions(paths: Iterable[Path] | None = None) -> list[EvalQuestion]:
    """All questions of the given files (default: every ``eval/questions/*.jsonl``); ids must be unique."""
    files = list(paths) if paths is not None else default_files()
    if not files:
        raise QuestionSetError(f"no question files found in {QUESTIONS_DIR}")
    questions: list[EvalQuestion] = []
    seen: dict[str, str] = {}
    for path in files:
        for q in read_file(Path(path)):
            if q.id in seen:
                raise QuestionSetError(f"{q.source}: id {q.id!r} already used at {seen[q.id]}")
            seen[q.id] = q.source
            questions.append(q)
    return questions


def select_split(questions: Sequence[EvalQuestion], split: str) -> list[EvalQuestion]:
    """``split`` is "dev", "test" or "all"."""
    if split == "all":
        return list(questions)
    if split not in SPLITS:
        raise QuestionSetError(f"unknown split {split!r}; use dev, test or all")
    return [q for q in questions if q.split == split]
