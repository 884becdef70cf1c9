"""`policyqa index`, and the flags every subcommand shares."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from index.modes import EmbedBackend
from index.settings import Settings


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=Path, help="documents: PDF, .docx, .html, .txt/.md (default: bundled seeds)")
    parser.add_argument("--index", type=Path, help="index folder (default: under the user cache directory)")
    parser.add_argument("--model", help="sentence-transformers model folder (default: bundled multilingual-e5-small)")


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env().replace(
        seeds_dir=getattr(args, "seeds", None),
        index_dir=getattr(args, "index", None),
        model=getattr(args, "model", None),
    )


def run_index(args: argparse.Namespace) -> int:
    from index.builder import build_index
    from index.collection import collection_lock
    from index.embedder import Embedder

    settings = settings_from_args(args)
    # A build alone may use every core: ONNX by concurrent one-thread calls, torch by its own threads.
    if settings.embed_backend is EmbedBackend.TORCH:
        workers, threads = 1, settings.build_threads
    else:
        workers, threads = settings.build_workers or os.cpu_count() or 1, 1
    embedder = Embedder(settings.replace(threads=threads))
    with collection_lock(settings):  # not interleaved with an upload from the app's 文件管理 page
        report = build_index(settings, embedder, rebuild=args.rebuild, progress=not args.quiet, workers=workers)
    for name, reason in report.skipped:
        print(f"warning: skipped {name}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0


def run_docs(args: argparse.Namespace) -> int:
    """The indexed collection, one document a line, and the files that were skipped (no model is loaded)."""
    import json

    from index import store

    settings = settings_from_args(args)
    try:
        listing = store.list_documents(settings.index_dir)
    except store.IndexProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(listing, ensure_ascii=False, indent=1))
        return 0
    header = ("文件", "标题", "发文机关", "文号", "日期", "格式", "段落", "索引时间")
    rows = [
        (
            d["file"],
            d["title"] + ("（征求意见稿）" if d["draft"] and "征求意见稿" not in d["title"] else ""),
            d["issuer"] or "-",
            d["number"] or "-",
            d["date"] or (str(d["year"]) if d["year"] else "-"),
            d["format"],
            str(d["chunks"]),
            d["indexed"][:19].replace("T", " ") or "-",
        )
        for d in listing["documents"]
    ]
    widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(f"{len(rows)} documents in {listing['build']}")
    for skipped in listing["skipped"]:
        print(f"skipped {skipped['file']}: {skipped['reason']}")
    return 0


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def register_docs(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("docs", help="list the indexed documents (title, issuer, number, date, format, chunks)")
    add_common_args(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run_docs)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("index", help="build or update the index from the seeds folder")
    add_common_args(p)
    p.add_argument("--rebuild", action="store_true", help="re-embed everything instead of reusing vectors")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run_index)
