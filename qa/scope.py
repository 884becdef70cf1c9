"""Scope from the question: which documents a named place or issuing body selects.

The names come from each document's catalog entry (region, issuer, title) or, without one, from what the
index read from the document: never from a list written for one collection. A place the question names
that no document covers is reported, so the answer can say so instead of quoting another place's rules.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from index.documents import DocMeta
from qa.terms import place_words

# Administrative units, general to Chinese: 广东省中山市 -> 广东省, 中山市.
_UNIT = re.compile(r"[\u4e00-\u9fff]+?(?:特别行政区|自治区|自治州|省|市|区|县|州|盟|旗|镇|乡|街道)")
UNIT_SUFFIX = re.compile(r"(特别行政区|自治区|自治州|省|市|区|县|州|盟|旗|镇|乡|街道)$")
# Offices inside a body add nothing to which body it is: 教育部办公厅 -> 教育部, 中山市人民政府 -> 中山市.
_OFFICE_SUFFIX = re.compile(r"(人民政府办公厅|人民政府办公室|人民政府|政府办公厅|政府办公室|政府|办公厅|办公室)$")
_NATIONWIDE = {"全国", "中国", "中华人民共和国", "国家"}
_CONJUNCTION = re.compile(r"^\s*(和|与|及|以及|、|跟|同|还有|,|，)\s*$")
_EACH = re.compile(r"分别|各自|各有|各是|各定|各提|各做|两地|两份|两个文件|两者|\b(respectively|each)\b", re.I)


@dataclass(frozen=True)
class Mention:
    alias: str
    docs: frozenset[str]
    start: int
    end: int


@dataclass(frozen=True)
class Scope:
    docs: frozenset[str] = frozenset()  # empty: the whole collection
    unknown_places: tuple[str, ...] = ()  # places named that no document covers
    mentions: tuple[Mention, ...] = ()


@dataclass
class Gazetteer:
    """Names of places and bodies -> the documents they select."""

    aliases: dict[str, set[str]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)  # the aliases that are places or bodies (not titles)
    covered: list[str] = field(default_factory=list)  # what the collection covers, for messages
    # Units above a document's own (天津市 of 天津市东丽区): named on their own, they ask about that level of
    # government, which the document does not speak for ("天津市给多少补助" of a district's plan).
    higher: set[str] = field(default_factory=set)

    @classmethod
    def from_documents(cls, metas: Mapping[str, DocMeta]) -> Gazetteer:
        g = cls()
        covered: dict[str, None] = {}
        for name, meta in metas.items():
            names = set()
            region = meta.region.strip()
            if region and region not in _NATIONWIDE:
                names |= _place_names(region)
                covered[_shortest_unit(region)] = None
                for unit in _UNIT.findall(region)[:-1]:
                    g.higher |= {unit} | ({b} if len(b := UNIT_SUFFIX.sub("", unit)) >= 2 else set())
            issuer = _OFFICE_SUFFIX.sub("", meta.issuer.strip())
            if issuer and issuer not in _NATIONWIDE:
                names.add(issuer)
                names |= _place_names(issuer) if _UNIT.fullmatch(issuer) else set()
                if not region or region in _NATIONWIDE:
                    covered[issuer] = None
            g.places |= {n for n in names if len(n) >= 2}
            title = meta.title.strip("《》 ")
            if len(title) >= 6:
                names.add(title)
            for alias in names:
                if len(alias) >= 2:
                    g.aliases.setdefault(alias, set()).add(name)
        g.covered = list(covered)
        g.higher -= g.places  # a unit that is some document's own place is covered
        return g

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        # One alternation, longest names first: a scan of the question costs the same for 5 or 5,000 documents.
        names = sorted(self.aliases, key=len, reverse=True)
        return re.compile("|".join(re.escape(n) for n in names)) if names else None

    def mentions(self, text: str) -> list[Mention]:
        """Left to right, the longest name at each place; a name inside a longer one is not counted again."""
        if self._pattern is None:
            return []
        return [
            Mention(m.group(0), frozenset(self.aliases[m.group(0)]), m.start(), m.end())
            for m in self._pattern.finditer(text)
        ]

    def is_known_place(self, word: str) -> bool:
        bare = UNIT_SUFFIX.sub("", word)
        return any(word in a or a in word or (len(bare) >= 2 and bare in a) for a in self.aliases)

    def scope(self, text: str) -> Scope:
        mentions = self.mentions(text)
        named = place_words(text)
        unknown = tuple(
            p
            for p in named
            if p not in _NATIONWIDE and (not self.is_known_place(p) or self._alone_higher(p, text, named))
        )
        docs = _common_docs(_last_clause_mentions(text, mentions))
        return Scope(docs=docs, unknown_places=unknown, mentions=tuple(mentions))

    def _alone_higher(self, word: str, text: str, named: tuple[str, ...]) -> bool:
        """A higher unit named on its own, not as the start of a place's full name (天津市东丽区, 天津市西青区)."""
        if word not in self.higher:
            return False
        after = [*self.places, *named]
        return any(
            not any(text.startswith(a, m.end()) for a in after) and not _names_a_thing(text[m.end() : m.end() + 8])
            for m in re.finditer(word, text)
        )

    def split_by_document(self, text: str) -> list[tuple[str, frozenset[str]]]:
        """ "信阳和中山在人才引进方面分别有什么政策？" -> one question per named place, each with its documents.

        Only when two or more places/bodies selecting different documents are joined by a conjunction,
        or the question says "分别"/"各". Otherwise a single part with no documents.
        """
        mentions = [m for m in self.mentions(text) if m.docs]
        groups: list[Mention] = []
        for m in mentions:
            if groups and groups[-1].docs == m.docs:
                continue
            groups.append(m)
        if len(groups) < 2:
            return [(text, frozenset())]
        joined = all(_CONJUNCTION.match(text[a.end : b.start]) for a, b in itertools.pairwise(groups))
        if joined:
            span_start, span_end = groups[0].start, groups[-1].end
            return [(text[:span_start] + g.alias + _EACH.sub("", text[span_end:]), g.docs) for g in groups]
        if _EACH.search(text):
            return [(text, g.docs) for g in groups]
        return [(text, frozenset())]


