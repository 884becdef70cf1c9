"""The model's unigram tokenizer in SentencePiece's compact form, with token ids identical to tokenizer.json's.

`tokenizers` holds a 250,002-piece unigram vocabulary (XLM-R's) in a hash-map trie of ~250 MB, the largest
single item of a server's memory (BENCHMARKS.md § 14); SentencePiece keeps the same pieces and scores in a
double-array trie of ~30 MB and runs the same Viterbi search. So an export whose tokenizer.json is a plain
unigram model with a Metaspace pre-tokenizer is also written as ``tokenizer.spm`` (the pieces, scores and ids
unchanged) plus ``normalizer.json`` (tokenizer.json with a one-piece model: the same normalisation steps, a
few kB). Encoding then runs tokenizer.json's own steps in its own order: special tokens are cut out of the raw
text, each other segment is normalised by `tokenizers`, gets the Metaspace ▁ in front and is cut into pieces
by SentencePiece, and the template adds the sequence's first and last special token.

The compact form is written only if it gives exactly tokenizer.json's ids on a probe set made from the
vocabulary itself (pieces run together, with and without spaces, and longer than the model's limit); any other
tokenizer keeps using `tokenizers` (index/onnx_encoder.py).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

SPM_FILE = "tokenizer.spm"
NORMALIZER_FILE = "normalizer.json"
META = "\u2581"
PROBE_TEXTS = 3000
PROBE_SEED = 13


@dataclass(frozen=True)
class _AddedToken:
    content: str
    id: int
    lstrip: bool
    rstrip: bool


class CompactTokenizer:
    """Token ids of texts, as tokenizer.json gives them with truncation to ``max_length`` (special tokens
    included)."""

    def __init__(self, folder: Path, max_length: int) -> None:
        import sentencepiece
        from tokenizers import Tokenizer

        spec = json.loads((folder / NORMALIZER_FILE).read_text(encoding="utf-8"))
        self._normalizer = Tokenizer.from_str(json.dumps(spec["tokenizer"])).normalizer
        self._pieces = sentencepiece.SentencePieceProcessor(model_file=str(folder / SPM_FILE))
        self._first = [int(i) for i in spec["first"]]
        self._last = [int(i) for i in spec["last"]]
        self._added = {
            t["content"]: _AddedToken(t["content"], t["id"], t["lstrip"], t["rstrip"]) for t in spec["added"]
        }
        longest_first = sorted(self._added, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(map(re.escape, longest_first)) + ")") if longest_first else None
        self.max_length = max_length
        self._unk_id = self._pieces.unk_id()
        self._unk_piece = self._pieces.id_to_piece(self._unk_id) if self._unk_id >= 0 else ""

    def encode(self, text: str) -> list[int]:
        body: list[int] = []
        for segment, token in self._segments(text):
            if token is not None:
                body.append(token)
                continue
            normal = self._normalizer.normalize_str(segment) if self._normalizer is not None else segment
            if not normal:
                continue
            # Metaspace(prepend_scheme="always") puts ▁ before a segment unless it already starts with a space;
            # SentencePiece (identity normaliser, no dummy prefix) turns every space into ▁ itself.
            normal = normal if normal.startswith(" ") else " " + normal
            if self._unk_piece and self._unk_piece in normal:
                # tokenizers' unigram also matches the unknown piece's own text (score 0: always taken);
                # SentencePiece never does, so it is cut out here.
                for i, run in enumerate(normal.split(self._unk_piece)):
                    body += ([self._unk_id] if i else []) + (self._pieces.encode(run, out_type=int) if run else [])
                continue
            body += self._pieces.encode(normal, out_type=int)
        room = max(0, self.max_length - len(self._first) - len(self._last))
        return self._first + body[:room] + self._last

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def _segments(self, text: str) -> list[tuple[str, int | None]]:
        """The raw text cut at special tokens, as `tokenizers` cuts it (lstrip/rstrip eat the spaces beside)."""
        if self._split is None:
            return [(text, None)]
        parts = self._split.split(text)
        out: list[tuple[str, int | None]] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                left = parts[i - 1] if i > 0 else None
                right = parts[i + 1] if i + 1 < len(parts) else None
                if left is not None and self._added[left].rstrip:
                    part = part.lstrip()
                if right is not None and self._added[right].lstrip:
                    part = part.rstrip()
                if part:
                    out.append((part, None))
            else:
                out.append((part, self._added[part].id))
        return out


def write_compact(tokenizer_json: Path, folder: Path, max_length: int) -> bool:
    """Write tokenizer.spm and normalizer.json into ``folder`` if tokenizer.json can be expressed that way and
    the result gives identical ids on the probe set; False (nothing left behind) otherwise."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    layout = _compact_layout(spec)
    if layout is None:
        return False
    vocab, first, last, added = layout
    (folder / SPM_FILE).write_bytes(_sentencepiece_model(vocab, spec["model"].get("unk_id")))
    normalizer_only = dict(spec)
    normalizer_only.update(
        model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]], "byte_fallback": False},
        added_tokens=[],
        pre_tokenizer=None,
        post_processor=None,
        truncation=None,
        padding=None,
    )
    record = {"tokenizer": normalizer_only, "first": first, "last": last, "added": added}
    (folder / NORMALIZER_FILE).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    if _same_ids(tokenizer_json, folder, [p for p, _ in vocab], max_length):
        return True
    for name in (SPM_FILE, NORMALIZER_FILE):
        (folder / name).unlink(missing_ok=True)
    return False


