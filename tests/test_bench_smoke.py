"""Every benchmark script runs in its --smoke mode and prints its figures (no timing assertions)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from index.settings import REPO_ROOT

if str(REPO_ROOT) not in sys.path:  # bench/ is not an installed package (pyproject lists index, qa, ui, eval)
    sys.path.insert(0, str(REPO_ROOT))

pytestmark = pytest.mark.slow
NUMBER = r"[0-9]+(?:\.[0-9]+)?"


def test_latency_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import latency

    report = latency.main(["--smoke"])
    out = capsys.readouterr().out
    assert "machine:" in out
    assert re.search(rf"load: model {NUMBER} s, pipeline .* {NUMBER} s", out)
    for mode in ("hybrid", "bm25", "dense", "hybrid-ahead"):
        assert re.search(rf"\[{mode}\] end-to-end\s+p50\s+{NUMBER} ms\s+p95\s+{NUMBER} ms", out), mode
    assert re.search(rf"\[hybrid\]\s+dense\s+p50\s+{NUMBER} ms", out)
    assert re.search(rf"hybrid-ahead / bm25-only: p50 {NUMBER}x, p95 {NUMBER}x", out)
    assert re.search(rf"batch: 3 questions \(hybrid\) in {NUMBER} s", out)
    assert [m.mode for m in report.modes] == ["hybrid", "bm25", "dense", "hybrid-ahead"]


def test_build_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import build

    bench = build.main(["--smoke"])
    out = capsys.readouterr().out
    assert re.search(rf"\[cold\] \d+ chunks \(\d+ embedded, 0 reused\) in {NUMBER} s: {NUMBER} chunks/s", out)
    assert re.search(rf"\[warm\] \d+ chunks \(0 embedded, \d+ reused\) in {NUMBER} s", out)
    assert "peak rss" in out
    cold, warm = bench.runs
    assert cold.embedded == cold.chunks > 0 and warm.reused == warm.chunks


def test_scale_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import scale

    report = scale.main(["--smoke"])
    out = capsys.readouterr().out
    assert re.search(r"size method\s+build s\s+mem MB\s+p50 ms", out)
    methods = {(r.size, r.method) for r in report.rows}
    assert {(500, "flat"), (500, "hnsw"), (500, "ivf"), (500, "bm25"), (2000, "flat")} <= methods
    flat = next(r for r in report.rows if r.method == "flat")
    assert flat.recall_at_10 == 1.0
    assert all(r.recall_at_10 is None or 0.0 <= r.recall_at_10 <= 1.0 for r in report.rows)
    written = re.search(r"wrote (\S+) and (\S+)", out)
    assert written and all(Path(p).stat().st_size > 0 for p in written.groups())


def test_load_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import load

    report = load.main(["--smoke"])
    out = capsys.readouterr().out
    assert re.search(rf"\[app 2 clients\] \d+ answers in {NUMBER} s: {NUMBER} req/s", out)
    assert report.results[0].errors == 0, report.results[0].first_error
    assert report.results[0].completed > 0


def test_mixed_load_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import mixed_load

    report = mixed_load.main(["--smoke"])
    out = capsys.readouterr().out
    assert re.search(rf"\[with hostile\] 2 normal \+ 1 hostile clients, {NUMBER} s: \d+ answers", out)
    assert re.search(rf"server rss: at rest {NUMBER} MB, peak {NUMBER} MB", out)
    assert all(p.errors == 0 for p in report.phases), report.phases[-1].first_error
    outcomes = report.phases[-1].hostile_outcomes
    assert outcomes and not any("WITHOUT message" in o or "without message" in o for o in outcomes)


def test_embed_backends_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import embed_backends

    report = embed_backends.main(["--smoke", "--backends", "torch,onnx-int8"])
    out = capsys.readouterr().out
    for backend in ("torch", "onnx-int8"):
        assert re.search(rf"\[query {backend}\s*\] p50\s+{NUMBER} ms", out), backend
        assert re.search(rf"\[build {backend}\s*\] \d+ chunks \+ \d+ sentences in {NUMBER} s: {NUMBER} chunks/s", out)
    assert re.search(rf"query p50 speed-up onnx-int8 vs torch: {NUMBER}x", out)
    assert report.cosine_to_torch["onnx-int8"][1] > 0.99
