"""The bundled question set follows its schema and points at text that really is in the seeds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.questions import SPLITS, TYPES, QuestionSetError, default_files, load_questions, read_file, select_split
from index.settings import REPO_ROOT
from index.textnorm import normalize_for_match

SEEDS = REPO_ROOT / "seeds"


@pytest.fixture(scope="module")
def questions():
    return load_questions()


def test_every_line_parses_and_ids_are_unique(questions) -> None:
    lines = sum(1 for f in default_files() for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(questions) == lines
    assert len({q.id for q in questions}) == len(questions)


def test_splits_and_types(questions) -> None:
    splits = Counter(q.split for q in questions)
    assert set(splits) == set(SPLITS)
    assert splits["test"] >= 100
    assert {q.type for q in questions} <= set(TYPES)
    for split in SPLITS:
        assert {q.type for q in select_split(questions, split)} == set(TYPES), split
    unanswerable = sum(1 for q in questions if not q.answerable)
    assert unanswerable / len(questions) >= 0.15
    for split in SPLITS:
        part = select_split(questions, split)
        assert sum(1 for q in part if not q.answerable) / len(part) >= 0.15, split


def test_answerable_questions_have_docs_facts_and_evidence(questions) -> None:
    for q in questions:
        if q.answerable:
            assert q.docs and q.must_contain and q.evidence, q.id
            assert all((SEEDS / d).is_file() for d in q.docs), q.id
            if q.type == "crossdoc":
                assert len(set(q.docs)) >= 2, q.id
        else:
            assert not q.docs and not q.must_contain and not q.evidence, q.id


def test_evidence_is_verbatim_in_the_raw_seed(questions) -> None:
    raw = {f.name: f.read_text(encoding="utf-8") for f in SEEDS.glob("*.txt")}
    for q in questions:
        for ev in q.evidence:
            assert "\n" not in ev and "**" not in ev, (q.id, ev)
            assert any(ev in raw[d] for d in q.docs), (q.id, ev)


def test_every_fact_group_has_an_alternative_in_the_document(questions) -> None:
    norm = {f.name: normalize_for_match(f.read_text(encoding="utf-8")) for f in SEEDS.glob("*.txt")}
    for q in questions:
        for group in q.must_contain:
            assert any(normalize_for_match(alt) in norm[d] for alt in group for d in q.docs), (q.id, group)


# --- the loader's own checks -------------------------------------------------------------------------------


def _write(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def test_minimal_rows_are_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {"id": "1", "question": "问题？", "doc": "a.txt", "must_contain": [["x"]]},
            {"id": "2", "question": "没有的？"},
        ],
    )
    a, b = read_file(path)
    assert (a.split, a.type, a.docs, a.answerable) == ("test", "factoid", ("a.txt",), True)
    assert (b.type, b.answerable) == ("unanswerable", False)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["{not json"], "q.jsonl:1: not JSON"),
        ([{"id": "1"}], "'question'"),
        ([{"id": "1", "question": "q", "split": "train"}], "split 'train'"),
        ([{"id": "1", "question": "q", "must_contain": [[]]}], "must_contain"),
        ([{"id": "1", "question": "q", "type": "unanswerable", "evidence": ["x"]}], "unanswerable"),
        ([{"id": "1", "question": "q", "evidence": ["x"], "type": "factoid"}], "no 'doc'"),
        ([{"id": "1", "question": "q"}, {"id": "1", "question": "r"}], "q.jsonl:2: id '1' already used"),
    ],
)
def test_bad_rows_are_reported_with_their_line(tmp_path: Path, rows: list[object], message: str) -> None:
    with pytest.raises(QuestionSetError, match=message.replace("(", r"\(")):
        load_questions([_write(tmp_path, rows)])
