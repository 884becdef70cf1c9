"""qa/inputs.py: client-supplied history and filters are bounded and checked before any work (issue 10)."""

from __future__ import annotations

import json

import pytest

from qa.inputs import InputError, bound_turns, bound_turns_json, check_request_chars, check_scope, strip_markup
from qa.types import Turn

DOCS = {"a.txt": "甲市科技创新办法", "b.txt": "《乙区数据安全通知》"}
REGIONS = ["甲市", "香港"]


def test_keeps_the_last_turns_and_cuts_each_question_and_answer() -> None:
    rows = [{"question": f"{i}:" + "问" * 1000, "answer": "答" * 1000} for i in range(100)]
    turns = bound_turns(rows, max_turns=20, max_chars=500)
    assert len(turns) == 20
    assert turns[0].question.startswith("80:") and turns[-1].question.startswith("99:")
    assert all(len(t.question) == 500 and len(t.answer) == 500 for t in turns)
    assert bound_turns([{"question": "短", "answer": None}], 20, 500) == [Turn("短", "")]
    assert bound_turns([Turn("q", "a")], 20, 500) == [Turn("q", "a")]
    assert bound_turns(rows, 0, 500) == [] and bound_turns(None, 20, 500) == []


def test_older_rows_are_not_read() -> None:
    """Only the kept rows are checked: a bad row that is dropped anyway costs nothing and is no error."""
    rows = [42, *({"question": "q"} for _ in range(20))]
    assert len(bound_turns(rows, 20, 500)) == 20


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ({"question": "q"}, ["列表", "对象"]),
        ("[]", ["列表", "文字"]),
        ([["q", "a"]], ["第 1 轮", "对象", "列表"]),
        ([{"answer": "a"}], ["第 1 轮", "缺少", "question"]),
        ([{"question": 3}], ["第 1 轮", "question", "数字"]),
        ([{"question": "q", "answer": {"x": 1}}], ["answer", "对象"]),
    ],
)
def test_bad_history_shapes_say_what_is_wrong(rows, words) -> None:
    with pytest.raises(InputError) as err:
        bound_turns(rows, 20, 500)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_history_json_is_measured_before_it_is_parsed() -> None:
    huge = json.dumps([{"question": "研发" * 60_000, "answer": ""}], ensure_ascii=False)
    with pytest.raises(InputError, match="太长"):
        bound_turns_json(huge, 20, 500, max_request_chars=100_000)
    turns = bound_turns_json(huge, 20, 500, max_request_chars=200_000)
    assert len(turns[0].question) == 500


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ([{"question": "q"}], ["JSON 文本", "列表"]),
        (42, ["JSON 文本", "数字"]),
        ("{not json", ["不是合法的 JSON"]),
        ("[" * 100_000 + "]" * 100_000, ["嵌套太深"]),
        ("[" * 50 + "]" * 50, ["第 1 轮", "对象"]),
        ('[{"question": {"question": {"question": "q"}}}]', ["question", "对象"]),
    ],
    ids=["list", "number", "bad-json", "deep-100k", "nested-lists", "nested-objects"],
)
def test_bad_history_json_says_what_is_wrong(text, words) -> None:
    with pytest.raises(InputError) as err:
        bound_turns_json(text, 20, 500, max_request_chars=10**6)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_empty_history_json_is_no_history() -> None:
    assert bound_turns_json("", 20, 500, 100) == bound_turns_json(None, 20, 500, 100) == []
    assert bound_turns_json("[]", 20, 500, 100) == []


def test_scope_accepts_file_names_and_titles() -> None:
    assert check_scope("a.txt", "", DOCS, REGIONS) == ("a.txt", None)
    assert check_scope(" 《甲市科技创新办法》 ", None, DOCS, REGIONS) == ("a.txt", None)
    assert check_scope("乙区数据安全通知", "香港", DOCS, REGIONS) == ("b.txt", "香港")
    assert check_scope("", "", DOCS, REGIONS) == (None, None)


@pytest.mark.parametrize("doc", ["../../etc/passwd", "c.txt", "丙"])
def test_unknown_document_lists_the_valid_ones(doc) -> None:
    with pytest.raises(InputError) as err:
        check_scope(doc, "", DOCS, REGIONS)
    msg = str(err.value)
    assert f"没有名为“{doc}”的文件" in msg
    assert all(name in msg for name in ("a.txt", "b.txt", "甲市科技创新办法"))


def test_unknown_region_lists_the_valid_ones() -> None:
    with pytest.raises(InputError) as err:
        check_scope("", "火星", DOCS, REGIONS)
    assert "没有名为“火星”的地区" in str(err.value) and "甲市、香港" in str(err.value)
    with pytest.raises(InputError, match="x" * 60 + "…"):
        check_scope("", "x" * 10_000, DOCS, REGIONS)


@pytest.mark.parametrize("value", [3, ["a.txt"], {"doc": "a.txt"}, True])
def test_filters_that_are_not_text(value) -> None:
    for doc, region in ((value, ""), ("", value)):
        with pytest.raises(InputError, match="必须是文字"):
            check_scope(doc, region, DOCS, REGIONS)


def test_request_chars() -> None:
    check_request_chars(["a" * 50, None, 3, "b" * 50], 100)
    with pytest.raises(InputError, match="请求太大"):
        check_request_chars(["a" * 50, "b" * 51], 100)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<img src=x onerror=alert(1)>香港", "香港"),
        ("<script>alert(1)</script>", "alert(1)"),
        ("收入<5万元的企业", "收入<5万元的企业"),
        ("关于<img src=x onerror=alert(1)", "关于img src=x onerror=alert(1)"),
        ("<<img src=x>img src=x>", "img src=x>"),
        ("<<<b>", "<<"),
        ("<<a href=x", "a href=x"),
        ("《东丽区》 R&D", "《东丽区》 R&D"),
    ],
)
def test_strip_markup(text, expected) -> None:
    assert strip_markup(text) == expected
