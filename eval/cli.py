"""`policyqa eval`: run the systems on a question set, write the report, optionally apply the gate."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from index.cli import add_common_args, settings_from_args
from index.settings import REPO_ROOT

DEFAULT_REPORT = Path(__file__).resolve().parent / "report"


def _git_revision() -> str:
    """The commit evaluated, with "+dirty" for uncommitted changes (read-only git calls)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def run_eval(args: argparse.Namespace) -> int:
    from eval import gate, report, runner
    from eval.questions import QuestionSetError, load_questions, select_split

    try:
        systems = runner.parse_systems(args.systems)
        files = [args.questions] if args.questions else None
        split = args.split or ("all" if args.questions else "test")
        questions = select_split(load_questions(files), split)
    except (ValueError, QuestionSetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.limit:
        questions = questions[: args.limit]
    if not questions:
        print(f"error: no questions in split {split!r}", file=sys.stderr)
        return 2
    thresholds = gate.load_thresholds(args.thresholds or gate.THRESHOLDS_FILE) if args.gate else None
    settings = settings_from_args(args)
    label = split if not args.questions else f"{args.questions.name} ({split})"
    started = time.perf_counter()
    base = None
    if args.tradeoff and "full" in systems:
        base = runner.build_pipelines(settings, ["full"], progress=not args.quiet)["full"]
    results = runner.run_all(settings, questions, systems, base=base, progress=not args.quiet)
    meta = {
        "label": label,
        "split": split,
        "questions": str(args.questions) if args.questions else "eval/questions/*.jsonl",
        "n_questions": len(questions),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "revision": _git_revision(),
        "index_dir": str(settings.index_dir),
        "window_index_dir": str(runner.window_settings(settings).index_dir),
        "model": settings.model,
        "embed_backend": str(settings.embed_backend),
        "seconds": round(time.perf_counter() - started, 1),
        "systems": {name: runner.SYSTEMS[name].description for name in systems},
    }
    for name, rs in results.items():
        for r in runner.crashed(rs):
            print(f"warning: {name} {r.id}: {r.error}", file=sys.stderr)
    built = report.build_report(results, meta)
    if base is not None:
        from eval.tradeoff import tradeoff

        built["tradeoff"] = tradeoff(base, questions)
    outcome = None
    if thresholds is not None:
        outcome = gate.check_report(built, thresholds)
        built["gate"] = {
            "thresholds_file": _relative(Path(thresholds.source)),
            "system": thresholds.system,
            "passed": outcome.passed,
            "failures": outcome.failures,
            "skipped": outcome.skipped,
        }
    folder = args.report or DEFAULT_REPORT
    report.write_report(built, folder)
    print(f"\n{label}: {len(questions)} questions\n")
    print(report.text_table(built["summary"], "system"))
    if "full" in built["by_type"]:
        print("\nfull, by question type:\n")
        print(report.text_table(built["by_type"]["full"], "type"))
    print(f"\nreport written to {folder}/report.md")
    if outcome is None:
        return 0
    if thresholds is not None and split != thresholds.split:
        print(f"note: thresholds were set on the {thresholds.split} split; this run is {split}", file=sys.stderr)
    for line in outcome.skipped:
        print(f"gate: skipped {line}", file=sys.stderr)
    if outcome.passed:
        print("gate: passed")
        return 0
    print(f"gate: FAILED ({len(outcome.failures)} below threshold)", file=sys.stderr)
    for line in outcome.failures:
        print(f"  {line}", file=sys.stderr)
    return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("eval", help="evaluate retrieval and answers on the held-out question set")
    add_common_args(p)
    p.add_argument("--split", choices=["test", "dev", "all"],
                   help="which questions (default: test; all when --questions is given)")
    p.add_argument("--questions", type=Path, help="a JSONL file in the question schema instead of the bundled set")
    p.add_argument("--report", type=Path, help=f"folder for report.json/report.md/charts (default: {DEFAULT_REPORT})")
    p.add_argument("--systems", default="full,bm25,dense,window400",
                   help="comma-separated: full, bm25, dense, window400 (default: all four)")
    p.add_argument("--gate", action="store_true", help="exit non-zero when the full system misses a threshold")
    p.add_argument("--thresholds", type=Path, default=None, help="thresholds file (default: eval/thresholds.toml)")
    p.add_argument("--tradeoff", action="store_true",
                   help="also measure false refusals against refusal accuracy as the judge's threshold moves")
    p.add_argument("--limit", type=int, help="only the first N questions (quick checks)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run_eval)
