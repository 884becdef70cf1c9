"""Answer latency per stage: full hybrid vs BM25-only vs dense-only (and hybrid with the embedding started ahead on
a worker thread), interleaved question by question; load time, a 160-question batch.

    python -m bench.latency [--rounds 3] [--batch 160] [--json out.json]
    python -m bench.latency --smoke      # tiny corpus, 3 questions, seconds once the model is loaded

The pipeline loads once; it is warmed up; then the dev questions run ``--rounds`` times, each in every mode in turn.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import (
    Stats,
    dev_questions,
    embedder,
    fmt_ms,
    machine,
    machine_line,
    peak_rss_mb,
    smoke_settings,
    write_json,
)
from index import store
from index.settings import Settings

MODES = ("hybrid", "bm25", "dense")
# The hybrid question again with the embedding started ahead on the embedder's worker (Settings.embed_ahead).
AHEAD = "hybrid-ahead"
STAGES = ("analyse", "embed", "dense", "bm25", "fusion", "evidence", "total")


@dataclass
class ModeResult:
    mode: str
    end_to_end: Stats
    stages: dict[str, Stats] = field(default_factory=dict)


@dataclass
class LatencyReport:
    machine: dict
    questions: int
    rounds: int
    model_load_s: float
    pipeline_load_s: float
    index_load_s: float
    modes: list[ModeResult]
    batch_questions: int
    batch_total_s: float
    peak_rss_mb: float


def _answer(pipeline, question: str, mode: str):
    """One answer in ``mode``; AHEAD is hybrid with Settings.embed_ahead on."""
    plain = pipeline.settings.replace(embed_ahead=False)
    pipeline.settings = plain.replace(embed_ahead=True) if mode == AHEAD else plain
    try:
        return pipeline.answer(question, mode="hybrid" if mode == AHEAD else mode)
    finally:
        pipeline.settings = plain


def run_modes(pipeline, questions: list[str], rounds: int, modes: tuple[str, ...]) -> list[ModeResult]:
    """The modes interleaved question by question, so that a change in the machine's load hits all alike; the
    order rotates, so that no mode always meets a question first (later ones find its words cached)."""
    per_stage: dict[str, dict[str, list[float]]] = {m: {s: [] for s in STAGES} for m in modes}
    wall: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(rounds):
        for i, q in enumerate(questions):
            for mode in modes[i % len(modes) :] + modes[: i % len(modes)]:
                t = time.perf_counter()
                answer = _answer(pipeline, q, mode)
                wall[mode].append((time.perf_counter() - t) * 1000)
                for stage, ms in answer.timings_ms.items():
                    per_stage[mode].setdefault(stage, []).append(ms)
    return [ModeResult(m, Stats.of(wall[m]), {s: Stats.of(v) for s, v in per_stage[m].items() if v}) for m in modes]


def measure(settings: Settings, questions: list[str], rounds: int, warmup: int, batch: int) -> LatencyReport:
    from qa.pipeline import Pipeline

    t = time.perf_counter()
    emb = embedder(settings)
    model_load = time.perf_counter() - t
    t = time.perf_counter()
    pipeline = Pipeline(settings, embedder=emb, progress=False)
    pipeline_load = time.perf_counter() - t
    t = time.perf_counter()
    store.load_index(settings.index_dir, (emb.info.id, emb.info.checksum))
    index_load = time.perf_counter() - t
    for q in (questions * (1 + warmup // max(1, len(questions))))[:warmup]:
        for mode in (*MODES, AHEAD):
            _answer(pipeline, q, mode)
    modes = run_modes(pipeline, questions, rounds, (*MODES, AHEAD))
    batch_qs = (questions * (batch // max(1, len(questions)) + 1))[:batch]
    t = time.perf_counter()
    for q in batch_qs:
        pipeline.answer(q)
    batch_total = time.perf_counter() - t
    return LatencyReport(
        machine(),
        len(questions),
        rounds,
        model_load,
        pipeline_load,
        index_load,
        modes,
        len(batch_qs),
        batch_total,
        peak_rss_mb(),
    )


def print_report(r: LatencyReport) -> None:
    print(machine_line())
    print(f"questions: {r.questions} dev x {r.rounds} rounds per mode (sequential, after warm-up)")
    print(
        f"load: model {r.model_load_s:.2f} s, pipeline (index check+load) {r.pipeline_load_s:.2f} s, "
        f"index load alone {r.index_load_s:.2f} s"
    )
    for m in r.modes:
        print(f"[{m.mode}] end-to-end  {fmt_ms(m.end_to_end)}")
        for stage in STAGES:
            if stage in m.stages:
                print(f"[{m.mode}]   {stage:<10} {fmt_ms(m.stages[stage])}")
    by_mode = {m.mode: m.end_to_end for m in r.modes}
    for mode in ("hybrid", AHEAD):
        if mode in by_mode and "bm25" in by_mode:
            print(
                f"{mode} / bm25-only: p50 {by_mode[mode].p50 / by_mode['bm25'].p50:.2f}x, "
                f"p95 {by_mode[mode].p95 / by_mode['bm25'].p95:.2f}x"
            )
    print(
        f"batch: {r.batch_questions} questions (hybrid) in {r.batch_total_s:.2f} s "
        f"({r.batch_total_s / max(1, r.batch_questions) * 1000:.1f} ms/question)"
    )
    print(f"peak rss: {r.peak_rss_mb:.0f} MB")


def main(argv: list[str] | None = None) -> LatencyReport:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=160)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N dev questions")
    ap.add_argument("--index-dir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    if args.smoke:
        settings = smoke_settings()
        questions, rounds, warmup, batch = dev_questions(3), 1, 1, 3
    else:
        settings = Settings.from_env().replace(index_dir=args.index_dir)
        questions, rounds, warmup, batch = dev_questions(args.limit or None), args.rounds, args.warmup, args.batch
    report = measure(settings, questions, rounds, warmup, batch)
    print_report(report)
    if args.json:
        write_json(args.json, report)
    return report


if __name__ == "__main__":
    main()
