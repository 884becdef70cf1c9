"""Index build throughput, cold (every passage embedded) vs warm (vectors reused from the previous build).

    python -m bench.build [--runs 1] [--workers 2] [--json out.json]
    python -m bench.build --smoke      # the start of one document, seconds once the model is loaded

Builds into a fresh temporary index folder from the configured seeds; the user's index is never touched.
Memory: RSS sampled from /proc during each build (peak), and the process's ru_maxrss.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import RssSampler, embedder, machine, machine_line, peak_rss_mb, rss_mb, smoke_settings, write_json
from index.builder import build_index
from index.settings import Settings


@dataclass
class BuildRun:
    kind: str  # "cold" or "warm"
    chunks: int
    embedded: int
    reused: int
    seconds: float
    chunks_per_s: float
    peak_rss_mb: float


@dataclass
class BuildBench:
    machine: dict
    model_load_s: float
    rss_after_model_mb: float
    runs: list[BuildRun]
    ru_maxrss_mb: float


def one_build(settings: Settings, emb, kind: str, workers: int = 1) -> BuildRun:
    with RssSampler() as rss:
        t = time.perf_counter()
        report = build_index(settings, emb, rebuild=(kind == "cold"), progress=False, workers=workers)
        seconds = time.perf_counter() - t
    return BuildRun(kind, report.chunks, report.embedded, report.reused, seconds, report.chunks / seconds, rss.peak_mb)


def measure(settings: Settings, runs: int, workers: int = 1) -> BuildBench:
    t = time.perf_counter()
    emb = embedder(settings)
    model_load = time.perf_counter() - t
    emb.encode_passages(["预热"])  # first call initialises torch; keep it out of the cold build
    after_model = rss_mb()
    results = []
    for _ in range(runs):
        results.append(one_build(settings, emb, "cold", workers))
        results.append(one_build(settings, emb, "warm", workers))
    return BuildBench(machine(), model_load, after_model, results, peak_rss_mb())


def print_report(b: BuildBench) -> None:
    print(machine_line())
    print(f"model load {b.model_load_s:.2f} s, rss after model load {b.rss_after_model_mb:.0f} MB")
    for r in b.runs:
        print(
            f"[{r.kind}] {r.chunks} chunks ({r.embedded} embedded, {r.reused} reused) in {r.seconds:.2f} s: "
            f"{r.chunks_per_s:.1f} chunks/s, peak rss {r.peak_rss_mb:.0f} MB"
        )
    print(f"ru_maxrss {b.ru_maxrss_mb:.0f} MB")


def main(argv: list[str] | None = None) -> BuildBench:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1, help="cold+warm pairs")
    ap.add_argument("--seeds-dir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=1, help="concurrent embedding calls, as `policyqa index` runs ONNX")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    if args.smoke:
        settings, runs = smoke_settings(), 1
    else:
        index_dir = Path(tempfile.mkdtemp(prefix="policyqa-bench-build-")) / "index"
        settings, runs = Settings.from_env().replace(seeds_dir=args.seeds_dir, index_dir=index_dir), args.runs
    bench = measure(settings, runs, args.workers)
    print_report(bench)
    if args.json:
        write_json(args.json, bench)
    return bench


if __name__ == "__main__":
    main()
