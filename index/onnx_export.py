"""Export a sentence-transformers folder once to ONNX (float32, or int8 by dynamic quantisation).

sentence-transformers' own ONNX backend (``backend="onnx"``, ``export_dynamic_quantized_onnx_model``) goes
through optimum-onnx, whose only release (0.1.0) requires transformers < 4.58 and fails to import with
transformers 5 (``cannot import name 'is_offline_mode' from 'transformers.utils'``). So the export is done
here with the two tools optimum itself wraps: ``torch.onnx.export`` of the encoder and onnxruntime's
``quantize_dynamic`` (per-channel int8 weights). Pooling and normalisation stay outside the graph (numpy, in
index/onnx_encoder.py), read from the folder's own sentence-transformers config, so any model made of
Transformer + Pooling(mean or cls) + Normalize can be exported.

The export is written to a temporary folder next to the target and renamed into place; the source folder is
only read. The folder holds ``model.onnx``, ``tokenizer.json`` and a marker with the checksums.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from index.compact_tokenizer import NORMALIZER_FILE, SPM_FILE, write_compact
from index.fileutil import file_sha256
from index.modes import EmbedBackend

EXPORTER_VERSION = 5  # 2: int8 keeps the feed-forward down-projections float32 (_int8); 3: onnx stores its
# token-embedding table as int8 (_lookups_int8); 4: weights in model.onnx.data, which onnxruntime memory-maps;
# 5: the tokenizer also in SentencePiece's compact form (index/compact_tokenizer.py)
MARKER_FILE = "policyqa_onnx.json"
ONNX_FILE = "model.onnx"
ONNX_DATA = "model.onnx.data"  # the weights, apart: onnxruntime maps them instead of copying (~150 MB less RSS)
WEIGHT_FILES = (ONNX_FILE, ONNX_DATA)
TOKENIZER_FILE = "tokenizer.json"
OPSET = 17
SUPPORTED_POOLING = {"mean", "cls"}


class OnnxExportError(RuntimeError):
    """The model folder cannot be exported (unsupported modules, missing tokenizer, ...)."""


@dataclass(frozen=True)
class StModelLayout:
    """What the numpy side needs to reproduce a sentence-transformers model around the ONNX encoder."""

    transformer_dir: Path
    pooling: str
    normalize: bool
    max_seq_length: int
    dimension: int
    pad_id: int


def _say(msg: str) -> None:
    print(f"[policyqa] {msg}", file=sys.stderr, flush=True)


def read_layout(folder: Path) -> StModelLayout:
    """Read modules.json and the module configs; OnnxExportError unless Transformer + Pooling (+ Normalize)."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxExportError(f"{folder} has no readable modules.json (not a sentence-transformers folder)") from exc
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise OnnxExportError(
            f"the ONNX backends support Transformer + Pooling (+ Normalize) models; {folder} has {kinds}"
        )
    transformer_dir = folder / modules[0].get("path", "")
    pooling_cfg = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    pooling = pooling_cfg.get("pooling_mode")
    if pooling is None:  # older sentence-transformers wrote one boolean per mode
        chosen = [k for k, v in pooling_cfg.items() if k.startswith("pooling_mode_") and v is True]
        legacy = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
        pooling = legacy.get(chosen[0]) if chosen else None
    if pooling not in SUPPORTED_POOLING:
        raise OnnxExportError(f"pooling {pooling!r} is not supported by the ONNX backends")
    st_cfg_path = transformer_dir / "sentence_bert_config.json"
    st_cfg = json.loads(st_cfg_path.read_text(encoding="utf-8")) if st_cfg_path.is_file() else {}
    if st_cfg.get("do_lower_case"):
        raise OnnxExportError("models that lower-case their input are not supported by the ONNX backends")
    model_cfg = json.loads((transformer_dir / "config.json").read_text(encoding="utf-8"))
    max_len = int(st_cfg.get("max_seq_length") or model_cfg.get("max_position_embeddings", 512))
    dim = int(
        pooling_cfg.get("embedding_dimension")
        or pooling_cfg.get("word_embedding_dimension")
        or model_cfg.get("hidden_size")  # mean and CLS pooling keep the encoder's width
        or 0
    )
    if dim <= 0:
        raise OnnxExportError(f"{folder}: the embedding width is in neither the pooling nor the model config")
    pad_id = int(model_cfg.get("pad_token_id") or 0)  # padded positions are masked; any valid id does
    return StModelLayout(transformer_dir, pooling, kinds[-1] == "Normalize", max_len, dim, pad_id)


