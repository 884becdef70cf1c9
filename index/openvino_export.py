"""Export a sentence-transformers folder once to an int8 OpenVINO model (NNCF post-training quantisation).

The float32 ONNX graph is index/onnx_export.py's (same exporter, tokenizer and layout); OpenVINO reads it and
NNCF quantises it *statically*: activation scales are fixed from a calibration set, so a text's vector does
not depend on what else is in its batch (unlike onnxruntime's dynamic int8), and the int8 matrix products run
on the CPU's VNNI/AMX units. The calibration set is document text only, never questions: passages and
sentences of the collection's documents (``Settings.seeds_dir``), with the model's passage prompt, and the
same sentences with its query prompt (a query is a short sentence). It is chosen deterministically, and its
sha256 is recorded in the marker; the export is made once and then kept whatever documents are added later
(its checksum is the model's identity in the index manifest).

Written like the ONNX exports: into a temporary folder next to the target, then renamed into place, under a
file lock, with a marker holding each file's size and sha256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from index.modes import EmbedBackend
from index.onnx_export import (
    OPSET,
    TOKENIZER_FILE,
    OnnxExportError,
    _files_record,
    _say,
    _valid_marker,
    install_export,
    layout_record,
    prepared_export,
    read_layout,
)

OV_EXPORTER_VERSION = 2  # 2: the token table out of the graph, in token_table.npy / token_scale.npy
OV_XML = "model.xml"
OV_BIN = "model.bin"
TABLE_FILE = "token_table.npy"  # int8, one row per token id; memory-mapped, so only the rows used are read
SCALE_FILE = "token_scale.npy"  # float32, one scale per row
OV_FILES = (OV_XML, OV_BIN, TABLE_FILE, SCALE_FILE)
EMBEDS_INPUT = "word_embeds"
OPENVINO_PIN = "openvino==2026.4.1"
NNCF_PIN = "nncf==3.4.0"
CALIBRATION_TEXTS = 300  # NNCF's default subset size
# "static": weights and activations int8 (nncf.quantize); "weights": int8 weights only (nncf.compress_weights),
# float arithmetic. Chosen by measurement (BENCHMARKS.md § 15).
QUANTISATION = "static"
INFERENCE_PRECISION = "f32"  # what stays floating point runs in this precision (OpenVINO's hint)


def require_openvino(need_nncf: bool) -> None:
    """OnnxExportError naming the install command unless openvino (and, to export, nncf) can be imported."""
    missing = []
    try:
        import openvino  # noqa: F401
    except ImportError:
        missing.append(OPENVINO_PIN)
    if need_nncf:
        try:
            import nncf  # noqa: F401
        except ImportError:
            missing.append(NNCF_PIN)
    if missing:
        raise OnnxExportError(
            f"the {EmbedBackend.OPENVINO_INT8.value} backend needs {' and '.join(missing)}, which are not installed: "
            f"run `pip install {' '.join(missing)}` (or `make install`), or set POLICYQA_EMBED_BACKEND=onnx"
        )


def openvino_folder(model_folder: Path, model_checksum: str, cache_dir: Path) -> Path:
    backend = EmbedBackend.OPENVINO_INT8.value
    return cache_dir / f"{model_folder.name}-{model_checksum[:12]}-{backend}-v{OV_EXPORTER_VERSION}"


def ensure_openvino(
    model_folder: Path, model_checksum: str, cache_dir: Path, calibration: Callable[[], list[str]]
) -> tuple[Path, dict]:
    """(folder, marker) of the OpenVINO int8 export, exporting on first use (``calibration()`` gives the texts,
    prompts included; it is called only when an export is made)."""
    target = openvino_folder(model_folder, model_checksum, cache_dir)
    marker = _valid_marker(target, model_checksum, OV_FILES)
    if marker is not None:
        return target, marker
    read_layout(model_folder)
    require_openvino(need_nncf=True)
    from filelock import FileLock

    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        marker = _valid_marker(target, model_checksum, OV_FILES)
        if marker is None:
            marker = export_openvino(model_folder, model_checksum, target, calibration())
        return target, marker


def calibration_texts(
    seeds_dir: Path, query_prompt: str, passage_prompt: str, limit: int = CALIBRATION_TEXTS
) -> list[str]:
    """Document text to calibrate on: a third passages, a third sentences (both as the build embeds them), a
    third sentences with the query prompt; evenly spread over the collection, deterministic."""
    from index.builder import chunking_params
    from index.chunking import chunk_document
    from index.documents import read_seeds
    from index.sentences import sentence_spans
    from index.settings import REPO_ROOT, Settings

    chunks = []
    # The collection's documents; if it has none yet (an empty folder to upload into), the bundled ones.
    for folder in dict.fromkeys([seeds_dir, REPO_ROOT / "seeds"]):
        try:
            scan = read_seeds(folder)
        except (OSError, ValueError):
            continue
        chunks = [c for doc in scan.documents for c in chunk_document(doc, chunking_params(Settings()))]
        if chunks:
            break
    if not chunks:
        raise OnnxExportError(
            f"no documents in {seeds_dir} to calibrate the int8 model on; add documents first, "
            "or set POLICYQA_EMBED_BACKEND=onnx"
        )
    sentences = [c.text[s:e] for c in chunks for s, e in sentence_spans(c.text)]
    sentences = [s for s in sentences if len(s.strip()) >= 4]

    def spread(items: list, n: int) -> list:
        if len(items) <= n:
            return list(items)
        return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)] if n > 1 else items[:1]

    third = max(1, limit // 3)
    passages = [passage_prompt + c.context_text for c in spread(chunks, third)]
    picked = spread(sentences, 2 * third)
    return passages + [passage_prompt + s for s in picked[0::2]] + [query_prompt + s for s in picked[1::2]]


def export_openvino(
    model_folder: Path,
    model_checksum: str,
    target: Path,
    texts: list[str],
    quantisation: str = QUANTISATION,
    precision: str = INFERENCE_PRECISION,
) -> dict:
    import nncf
    import numpy as np
    import openvino as ov

    from index.onnx_encoder import _FastTokenizer

    layout = read_layout(model_folder)
    if not texts:
        raise OnnxExportError("no calibration texts")
    _say(
        f"exporting {model_folder.name} to OpenVINO int8 ({quantisation}, {len(texts)} calibration texts, one time) ..."
    )
    with prepared_export(layout, target, "openvino") as (work, out, float_onnx, compact):
        tokenizer = _FastTokenizer(out / TOKENIZER_FILE, layout.max_seq_length)
        samples = []
        for ids in tokenizer.encode_batch(texts):
            arr = np.asarray([ids], dtype=np.int64)
            samples.append({"input_ids": arr, "attention_mask": np.ones_like(arr)})
        model = ov.Core().read_model(str(float_onnx))
        if quantisation == "static":
            _say("  quantising weights and activations to int8 (NNCF, static, transformer preset)")
            model = nncf.quantize(
                model,
                nncf.Dataset(samples),
                preset=nncf.QuantizationPreset.MIXED,
                model_type=nncf.ModelType.TRANSFORMER,
                subset_size=len(samples),
            )
        elif quantisation == "weights":
            _say("  compressing weights to int8 (NNCF, weights only)")
            model = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
        else:
            raise ValueError(f"unknown quantisation {quantisation!r}")
        model = _table_out_of_graph(model, out)
        ov.save_model(model, str(out / OV_XML), compress_to_fp16=False)
        files, checksum = _files_record(out, OV_FILES)
        marker = {
            "source": str(model_folder),
            "source_checksum": model_checksum,
            "backend": EmbedBackend.OPENVINO_INT8.value,
            "exporter_version": OV_EXPORTER_VERSION,
            "opset": OPSET,
            "openvino": ov.__version__,
            "nncf": nncf.__version__,
            "quantisation": quantisation,
            "inference_precision": precision,
            "calibration": {
                "texts": len(texts),
                "sha256": hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest(),
            },
            **layout_record(layout, out, compact),
            "files": files,
            "checksum": checksum,
        }
        install_export(work, out, target, marker)
        _say(f"  OpenVINO model ready: {target}")
        return marker


def _table_out_of_graph(model, folder: Path):
    """Cut the token-embedding lookup out of the graph: its int8 table and per-row scales go to .npy files that
    the encoder memory-maps and looks up itself, and the graph takes the looked-up rows as an input.

    OpenVINO's CPU plugin holds the static model's 250,037 x 384 table as float32 in private memory (+~480 MB
    against +~100 MB without it; BENCHMARKS.md § 15d); the rows it gives are the same numbers (int8 x scale)."""
    import numpy as np
    import openvino as ov
    import openvino.opset13 as ops

    gathers = []
    for op in model.get_ordered_ops():
        if op.get_type_name() != "Gather":
            continue
        shape = op.input_value(0).get_partial_shape()
        if shape.is_static and len(shape) == 2 and shape[0].get_length() >= 1000:
            gathers.append(op)
    table_op = max(gathers, key=lambda g: g.input_value(0).get_partial_shape()[0].get_length(), default=None)
    if table_op is None:
        raise OnnxExportError("no token-embedding lookup found in the quantised graph")
    dequant = table_op.input_value(0).get_node()
    convert = dequant.input_value(0).get_node() if dequant.get_type_name() == "Multiply" else None
    const = convert.input_value(0).get_node() if convert is not None and convert.get_type_name() == "Convert" else None
    scale = dequant.input_value(1).get_node()
    if const is None or const.get_type_name() != "Constant" or scale.get_type_name() != "Constant":
        raise OnnxExportError("the token table is not stored as int8 x scale in the quantised graph")
    table, scales = const.get_data(), scale.get_data().astype(np.float32)
    if table.dtype != np.int8 or scales.shape != (table.shape[0], 1):
        raise OnnxExportError(f"unexpected token table layout {table.dtype} {table.shape}, scales {scales.shape}")
    np.save(folder / TABLE_FILE, np.ascontiguousarray(table))
    np.save(folder / SCALE_FILE, np.ascontiguousarray(scales))
    embeds = ops.parameter(ov.PartialShape([-1, -1, table.shape[1]]), ov.Type.f32, name=EMBEDS_INPUT)
    embeds.output(0).get_tensor().set_names({EMBEDS_INPUT})
    table_op.output(0).replace(embeds.output(0))
    return ov.Model(model.get_results(), [*model.get_parameters(), embeds], model.get_friendly_name())
