"""Per-format quality: the seeds converted to each format (bench/convert_seeds.py), each collection indexed in
its own index folder, then `policyqa eval --split test --systems full` on it. Prints build time and the test
split's all-facts (and citation support, false refusal) next to the .txt collection's.

    .venv/bin/python -m bench.formats [--formats pdf,docx,html,gbk,utf16] [--work /tmp/policyqa-formats]

Slow on 2 cores (one index build and one evaluation per format): a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from bench.convert_seeds import FORMATS, convert
from index.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"
POLICYQA = Path(sys.executable).with_name("policyqa")


def _titles() -> dict[str, str]:
    catalog = tomllib.loads((SEEDS / "catalog.toml").read_text(encoding="utf-8"))
    return {name: entry.get("title", name) for name, entry in catalog.items()}


def renamed_questions(work: Path, suffix: str) -> Path:
    """The question set with the seeds' file names as the converted collection names them (000_x.txt ->
    000_x.pdf), so that retrieval and citations are judged against the right files. Questions are unchanged."""
    names = {p.name: p.stem + suffix for p in SEEDS.glob("*.txt")}

    def rename(value: object) -> object:
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value

    out = work / f"questions{suffix}.jsonl"
    rows = []
    for path in sorted((REPO_ROOT / "eval" / "questions").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append(json.dumps({k: rename(v) if k in ("doc", "docs") else v for k, v in row.items()},
                                       ensure_ascii=False))
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def measure(seeds: Path, work: Path, label: str, suffix: str = ".txt") -> dict:
    env = dict(os.environ, POLICYQA_SEEDS_DIR=str(seeds), POLICYQA_INDEX_DIR=str(work / f"{label}-index"))
    started = time.perf_counter()
    subprocess.run([str(POLICYQA), "index", "--quiet"], env=env, check=True, cwd=REPO_ROOT)
    build_s = time.perf_counter() - started
    report = work / f"{label}-report"
    questions = renamed_questions(work, suffix)
    subprocess.run(
        [str(POLICYQA), "eval", "--questions", str(questions), "--split", "test", "--systems", "full", "--quiet",
         "--report", str(report)],
        env=env, check=True, cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
    )
    summary = json.loads((report / "report.json").read_text(encoding="utf-8"))["summary"]["full"]
    return {"format": label, "build_s": round(build_s, 1), **{k: summary.get(k) for k in
            ("hit@5", "all_facts", "citation_support", "false_refusal_rate", "refusal_accuracy")}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="pdf,docx,html,gbk,utf16")
    parser.add_argument("--work", type=Path, default=Path("/tmp/policyqa-formats"))
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        parser.error(f"unknown format(s) {unknown}; one of {FORMATS}")
    args.work.mkdir(parents=True, exist_ok=True)
    rows = [measure(SEEDS, args.work, "txt")]
    print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    for fmt in formats:
        folder = convert(SEEDS, args.work / fmt, fmt, _titles())
        rows.append(measure(folder, args.work, fmt, {"pdf": ".pdf", "docx": ".docx", "html": ".html"}.get(fmt, ".txt")))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    base = rows[0]["all_facts"]
    print("\n| format | build s | hit@5 | all facts | Δ vs .txt | citation support | false refusal |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['format']} | {r['build_s']} | {r['hit@5']:.3f} | {r['all_facts']:.3f} | "
              f"{r['all_facts'] - base:+.3f} | {r['citation_support']:.3f} | {r['false_refusal_rate']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
