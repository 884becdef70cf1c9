"""The quality gate: hand-made metrics, then a deliberately broken pipeline against the real one."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from eval import gate, report, runner
from eval.gate import Thresholds
from eval.questions import TYPES, load_questions, select_split
from qa.pipeline import Pipeline
from qa.types import Hit

THRESHOLDS = Thresholds(
    minimum={"hit@5": 0.9, "mrr@10": 0.7, "all_facts": 0.6},
    maximum={"false_refusal_rate": 0.1},
    min_by_type={"hit@5": {"factoid": 0.9, "english": 0.6}},
)


def test_every_shortfall_is_listed() -> None:
    summary = {"hit@5": 0.95, "mrr@10": 0.5, "all_facts": 0.2, "false_refusal_rate": 0.3}
    by_type = {"factoid": {"hit@5": 0.8}, "english": {"hit@5": 0.6}}
    result = gate.check(summary, by_type, THRESHOLDS)
    assert not result.passed
    assert result.failures == [
        "mrr@10 = 0.500 below 0.700",
        "all_facts = 0.200 below 0.600",
        "false_refusal_rate = 0.300 above maximum 0.100",
        "hit@5 [factoid] = 0.800 below 0.900",
    ]


def test_values_at_the_threshold_pass_and_unmeasured_ones_are_skipped() -> None:
    summary = {"hit@5": 0.9, "mrr@10": 0.7, "all_facts": 0.6, "false_refusal_rate": 0.1}
    result = gate.check(summary, {"factoid": {"hit@5": 1.0}}, THRESHOLDS)
    assert result.passed
    assert result.skipped == ["hit@5 [english]: not measured on this question set"]


def test_scaling_moves_thresholds_towards_the_trivial_bound() -> None:
    half = THRESHOLDS.scaled(0.5)
    assert half.minimum["hit@5"] == pytest.approx(0.45)
    assert half.maximum["false_refusal_rate"] == pytest.approx(0.55)
    assert half.min_by_type["hit@5"]["english"] == pytest.approx(0.3)
    zero = THRESHOLDS.scaled(0.0)
    assert gate.check({"hit@5": 0.0, "mrr@10": 0.0, "all_facts": 0.0, "false_refusal_rate": 1.0}, {}, zero).passed


def test_the_bundled_thresholds_cover_the_required_metrics() -> None:
    th = gate.load_thresholds()
    assert (th.system, th.split) == ("full", "test")
    assert {"hit@5", "mrr@10", "all_facts", "citation_support", "refusal_accuracy"} <= set(th.minimum)
    assert "false_refusal_rate" in th.maximum
    answerable_types = set(TYPES) - {"unanswerable"}
    assert set(th.min_by_type["hit@5"]) == answerable_types
    assert all(0.0 <= v <= 1.0 for v in [*th.minimum.values(), *th.maximum.values()])
    assert gate.THRESHOLDS_FILE.read_text(encoding="utf-8").startswith("# Measured: ")  # says which run


def test_a_missing_system_or_a_crash_fails_the_gate() -> None:
    rep = {"summary": {"bm25": {}}, "by_type": {"bm25": {}}, "questions": {"bm25": []}}
    assert gate.check_report(rep, Thresholds()).failures == ["system 'full' was not evaluated; the gate needs it"]
    rep = {
        "summary": {"full": {}},
        "by_type": {"full": {}},
        "questions": {"full": [{"id": "q1", "error": "exception: KeyError: 'x'"}, {"id": "q2", "error": None}]},
    }
    assert gate.check_report(rep, Thresholds()).failures == ["1 question(s) raised an exception: q1"]


# --- end to end on a slice, with the real model and index --------------------------------------------------


class RandomRetrievalPipeline(Pipeline):
    """The real pipeline, except that retrieval returns random passages (a deliberately broken system)."""

    def retrieve(self, prepared, *, k=None, **_filters):
        rng = random.Random(prepared.query.text)
        rows = rng.sample(range(len(self.index.chunks)), k or self.settings.top_k)
        hits = [Hit(chunk=self.index.chunks[r], row=r, score=1.0 / (i + 1), rank=i + 1) for i, r in enumerate(rows)]
        return hits, {}


# Unanswerable questions about places no document covers (Foshan, Macao): any working refusal catches them.
OUT_OF_CORPUS = ("a103", "a106")


def _slice() -> list:
    """20 test questions: the first two of each answerable type except crossdoc and followup (asked after
    earlier turns), two unanswerable ones."""
    test = select_split(load_questions(), "test")
    picked = []
    for qtype in TYPES:
        if qtype not in {"crossdoc", "followup", "unanswerable"}:
            picked += [q for q in test if q.type == qtype][:2]
    picked += [q for q in test if q.id in OUT_OF_CORPUS]
    assert len(picked) == 20
    return picked


def _gate(pipeline, questions) -> gate.GateResult:
    results = {"full": runner.run_system("full", pipeline, questions, progress=False)}
    return gate.check_report(report.build_report(results, {"label": "slice"}), gate.load_thresholds().scaled(0.5))


@pytest.mark.slow
def test_gate_fails_a_broken_pipeline_and_passes_the_real_one(settings, embedder, pipeline) -> None:
    questions = _slice()
    broken = RandomRetrievalPipeline(settings, embedder=embedder, index=pipeline.index, progress=False)
    failed = _gate(broken, questions)
    assert not failed.passed
    assert any(line.startswith("hit@5 = ") for line in failed.failures), failed.failures
    passed = _gate(pipeline, questions)
    assert passed.passed, passed.failures


@pytest.mark.slow
def test_cli_writes_the_report_and_gates(settings, pipeline, tmp_path: Path) -> None:
    from qa.cli import main

    rows = [q for q in _slice() if q.type in {"factoid", "unanswerable"}][:3]
    qfile = tmp_path / "mine.jsonl"
    qfile.write_text(
        "".join(
            json.dumps(
                {
                    "id": q.id,
                    "question": q.question,
                    "doc": list(q.docs) or None,
                    "must_contain": [list(g) for g in q.must_contain],
                    "evidence": list(q.evidence),
                    "type": q.type,
                },
                ensure_ascii=False,
            )
            + "\n"
            for q in rows
        ),
        encoding="utf-8",
    )
    impossible = tmp_path / "impossible.toml"
    impossible.write_text('# Measured: never\nsystem = "full"\n[min]\n"hit@5" = 1.01\n', encoding="utf-8")
    out = tmp_path / "report"
    argv = [
        "eval",
        "--questions",
        str(qfile),
        "--systems",
        "full,bm25",
        "--report",
        str(out),
        "--quiet",
        "--index",
        str(settings.index_dir),
        "--seeds",
        str(settings.seeds_dir),
    ]
    assert main([*argv, "--gate", "--thresholds", str(impossible)]) == 1
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(data["summary"]) == {"full", "bm25"}
    assert data["summary"]["full"]["n"] == len(rows)
    assert data["gate"]["failures"] and not data["gate"]["passed"]
    assert "## Worst misses (full)" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "hit5_by_type.png").stat().st_size > 1000
    assert not list(out.glob(".*.tmp"))