def onnx_folder(model_folder: Path, model_checksum: str, backend: EmbedBackend, cache_dir: Path) -> Path:
    """Where the export of ``model_folder`` for ``backend`` lives: in the model cache, named after both."""
    return cache_dir / f"{model_folder.name}-{model_checksum[:12]}-{backend.value}-v{EXPORTER_VERSION}"


def ensure_onnx(model_folder: Path, model_checksum: str, backend: EmbedBackend, cache_dir: Path) -> tuple[Path, dict]:
    """(folder, marker) of the ONNX export for ``backend``, exporting on first use.

    An existing export is used only if its marker names the same source checksum and its model files still
    have the recorded sizes and sha256; otherwise it is exported again (into a new folder, then swapped in)."""
    target = onnx_folder(model_folder, model_checksum, backend, cache_dir)
    marker = _valid_marker(target, model_checksum)
    if marker is not None:
        return target, marker
    read_layout(model_folder)  # a folder that cannot be exported fails here, before anything is written
    from filelock import FileLock

    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):  # two processes starting together export once
        marker = _valid_marker(target, model_checksum)
        return target, marker if marker is not None else export(model_folder, model_checksum, backend, target)


def _valid_marker(target: Path, model_checksum: str, weight_files: tuple[str, ...] = WEIGHT_FILES) -> dict | None:
    """The export's marker if it names ``model_checksum`` and every file it records is intact; else None."""
    try:
        marker = json.loads((target / MARKER_FILE).read_text(encoding="utf-8"))
        files = marker.get("files", {})
        if marker.get("source_checksum") != model_checksum or set(files) != set(weight_files):
            return None
        if not (target / TOKENIZER_FILE).is_file():
            return None
        for name, recorded in marker.get("tokenizer_files", {}).items():
            if file_sha256(target / name) != recorded["sha256"]:  # small files: always re-hashed
                return None
        for name, recorded in files.items():
            stat = (target / name).stat()
            if stat.st_size != recorded["bytes"]:
                return None
            # The full sha256 (seconds for hundreds of MB) only when the file is not the one the export wrote.
            if stat.st_mtime_ns != recorded["mtime_ns"] and file_sha256(target / name) != recorded["sha256"]:
                return None
        return marker
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None


def _tokenizer_record(folder: Path, compact: bool) -> dict:
    names = (TOKENIZER_FILE, SPM_FILE, NORMALIZER_FILE) if compact else (TOKENIZER_FILE,)
    return {name: {"sha256": file_sha256(folder / name)} for name in names}


def _files_record(folder: Path, weight_files: tuple[str, ...] = WEIGHT_FILES) -> tuple[dict, str]:
    """Size, sha256 and mtime of each weight file, and one checksum over them (the model's identity)."""
    files = {}
    for name in weight_files:
        stat = (folder / name).stat()
        files[name] = {"bytes": stat.st_size, "sha256": file_sha256(folder / name), "mtime_ns": stat.st_mtime_ns}
    combined = hashlib.sha256("".join(f"{n}:{f['sha256']}\n" for n, f in files.items()).encode()).hexdigest()
    return files, combined


def export(model_folder: Path, model_checksum: str, backend: EmbedBackend, target: Path) -> dict:
    if backend is EmbedBackend.TORCH:
        raise ValueError("the torch backend has nothing to export")
    layout = read_layout(model_folder)
    _say(f"exporting {model_folder.name} to ONNX ({backend.value}, one time, ~30 s) ...")
    with prepared_export(layout, target, "onnx") as (work, out, float_onnx, compact):
        quantised = work / "quantised.onnx"
        if backend is EmbedBackend.ONNX_INT8:
            _say("  quantising weights to int8 (dynamic, per channel)")
            _int8(float_onnx, quantised)
        else:
            _say("  storing the embedding tables as int8 (arithmetic stays float32)")
            _lookups_int8(float_onnx, quantised)
        _save_external(quantised, out)
        files, checksum = _files_record(out)
        marker = {
            "source": str(model_folder),
            "source_checksum": model_checksum,
            "backend": backend.value,
            "exporter_version": EXPORTER_VERSION,
            "opset": OPSET,
            **layout_record(layout, out, compact),
            "files": files,  # mtimes are kept by the rename in install_export
            "checksum": checksum,
        }
        install_export(work, out, target, marker)
        _say(f"  ONNX model ready: {target}")
        return marker


