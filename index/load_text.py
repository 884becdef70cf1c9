"""Plain text (.txt/.md) in any encoding Chinese documents come in: UTF-8 (with or without BOM), GB18030/GBK,
Big5, UTF-16/32. The encoding is detected by charset-normalizer; a file that decodes only to garbage is refused,
never indexed as mojibake."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from index.loaders import LoadedText, Unreadable

# UTF-32 first: its little-endian mark begins with UTF-16's. The codecs drop the mark.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
)
# Above this share of "messy" characters (charset-normalizer's chaos), the decoding is mojibake.
MAX_CHAOS = 0.2
# Replacement marks and private-use code points: a text with more than this share of them is garbage.
_BAD_CHARS = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0e-\x1f]")
MAX_BAD_SHARE = 0.01


def _garbage(text: str) -> bool:
    return bool(text) and len(_BAD_CHARS.findall(text)) > MAX_BAD_SHARE * len(text)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name); raises Unreadable when the bytes are not text or decode only to garbage."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise Unreadable(f"starts with a {encoding.upper()} byte-order mark but is not {encoding}") from exc
            if _garbage(text):
                raise Unreadable(f"decodes as {encoding} only to garbage; save it as UTF-8")
            return text, encoding
    if b"\x00" not in data:
        try:  # UTF-8 is checked strictly first: any other encoding that decodes it would be a wrong guess
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise Unreadable("binary or in no known text encoding; save it as UTF-8 text")
    text = str(best)
    if best.chaos > MAX_CHAOS or _garbage(text):
        raise Unreadable(
            f"decodes as {best.encoding} only to garbage (mojibake, {best.chaos:.0%} unusual characters); "
            "save it as UTF-8"
        )
    return text, best.encoding


class TextLoader:
    format = "text"
    suffixes = (".txt", ".md", ".text")

    def sniff(self, head: bytes) -> bool:
        return False  # text has no signature: it is chosen by name, after every other format declined

    def load(self, data: bytes) -> LoadedText:
        text, encoding = decode_text(data)
        return LoadedText(text=text, format="text", encoding=encoding)
