"""The evaluation report: report.json, report.md and two PNG charts, each written atomically."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from eval import metrics
from eval.metrics import QuestionResult
from eval.questions import TYPES

Table = Mapping[str, Mapping[str, float | int | None]]

# (key in the metrics dict, column heading)
COLUMNS = [
    ("n", "n"),
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("hit@10", "hit@10"),
    ("mrr@10", "MRR@10"),
    ("ndcg@10", "nDCG@10"),
    ("all_facts", "all facts"),
    ("fact_share", "fact share"),
    ("citation_support", "cit. support"),
    ("citation_precision", "cit. precision"),
    ("refusal_accuracy", "refusal acc."),
    ("false_refusal_rate", "false refusal"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
]
SHORT_COLUMNS = [c for c in COLUMNS if c[0] not in {"hit@1", "hit@10", "fact_share", "citation_precision"}]


def build_report(results: Mapping[str, Sequence[QuestionResult]], meta: Mapping[str, object]) -> dict:
    return {
        "meta": dict(meta),
        "summary": {name: metrics.aggregate(rs) for name, rs in results.items()},
        "by_type": {name: _order_types(metrics.by_type(rs)) for name, rs in results.items()},
        "by_document": {name: metrics.by_document(rs) for name, rs in results.items()},
        "questions": {name: [_result_json(r) for r in rs] for name, rs in results.items()},
    }


def _order_types(table: dict) -> dict:
    rank = {t: i for i, t in enumerate(TYPES)}
    return {k: table[k] for k in sorted(table, key=lambda t: (rank.get(t, len(rank)), t))}


def _result_json(r: QuestionResult) -> dict:
    d = dataclasses.asdict(r)
    d["docs"] = list(r.docs)
    d["all_facts"] = r.all_facts
    d["latency_ms"] = round(r.latency_ms, 1)
    return d


# --- text --------------------------------------------------------------------------------------------------


def fmt(value: float | int | None, key: str = "") -> str:
    if value is None:
        return "–"
    if key.startswith("latency") or isinstance(value, int):
        return f"{value:.0f}"
    return f"{value:.3f}"


def markdown_table(rows: Table, first: str, columns: Sequence[tuple[str, str]] = COLUMNS) -> str:
    head = f"| {first} | " + " | ".join(h for _, h in columns) + " |"
    rule = "|---|" + "|".join("---:" for _ in columns) + "|"
    body = [f"| {name} | " + " | ".join(fmt(row.get(k), k) for k, _ in columns) + " |" for name, row in rows.items()]
    return "\n".join([head, rule, *body])


def text_table(rows: Table, first: str, columns: Sequence[tuple[str, str]] = SHORT_COLUMNS) -> str:
    """A fixed-width table for the terminal."""
    header = [first, *(h for _, h in columns)]
    lines = [[name, *(fmt(row.get(k), k) for k, _ in columns)] for name, row in rows.items()]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs)

    return "\n".join(line(cells) for cells in [header, *lines])


def _clip(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= n else text[: n - 1] + "…"


def worst_misses(rows: Sequence[dict], limit: int = 15) -> list[dict]:
    """Answerable questions without all facts: fewest facts first, then the worst-ranked evidence."""
    missed = [r for r in rows if r["answerable"] and not r["all_facts"]]
    missed.sort(key=lambda r: (r["fact_share"] or 0.0, metrics.reciprocal_rank(r["relevant"], 10), r["id"]))
    return missed[:limit]


def _miss_table(rows: Sequence[dict]) -> list[str]:
    out = ["| id | type | question | expected | got |", "|---|---|---|---|---|"]
    for r in rows:
        got = ("[refused] " if r["refused"] else "") + r["answer"]
        out.append(f"| {r['id']} | {r['type']} | {_clip(r['question'], 80)} | {_clip(r['expected'], 80)} "
                   f"| {_clip(got)} |")
    return [*out, ""]


def render_markdown(report: dict) -> str:
    meta = report["meta"]
    out = [f"# policyqa evaluation — {meta.get('label', '')}", ""]
    out += [f"- {k}: {v}" for k, v in meta.items() if k != "systems"]
    for name, desc in (meta.get("systems") or {}).items():
        out.append(f"- system `{name}`: {desc}")
    out += ["", "Relevance: a passage from an expected document covering ≥ half of an evidence string. Retrieval and "
            "answer metrics are over answerable questions; citation metrics over answered ones; refusal accuracy "
            "over unanswerable ones.", "", "## Summary", "", markdown_table(report["summary"], "system"), ""]
    gate = report.get("gate")
    if gate is not None:
        out += ["## Gate", "", f"Thresholds: {gate['thresholds_file']} (system `{gate['system']}`)", ""]
        out += [f"- FAIL {f}" for f in gate["failures"]] or ["- all thresholds met"]
        out.append("")
    if report.get("tradeoff"):
        from eval.tradeoff import markdown

        out += markdown(report["tradeoff"])
    out += ["## Charts", "", "![hit@5 by type](hit5_by_type.png)", ""]
    out += ["![all facts by type](all_facts_by_type.png)", ""]
    for section, key, first in (("By question type", "by_type", "type"), ("By document", "by_document", "document")):
        out += [f"## {section}", ""]
        for name, table in report[key].items():
            out += [f"### {name}", "", markdown_table(table, first), ""]
    system = "full" if "full" in report["questions"] else next(iter(report["questions"]), None)
    if system:
        rows = report["questions"][system]
        out += [f"## Worst misses ({system})", "", "Answerable questions whose answer lacks expected facts:", ""]
        out += _miss_table(worst_misses(rows))
        answered = [r for r in rows if not r["answerable"] and not r["refused"]]
        out += [f"Unanswerable questions that were answered ({len(answered)}):", ""]
        out += _miss_table(answered[:15])
    return "\n".join(out)


# --- files -------------------------------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600; reports are meant to be read and committed
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def chinese_font() -> str | None:
    """A font family that renders Chinese, if fontconfig knows one."""
    if not shutil.which("fc-list"):
        return None
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families = [line.split(",")[0].strip() for line in out.splitlines() if line.strip()]
    return families[0] if families else None


def bar_chart(path: Path, tables: Mapping[str, Table], metric: str, title: str) -> None:
    """One group of bars per question type, one bar per system. Labels are English/ids."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = chinese_font()
    if font:
        plt.rcParams["font.sans-serif"] = [font, *plt.rcParams["font.sans-serif"]]
    types = [t for t in next(iter(tables.values()), {}) if any(tables[s].get(t, {}).get(metric) is not None
                                                                for s in tables)]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(types) + 2), 4.2))
    width = 0.8 / max(1, len(tables))
    for i, (system, table) in enumerate(tables.items()):
        values = [table.get(t, {}).get(metric) or 0.0 for t in types]
        ax.bar([x + i * width - 0.4 + width / 2 for x in range(len(types))], values, width, label=system)
    ax.set_xticks(range(len(types)), types, rotation=30, ha="right")
    ax.set_ylim(0, 1.2)  # room above 1.0 for the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=min(4, len(tables)), loc="upper center")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)


def write_report(report: dict, folder: Path) -> list[Path]:
    folder = Path(folder)
    names = ("report.json", "report.md", "hit5_by_type.png", "all_facts_by_type.png")
    paths = [folder / name for name in names]
    write_text(paths[0], json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    write_text(paths[1], render_markdown(report))
    label = report["meta"].get("label", "")
    bar_chart(paths[2], report["by_type"], "hit@5", f"hit@5 by question type ({label})")
    bar_chart(paths[3], report["by_type"], "all_facts", f"all facts in answer, by question type ({label})")
    if report.get("tradeoff"):
        from eval.tradeoff import chart

        paths.append(folder / "tradeoff.png")
        chart(paths[-1], report["tradeoff"])
    return paths
