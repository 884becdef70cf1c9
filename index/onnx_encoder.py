"""Run an exported sentence encoder (index/onnx_export.py) with onnxruntime and tokenizers, without torch.

Pooling and normalisation are the sentence-transformers modules' arithmetic, done in numpy on the encoder's
token embeddings, as recorded in the export's marker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from index.onnx_export import ONNX_FILE, TOKENIZER_FILE


class _Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...

    def encode_batch(self, texts: list[str]) -> list[list[int]]: ...


class _FastTokenizer:
    """tokenizer.json through `tokenizers`, for tokenizers the compact form cannot express."""

    def __init__(self, path: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self._inner = Tokenizer.from_file(str(path))
        self._inner.enable_truncation(max_length=max_length)

    def encode(self, text: str) -> list[int]:
        return self._inner.encode(text).ids

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._inner.encode_batch(texts)]


class OnnxEncoder:
    """Tokenise, pad, run the encoder graph, pool: the graph runs in onnxruntime here (``_open``, ``_run``);
    index/openvino_encoder.py runs an OpenVINO model with everything else the same."""

    # Inputs are padded to a multiple of this many tokens (masked: the vectors do not change). 1 for onnxruntime.
    pad_multiple = 1

    def __init__(self, folder: Path, marker: dict, threads: int) -> None:
        self.pooling = marker["pooling"]
        self.normalize = bool(marker["normalize"])
        self.dimension = int(marker["dimension"])
        self.pad_id = int(marker["pad_id"])
        max_length = self.max_length = int(marker["max_seq_length"])
        self.tokenizer: _Tokenizer
        if marker.get("compact_tokenizer"):
            from index.compact_tokenizer import CompactTokenizer

            # The same ids in ~60 MB instead of ~270 MB (index/compact_tokenizer.py).
            self.tokenizer = CompactTokenizer(folder, max_length)
        else:
            self.tokenizer = _FastTokenizer(folder / TOKENIZER_FILE, max_length)
        self._open(folder, threads)

    def _open(self, folder: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(0, threads)  # 0: onnxruntime uses every core
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Without the arena the session holds ~90 MB instead of 180-350 MB (it grows with the largest batch
        # and never shrinks), for ~5 % more time per query (measured, BENCHMARKS.md).
        options.enable_cpu_mem_arena = False
        # With more than one intra-op thread, onnxruntime's pool threads busy-wait after each run by default,
        # taking the core the request's own Python work (analysis, BM25, evidence) needs next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Vectors for ``texts`` (row i = texts[i]); batches are formed from texts of similar length."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(texts) if len(texts) > 1 else [self.tokenizer.encode(texts[0])]
        # Sorting by token count keeps padding (wasted compute) small inside each batch.
        lengths = [len(ids) for ids in encoded]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        for start in range(0, len(order), max(1, batch_size)):
            rows = order[start : start + batch_size]
            width = max(lengths[i] for i in rows)
            width = min(-(-width // self.pad_multiple) * self.pad_multiple, max(width, self.max_length))
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : lengths[i]] = encoded[i]
                mask[r, : lengths[i]] = 1
            out[rows] = self._pool(self._run(ids, mask), mask)
        return out

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return self.session.run(None, feeds)[0]

    def _pool(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pooling == "cls":
            vectors = tokens[:, 0, :]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if self.normalize:
            vectors = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors.astype(np.float32, copy=False)
