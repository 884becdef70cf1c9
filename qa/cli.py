"""The `policyqa` command. Subcommands are found through the ``policyqa.commands`` entry points, so this
module never imports the app or the evaluation (dependency direction ui -> qa, eval -> qa)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from index.cli import add_common_args, settings_from_args
from index.embedder import ModelNotAvailable
from index.modes import ModeError
from index.progress import progress_bar
from index.store import IndexProblem
from qa.filters import select_documents
from qa.inputs import InputError, check_scope
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
        label = f"  [{c.n}] 《{chunk.title}》" + (f" › {chunk.section_label}" if chunk.section else "")
        lines.append(f"{label}（{chunk.where}）" if chunk.where else label)
        lines.append(f"      {chunk.text}")
    return "\n".join(lines)


@dataclass(frozen=True)
class QuestionRow:
    line: int
    id: object
    question: str
    error: str | None = None  # the line could not be used; it becomes an error row with its id


def _row(n: int, line: str) -> QuestionRow:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return QuestionRow(n, None, "", f"第 {n} 行不是合法的 JSON：{exc.msg}")
    except RecursionError:
        return QuestionRow(n, None, "", f"第 {n} 行嵌套太深")
    if not isinstance(data, dict):
        return QuestionRow(n, None, "", f'第 {n} 行应是对象，形如 {{"id": ..., "question": "..."}}')
    question = data.get("question")
    if question is None:
        return QuestionRow(n, data.get("id"), "", f'第 {n} 行缺少 "question"')
    if not isinstance(question, str):
        return QuestionRow(n, data.get("id"), "", f'第 {n} 行的 "question" 必须是文字')
    return QuestionRow(n, data.get("id"), question)


def _read_questions(path: Path) -> list[QuestionRow]:
    """One row per non-blank line; a bad line is an error row, a file that is not UTF-8 text is one error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SystemExit(f"error: cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SystemExit(f"error: {path} is not UTF-8 text (line {line}, byte {exc.start}); save it as UTF-8") from None
    return [_row(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _json_text(record: dict, indent: int | None = None) -> str:
    """JSON that can always be written as UTF-8: lone surrogates (from "\\ud800" in the input) are kept as
    JSON escapes instead of failing the write."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(record, ensure_ascii=True, indent=indent)
    return text


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


def _check_scope(pipeline, args: argparse.Namespace) -> tuple[str | None, str | None]:
    try:
        return check_scope(args.doc, args.region, pipeline.documents, pipeline.regions)
    except InputError as exc:
        raise SystemExit(f"error: {exc}") from None


def _answer_rows(
    pipeline, rows: list[QuestionRow], out_path: Path, doc: str | None, region: str | None, docs=None
) -> None:
    """Answer every row into ``out_path`` through a temporary file that never outlives the run."""
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            for row in progress_bar(rows, desc="answering", unit="q"):
                t = time.perf_counter()
                if row.error:
                    ans = Answer(question=row.question, answer=row.error, refused=True, error=row.error)
                else:
                    ans = pipeline.answer(row.question, doc=doc, region=region, docs=docs)
                record = {"id": row.id, **ans.to_json(), "latency_ms": round((time.perf_counter() - t) * 1000, 2)}
                if row.error:
                    record["line"] = row.line
                out.write(_json_text(record) + "\n")
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)


def run_ask(args: argparse.Namespace) -> int:
    from qa.pipeline import Pipeline

    if not args.question and not args.questions:
        raise SystemExit("error: give a question, or --questions FILE.jsonl")
    rows = _read_questions(args.questions) if args.questions else []  # a bad file fails before the model loads
    settings = settings_from_args(args)
    pipeline = Pipeline(settings, progress=not args.json)
    doc, region = _check_scope(pipeline, args)
    try:
        docs = select_documents(pipeline.index.documents, issuer=args.issuer, year=args.year)
    except InputError as exc:
        raise SystemExit(f"error: {exc}") from None
    if args.questions:
        out_path = args.out or args.questions.with_suffix(".answers.jsonl")
        _answer_rows(pipeline, rows, out_path, doc, region, docs)
        bad = sum(1 for r in rows if r.error)
        print(f"wrote {len(rows)} answers to {out_path}" + (f" ({bad} bad lines)" if bad else ""), file=sys.stderr)
        return 0
    answer = pipeline.answer(args.question, doc=doc, region=region, docs=docs)
    if args.json:
        print(_json_text(answer.to_json(), indent=2))
    else:
        print(_printable(format_answer(answer)))
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
    p.add_argument("--issuer", help="only documents of this issuing body (part of its name)")
    p.add_argument("--year", type=int, help="only documents issued in this year")
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
    # OSError: a missing or unwritable file, a full disk; ModeError: a mode setting that names no known mode.
    except (IndexProblem, ModelNotAvailable, ModeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