def _compact_layout(spec: dict) -> tuple[list, list[int], list[int], list[dict]] | None:
    """(vocabulary, ids before, ids after, added tokens) when tokenizer.json is a unigram model that
    SentencePiece reproduces; None otherwise."""
    model, pre, post = spec.get("model") or {}, spec.get("pre_tokenizer") or {}, spec.get("post_processor") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        return None
    if pre.get("type") != "Metaspace" or pre.get("replacement") != META or not pre.get("split", True):
        return None
    if pre.get("prepend_scheme", "always") != "always":
        return None
    vocab = model["vocab"]
    # Metaspace cuts words at ▁, SentencePiece does not: equal only if no piece holds a ▁ after its start.
    if any(META in piece[1:] for piece, _ in vocab):
        return None
    first: list[int] = []
    last: list[int] = []
    if post:
        if post.get("type") != "TemplateProcessing":
            return None
        single = post.get("single", [])
        places = [i for i, step in enumerate(single) if "Sequence" in step]
        if len(places) != 1:
            return None
        specials = post.get("special_tokens", {})
        try:
            first = [i for step in single[: places[0]] for i in specials[step["SpecialToken"]["id"]]["ids"]]
            last = [i for step in single[places[0] + 1 :] for i in specials[step["SpecialToken"]["id"]]["ids"]]
        except KeyError:
            return None
    added = []
    for token in spec.get("added_tokens", []):
        if token.get("normalized") or token.get("single_word"):
            return None  # matched after normalisation or only as a whole word: not reproduced here
        added.append({k: token[k] for k in ("content", "id", "lstrip", "rstrip")})
    return vocab, first, last, added


def _sentencepiece_model(vocab: list, unk_id: int | None) -> bytes:
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    kind = pb.ModelProto.SentencePiece
    for i, (piece, score) in enumerate(vocab):
        entry = proto.pieces.add()
        # Every piece stays a plain piece (tokenizers' unigram matches "<s>" too where normalisation makes it),
        # except the unknown one, which SentencePiece needs marked.
        entry.piece, entry.score = piece, float(score)
        entry.type = kind.UNKNOWN if i == unk_id else kind.NORMAL
    trainer = proto.trainer_spec
    trainer.model_type = pb.TrainerSpec.UNIGRAM
    trainer.unk_id = unk_id if unk_id is not None else 0
    trainer.bos_id = trainer.eos_id = trainer.pad_id = -1
    normalizer = proto.normalizer_spec
    normalizer.name = "identity"  # tokenizer.json's own normaliser runs before (normalizer.json)
    normalizer.add_dummy_prefix = False
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = True
    return proto.SerializeToString()


def probe_texts(pieces: list[str], count: int = PROBE_TEXTS, seed: int = PROBE_SEED) -> list[str]:
    """Texts made of the vocabulary's own pieces, run together or spaced, some past the length limit."""
    rng = random.Random(seed)
    words = [p.replace(META, " ") for p in pieces if p and not (p.startswith("<") and p.endswith(">"))]
    texts = [
        "",
        " ",
        "  a",
        "a  b",
        "\t x",
        "\u3000x",
        "\uff1cs\uff1e",
        "\uff1c\uff55\uff4e\uff4b\uff1e x",
        "<s>",
        "a <mask> b",
    ]
    for n in range(count):
        size = rng.choice((1, 2, 3, 5, 8, 13, 40)) if n % 50 else 700
        texts.append("".join(rng.choice(words) for _ in range(size)))
    # Code points from anywhere (most outside the vocabulary: unknown runs), amid pieces.
    for _ in range(count // 10):
        chars = [chr(c) for c in rng.sample(range(0x20, 0x30000), 6) if not 0xD800 <= c < 0xE000]
        texts.append(rng.choice(words).join(chars) + " " + "".join(chars))
    return texts


def _same_ids(tokenizer_json: Path, folder: Path, pieces: list[str], max_length: int) -> bool:
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(tokenizer_json))
    reference.enable_truncation(max_length=max_length)
    compact = CompactTokenizer(folder, max_length)
    texts = probe_texts(pieces)
    return all(e.ids == compact.encode(t) for e, t in zip(reference.encode_batch(texts), texts, strict=True))