def _names_a_thing(following: str) -> bool:
    """A place name followed by a noun is part of a name ("河南数据要素综合试验区"), not an actor of its own."""
    import jieba.posseg as pseg

    first = next(iter(pseg.cut(following, HMM=False)), None)
    return first is not None and first.flag.startswith("n") and len(first.word) >= 2


def _place_names(region: str) -> set[str]:
    """The region as written and its most specific unit with and without the suffix (广东省中山市 -> 中山市,
    中山). Higher units are left out: 广东 must not select a city's document."""
    names = {region}
    units = _UNIT.findall(region)
    unit = units[-1] if units else region
    names.add(unit)
    bare = UNIT_SUFFIX.sub("", unit)
    if len(bare) >= 2:
        names.add(bare)
    return names


def _shortest_unit(region: str) -> str:
    units = _UNIT.findall(region)
    return units[-1] if units else region


def _last_clause_mentions(text: str, mentions: list[Mention]) -> list[Mention]:
    """When a question names several documents' places, the clause with the question word decides:
    "两份文件都提到了区块链：教育部想把区块链用在哪些方面？" is about 教育部."""
    if len({m.docs for m in mentions}) <= 1:
        return mentions
    cut = max(text.rfind("："), text.rfind(":"))
    tail = [m for m in mentions if m.start > cut] if cut >= 0 else []
    return tail if tail else mentions


def _common_docs(mentions: list[Mention]) -> frozenset[str]:
    sets = {m.docs for m in mentions}
    if len(sets) != 1:
        return frozenset()
    return next(iter(sets))
