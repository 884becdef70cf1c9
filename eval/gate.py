"""The quality gate: compare one system's metrics with eval/thresholds.toml and list every shortfall."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

THRESHOLDS_FILE = Path(__file__).resolve().parent / "thresholds.toml"

Metrics = Mapping[str, float | int | None]


@dataclass(frozen=True)
class Thresholds:
    system: str = "full"
    split: str = "test"
    minimum: dict[str, float] = field(default_factory=dict)  # metric -> lowest allowed value
    maximum: dict[str, float] = field(default_factory=dict)  # metric -> highest allowed value
    min_by_type: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> type -> lowest value
    source: str = ""

    def scaled(self, factor: float) -> Thresholds:
        """Thresholds moved towards the trivial bound: factor 1 keeps them, 0 lets everything pass.
        Minimums become ``m * factor``; maximums ``1 - (1 - m) * factor``."""
        return Thresholds(
            self.system,
            self.split,
            {k: v * factor for k, v in self.minimum.items()},
            {k: 1 - (1 - v) * factor for k, v in self.maximum.items()},
            {m: {t: v * factor for t, v in per.items()} for m, per in self.min_by_type.items()},
            f"{self.source} (scaled x{factor:g})",
        )


@dataclass(frozen=True)
class GateResult:
    failures: list[str]  # one line per metric below (or above) its threshold
    skipped: list[str]  # thresholds with no measured value on this question set

    @property
    def passed(self) -> bool:
        return not self.failures


def _floats(table: object, where: str) -> dict[str, float]:
    if not isinstance(table, dict) or not all(isinstance(v, int | float) for v in table.values()):
        raise ValueError(f"thresholds: [{where}] must map metric names to numbers")
    return {str(k): float(v) for k, v in table.items()}


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Thresholds:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    by_type = data.get("min_by_type", {})
    if not isinstance(by_type, dict):
        raise ValueError("thresholds: [min_by_type.<metric>] tables map question types to numbers")
    return Thresholds(
        system=str(data.get("system", "full")),
        split=str(data.get("split", "test")),
        minimum=_floats(data.get("min", {}), "min"),
        maximum=_floats(data.get("max", {}), "max"),
        min_by_type={m: _floats(t, f"min_by_type.{m}") for m, t in by_type.items()},
        source=str(path),
    )


def check(summary: Metrics, by_type: Mapping[str, Metrics], thresholds: Thresholds) -> GateResult:
    """Every metric outside its threshold; a threshold whose metric was not measured is skipped."""
    failures: list[str] = []
    skipped: list[str] = []

    def judge(label: str, value: float | int | None, limit: float, is_max: bool) -> None:
        if value is None:
            skipped.append(f"{label}: not measured on this question set")
        elif (value > limit + 1e-9) if is_max else (value < limit - 1e-9):
            word = "above maximum" if is_max else "below"
            failures.append(f"{label} = {value:.3f} {word} {limit:.3f}")

    for metric, limit in thresholds.minimum.items():
        judge(metric, summary.get(metric), limit, False)
    for metric, limit in thresholds.maximum.items():
        judge(metric, summary.get(metric), limit, True)
    for metric, per_type in thresholds.min_by_type.items():
        for qtype, limit in per_type.items():
            row = by_type.get(qtype)
            judge(f"{metric} [{qtype}]", None if row is None else row.get(metric), limit, False)
    return GateResult(failures, skipped)


def check_report(report: Mapping, thresholds: Thresholds) -> GateResult:
    """Gate a report (as built by eval.report.build_report) on the thresholds' system."""
    system = thresholds.system
    if system not in report["summary"]:
        return GateResult([f"system {system!r} was not evaluated; the gate needs it"], [])
    result = check(report["summary"][system], report["by_type"][system], thresholds)
    rows = report["questions"].get(system, [])
    crashed = [r["id"] for r in rows if str(r.get("error") or "").startswith("exception: ")]
    if crashed:
        result.failures.append(f"{len(crashed)} question(s) raised an exception: {', '.join(crashed[:10])}")
    return result
