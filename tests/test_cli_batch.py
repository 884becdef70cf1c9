"""`policyqa ask --questions`: a bad line is an error row with its id, a bad file one line of error, and no
temporary file is ever left (issue 10, item 5). The real CLI in a subprocess, on the session's index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
QUESTION = "香港的研发开支税务扣减是多少？"


def cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(settings.index_dir), "POLICYQA_SEEDS_DIR": str(settings.seeds_dir)}
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_bad_lines_become_error_rows(settings, pipeline, tmp_path) -> None:
    lines = [
        json.dumps({"id": "ok", "question": QUESTION}, ensure_ascii=False),
        '{"id": "lone", "question": "\\ud800"}',  # a lone surrogate, as JSON allows it
        '{"id": "mixed", "question": "香港的研发开支\\udfff税务扣减是多少？"}',
        "{not json",
        '["a", "list"]',
        '{"id": "no-question"}',
        '{"id": 7, "question": 42}',
        json.dumps({"id": "last", "question": QUESTION}, ensure_ascii=False),
    ]
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "a.jsonl"
    result = cli(settings, "ask", "--questions", str(questions), "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["ok", "lone", "mixed", None, None, "no-question", 7, "last"]
    by_id = {r["id"]: r for r in rows if r["id"] is not None}
    assert "300%" in by_id["ok"]["answer"] and "300%" in by_id["last"]["answer"]
    assert by_id["lone"]["error"] and by_id["mixed"]["error"] is None
    assert "JSON" in rows[3]["error"] and rows[3]["line"] == 4
    assert "对象" in rows[4]["error"]
    assert "缺少" in by_id["no-question"]["error"] and "文字" in by_id[7]["error"]
    assert leftovers(tmp_path) == []


def test_file_that_is_not_utf8_is_one_line_of_error(settings, tmp_path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(json.dumps({"id": 1, "question": QUESTION}, ensure_ascii=False).encode("gb18030") + b"\n")
    out = tmp_path / "a.jsonl"
    result = cli(settings, "ask", "--questions", str(questions), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "not UTF-8" in result.stderr, result.stderr
    assert not out.exists() and leftovers(tmp_path) == []
    result = cli(settings, "ask", "--questions", str(tmp_path), "--out", str(out))  # a folder, not a file
    assert result.returncode == 1 and "Traceback" not in result.stderr and "cannot read" in result.stderr


def test_unknown_filter_is_an_error_that_lists_the_documents(settings, pipeline, tmp_path) -> None:
    result = cli(settings, "ask", "--doc", "../../etc/passwd", QUESTION)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "没有名为“../../etc/passwd”的文件" in result.stderr
    assert all(name in result.stderr for name in pipeline.documents)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": 1, "question": QUESTION}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = cli(settings, "ask", "--region", "火星", "--questions", str(questions), "--out", str(tmp_path / "a.jsonl"))
    assert result.returncode == 1 and "没有名为“火星”的地区" in result.stderr
    assert leftovers(tmp_path) == [] and not (tmp_path / "a.jsonl").exists()


def test_one_shot_with_a_lone_surrogate_prints(settings, pipeline) -> None:
    result = cli(settings, "ask", "--json", "\udcff")  # what a non-UTF-8 byte on the command line becomes
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert json.loads(result.stdout)["error"]
