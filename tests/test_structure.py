"""Section paths of known paragraphs in the seeds, read off the documents' own heading numbering."""

from __future__ import annotations

import pytest

from index.cleaning import clean
from index.documents import read_seeds
from index.headings import heading_title, is_heading_line, lead_in_title, numbered_level
from index.settings import REPO_ROOT
from index.structure import parse_structure

SEEDS = REPO_ROOT / "seeds"


@pytest.fixture(scope="module")
def structures():
    out = {}
    for d in read_seeds(SEEDS).documents:
        out[d.name[:3]] = (d.clean.text, parse_structure(d.clean))
    return out


def paragraph_with(structures, doc: str, needle: str):
    text, paragraphs = structures[doc]
    found = [p for p in paragraphs if needle in text[p.start : p.end]]
    assert found, f"no paragraph of {doc} contains {needle!r}"
    return found[0]


def test_paragraph_offsets_are_lines(structures):
    for text, paragraphs in structures.values():
        assert paragraphs
        prev_end = -1
        for p in paragraphs:
            line = text[p.start : p.end]
            assert line.strip()
            assert "\n" not in line
            assert p.start > prev_end
            assert p.start == 0 or text[p.start - 1] == "\n"
            assert p.end == len(text) or text[p.end] == "\n"
            prev_end = p.end


def test_003_development_target(structures):
    p = paragraph_with(structures, "003", "每万人口高价值发明专利拥有量达到13件")
    assert p.section == ("二、指导思想、基本原则和发展目标", "（三）发展目标")
    assert not p.is_heading


def test_003_heading_with_tab_and_special_column(structures):
    # raw: "（二）\t完善知识产权保护体系" under "三、重点任务"
    p = paragraph_with(structures, "003", "优先鼓励推荐")
    assert p.section == ("三、重点任务", "（二）完善知识产权保护体系", "3.打通知识产权快保护通道")
    # raw: "\t专栏6：维权援助“一张网”行动" sits inside item 3 and names its box.
    p = paragraph_with(structures, "003", "建立健全知识产权维权援助体系")
    assert p.section[:3] == ("三、重点任务", "（二）完善知识产权保护体系", "3.打通知识产权快保护通道")
    assert p.section[3] == "专栏6：维权援助“一张网”行动"
    # The next numbered item closes the box.
    p = paragraph_with(structures, "003", "加强企业海外知识产权保护力度")
    assert p.section == ("三、重点任务", "（二）完善知识产权保护体系", "4.营造知识产权同保护环境")


def test_001_cuiheng(structures):
    p = paragraph_with(structures, "001", "积极争取将翠亨新区上升为国家战略")
    assert p.section[0] == "四、重点任务"
    assert p.section[1] == "（二）加快推进重大创新载体建设，提升中山整体创新能力"
    assert p.section[2] == "4.进一步加快翠亨新区建设"
    assert len(p.section) == 3
    assert not p.is_heading  # title and body on one line


def test_001_new_top_level_resets(structures):
    p = paragraph_with(structures, "001", "加大财政科技投入力度")
    assert p.section == ("五、保障措施", "（一）加大财政科技投入")
    head = paragraph_with(structures, "001", "（一）加大财政科技投入。")
    assert head.is_heading


def test_000_lead_ins(structures):
    p = paragraph_with(structures, "000", "可获300%税务扣减")
    assert p.section == ("鼓励本地研发活动",)
    p = paragraph_with(structures, "000", "共享区块链平台，以促进")
    assert p.section == ("智慧城市的发展", "共享区块链平台")
    # An unbolded paragraph after a lead-in stays under it.
    p = paragraph_with(structures, "000", "智能乡村先导计划")
    assert p.section == ("智慧城市的发展",)


def test_004_half_width_numbering(structures):
    p = paragraph_with(structures, "004", "启动国家中小学生学习平台建设和应用")
    assert p.section == ("三、重点任务", "(二)有序开展数字资源服务普及行动", "3.完善国家数字教育资源公共服务体系")
    p = paragraph_with(structures, "004", "落实《教育行业密码与应用创新发展实施方案》")
    assert p.section == ("三、重点任务", "（五）全面推进教育治理能力优化行动", "15.加强教育系统密码应用与管理")
    # The document header before the first numbered heading has no section.
    p = paragraph_with(structures, "004", "各省、自治区、直辖市教育厅")
    assert p.section == ()


def test_heading_helpers():
    assert numbered_level("一、总体要求") == 1
    assert numbered_level("（三）发展目标") == 2
    assert numbered_level("(三)发展目标") == 2
    assert numbered_level("12.推进政务信息系统整合共享") == 3
    assert numbered_level("15. 加强教育系统密码应用与管理") == 3
    assert numbered_level("（2）细则") == 4
    assert numbered_level("专栏10：知识产权服务机构集聚行动") == 5
    assert numbered_level("2.5亿元用于研发") is None  # a number, not a heading
    assert numbered_level("2020年2月28日印发") is None
    assert not is_heading_line("教育部办公厅文件")
    assert heading_title("（一）加大财政科技投入。") == "（一）加大财政科技投入"
    assert heading_title("1.加快传统产业技术升级改造。建立技术储备制度") == "1.加快传统产业技术升级改造"
    assert len(heading_title("一、" + "长" * 80)) == 40
    assert lead_in_title("人才：") == "人才"


def test_structure_of_synthetic_text():
    raw = "总则\n一、目标\n正文一。\n（一）细项\n正文二。\n**人才：**正文三。\n二、措施\n正文四。"
    paragraphs = parse_structure(clean(raw))
    assert [p.section for p in paragraphs] == [
        (),
        ("一、目标",),
        ("一、目标",),
        ("一、目标", "（一）细项"),
        ("一、目标", "（一）细项"),
        ("一、目标", "（一）细项", "人才"),
        ("二、措施",),
        ("二、措施",),
    ]
    assert [p.is_heading for p in paragraphs] == [False, True, False, True, False, False, True, False]