@contextmanager
def prepared_export(layout: StModelLayout, target: Path, kind: str) -> Iterator[tuple[Path, Path, Path, bool]]:
    """A temporary folder beside ``target`` (removed afterwards) holding the float32 graph and, in its ``export``
    subfolder, the tokenizer files every export ships: (work folder, export folder, float32 graph, compact?)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{kind}-export-", dir=target.parent))
    try:
        out = work / "export"
        out.mkdir()
        float_onnx = work / "float32.onnx"
        _export_float(layout, float_onnx)
        _write_tokenizer(layout, out / TOKENIZER_FILE)
        compact = write_compact(out / TOKENIZER_FILE, out, layout.max_seq_length)
        _say("  tokenizer: compact SentencePiece form, ids checked" if compact else "  tokenizer: tokenizer.json")
        yield work, out, float_onnx, compact
    finally:
        shutil.rmtree(work, ignore_errors=True)


def layout_record(layout: StModelLayout, out: Path, compact: bool) -> dict:
    """The marker fields every export records about the model's pooling, sizes and tokenizer."""
    return {
        "pooling": layout.pooling,
        "normalize": layout.normalize,
        "max_seq_length": layout.max_seq_length,
        "dimension": layout.dimension,
        "pad_id": layout.pad_id,
        "compact_tokenizer": compact,
        "tokenizer_files": _tokenizer_record(out, compact),
    }


def install_export(work: Path, out: Path, target: Path, marker: dict) -> None:
    """Write the marker into the finished export and swap it in for ``target`` in one rename; a damaged or stale
    export there is moved aside first (into ``work``, which prepared_export removes)."""
    (out / MARKER_FILE).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    if target.exists():
        os.replace(target, work / "old")
    os.replace(out, target)


def _save_external(source: Path, folder: Path) -> None:
    """The graph in model.onnx and every weight in model.onnx.data, which onnxruntime memory-maps on load."""
    import onnx

    model = onnx.load(str(source))
    onnx.save_model(
        model,
        str(folder / ONNX_FILE),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=ONNX_DATA,
        size_threshold=1024,
    )


def _export_float(layout: StModelLayout, path: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain ops; the SDPA path bakes Python branches on the mask into the graph.
    model = AutoModel.from_pretrained(str(layout.transformer_dir), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    dynamic = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model),
            (sample, sample),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["token_embeddings"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "token_embeddings": dynamic},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT-like encoders
        )


def _lookups_int8(source: Path, target: Path) -> None:
    """Only the embedding tables (Gather) as int8; every product stays float32.

    multilingual-e5-small's 250,002 x 384 token table is 384 MB of its 470 MB. A lookup involves no
    activation, so the result does not depend on what else is in the batch (unlike _int8). Measured on the dev
    questions: cosine 0.99995 to float32 (minimum 0.99992); onnxruntime session 92 MB instead of 375 MB.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["Gather"]
    )


def _int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the matrix products with constant weights, except the down-projections.

    Measured on the dev questions against float32 (cosine of query vectors): per-tensor weights 0.990,
    per-channel 0.9975, per-channel with the feed-forward down-projections kept float32 0.9991, at about the
    same speed. A down-projection is recognised by its weight's shape (more rows than columns: it reads the
    wide GELU activations, whose heavy-tailed range int8 activations cope with worst), not by layer names.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    shapes = {i.name: tuple(i.dims) for i in graph.initializer}

    def down_projection(node: onnx.NodeProto) -> bool:
        dims = shapes.get(node.input[1], ()) if node.op_type == "MatMul" else ()
        return len(dims) == 2 and dims[0] > dims[1]

    keep_float = [n.name for n in graph.node if down_projection(n)]
    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=keep_float,
        extra_options={"MatMulConstBOnly": True},
    )


def _write_tokenizer(layout: StModelLayout, path: Path) -> None:
    """The model's fast tokenizer as one tokenizer.json (padding and truncation are set at load)."""
    source = layout.transformer_dir / TOKENIZER_FILE
    if source.is_file():
        shutil.copyfile(source, path)
        return
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(layout.transformer_dir))
    if not getattr(tok, "is_fast", False):
        raise OnnxExportError("the model has no fast tokenizer (tokenizer.json)")
    tok.backend_tokenizer.save(str(path))
