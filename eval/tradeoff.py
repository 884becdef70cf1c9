"""The refusal trade-off: how false refusals and refusals of unanswerable questions move together as the
judge's threshold (``Tuning.min_focus``) moves, with the product's setting marked.

The threshold was chosen on the dev split; the curve is measured on whatever split the report covers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from eval import metrics, runner
from eval.questions import EvalQuestion

DEFAULT_POINTS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def tradeoff(
    base: runner.Answerer, questions: Sequence[EvalQuestion], points: Sequence[float] = DEFAULT_POINTS
) -> dict:
    """One row per threshold: false refusal rate, refusal accuracy and all-facts of the full system."""
    from qa.pipeline import Pipeline

    chosen = base.tuning.min_focus
    rows = []
    for value in sorted({*points, chosen}):
        tuning = dataclasses.replace(base.tuning, min_focus=value)
        pipeline = Pipeline(base.settings, embedder=base.embedder, index=base.index, tuning=tuning, progress=False)
        agg = metrics.aggregate(runner.run_system("full", pipeline, questions, progress=False))
        rows.append(
            {
                "min_focus": value,
                "false_refusal_rate": agg.get("false_refusal_rate"),
                "refusal_accuracy": agg.get("refusal_accuracy"),
                "all_facts": agg.get("all_facts"),
                "chosen": value == chosen,
            }
        )
    return {"parameter": "min_focus", "points": rows}


def markdown(curve: dict) -> list[str]:
    out = [
        "## Refusal trade-off (full system)",
        "",
        f"Judge threshold `{curve['parameter']}` (share of the question's content a sentence must hold); "
        "the product's setting, chosen on the dev split, is in bold.",
        "",
        "| threshold | false refusal | refusal acc. | all facts |",
        "|---|---|---|---|",
    ]
    for p in curve["points"]:
        cells = [f"{p['min_focus']:.2f}"] + [
            "–" if p[k] is None else f"{p[k]:.3f}" for k in ("false_refusal_rate", "refusal_accuracy", "all_facts")
        ]
        if p["chosen"]:
            cells = [f"**{c}**" for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return [*out, "", "![refusal trade-off](tradeoff.png)", ""]


def chart(path, curve: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.report import atomic_write

    points = [p for p in curve["points"] if p["false_refusal_rate"] is not None and p["refusal_accuracy"] is not None]
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    ax.plot([p["false_refusal_rate"] for p in points], [p["refusal_accuracy"] for p in points], marker="o")
    for p in points:
        ax.annotate(
            f"{p['min_focus']:.2f}",
            (p["false_refusal_rate"], p["refusal_accuracy"]),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
        if p["chosen"]:
            ax.plot([p["false_refusal_rate"]], [p["refusal_accuracy"]], marker="*", markersize=14, color="crimson")
    ax.set_xlabel("false refusal rate (answerable questions refused)")
    ax.set_ylabel("refusal accuracy (unanswerable questions refused)")
    ax.set_xlim(0, max(0.3, max((p["false_refusal_rate"] for p in points), default=0) + 0.05))
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.set_title("refusal trade-off as min_focus moves (★ = product)")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
