"""The `policyqa` command. Subcommands are found through the ``policyqa.commands`` entry points, so this
module never imports the app or the evaluation (dependency direction ui -> qa, eval -> qa)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

from tqdm import tqdm

from index.cli import add_common_args, settings_from_args
from index.embedder import ModelNotAvailable
from index.store import IndexProblem
from qa.types import Answer


def format_answer(answer: Answer) -> str:
    lines = [answer.answer, ""]
    if answer.error:
        return answer.answer
    if answer.refused:
        lines.append("可能相关的内容：")
        for i, hit in enumerate(answer.passages[:3], 1):
            lines.append(f"  ({i}) {hit.chunk.title} › {hit.chunk.section_label}")
            lines.append(f"      {hit.chunk.text[:160]}")
        return "\n".join(lines)
    lines.append("来源：")
    for c in answer.citations:
        chunk = c.hit.chunk
        lines.append(
            f"  [{c.n}] 《{chunk.title}》 › {chunk.section_label}" if chunk.section else f"  [{c.n}] 《{chunk.title}》"
        )
        lines.append(f"      {chunk.text}")
    return "\n".join(lines)


def _read_questions(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"error: {path}:{n} is not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or "question" not in row:
            raise SystemExit(f'error: {path}:{n} needs a "question" field')
        rows.append(row)
    return rows


def run_ask(args: argparse.Namespace) -> int:
    from qa.pipeline import Pipeline

    if not args.question and not args.questions:
        raise SystemExit("error: give a question, or --questions FILE.jsonl")
    settings = settings_from_args(args)
    pipeline = Pipeline(settings, progress=not args.json)
    if args.questions:
        rows = _read_questions(args.questions)
        out_path = args.out or args.questions.with_suffix(".answers.jsonl")
        tmp = out_path.with_name(f".{out_path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for row in tqdm(rows, desc="answering", unit="q", file=sys.stderr):
                t = time.perf_counter()
                ans = pipeline.answer(str(row["question"]), doc=args.doc, region=args.region)
                record = {
                    "id": row.get("id"),
                    **ans.to_json(),
                    "latency_ms": round((time.perf_counter() - t) * 1000, 2),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(out_path)
        print(f"wrote {len(rows)} answers to {out_path}", file=sys.stderr)
        return 0
    answer = pipeline.answer(args.question, doc=args.doc, region=args.region)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 2 if answer.error else 0


def register_ask(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("ask", help="answer a question (or a JSONL file of questions)")
    add_common_args(p)
    p.add_argument("question", nargs="?", help="the question, in Chinese or English")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--questions", type=Path, help="JSONL file with id and question per line")
    p.add_argument("--out", type=Path, help="where --questions writes its answers (JSONL)")
    p.add_argument("--doc", help="only this seed file")
    p.add_argument("--region", help="only documents of this region")
    p.set_defaults(func=run_ask)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policyqa", description="Offline answers from Chinese policy documents.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for ep in sorted(entry_points(group="policyqa.commands"), key=lambda e: e.name):
        try:
            register = ep.load()
        except (ImportError, AttributeError) as exc:
            # One broken subcommand (e.g. a missing optional dependency) must not take down the others.
            print(f"warning: command {ep.name!r} unavailable: {exc}", file=sys.stderr)
            continue
        register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (IndexProblem, ModelNotAvailable, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
