"""Run an exported sentence encoder (index/onnx_export.py) with onnxruntime and tokenizers, without torch.

Pooling and normalisation are the sentence-transformers modules' arithmetic, done in numpy on the encoder's
token embeddings, as recorded in the export's marker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.onnx_export import ONNX_FILE, TOKENIZER_FILE


class OnnxEncoder:
    def __init__(self, folder: Path, marker: dict, threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.pooling = marker["pooling"]
        self.normalize = bool(marker["normalize"])
        self.dimension = int(marker["dimension"])
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=int(marker["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(marker["pad_id"]))
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
        encodings = self.tokenizer.encode_batch(texts) if len(texts) > 1 else [self.tokenizer.encode(texts[0])]
        # Sorting by token count keeps padding (wasted compute) small inside each batch.
        lengths = [sum(e.attention_mask) for e in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        for start in range(0, len(order), max(1, batch_size)):
            rows = order[start : start + batch_size]
            width = max(lengths[i] for i in rows)
            ids = np.array([encodings[i].ids[:width] for i in rows], dtype=np.int64)
            mask = np.array([encodings[i].attention_mask[:width] for i in rows], dtype=np.int64)
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
