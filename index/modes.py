"""The product's modes as validated enums: an unknown value is an error that names the valid ones.

``POLICYQA_RETRIEVAL=hybird`` used to be accepted and then refuse every question; now it stops start-up.
"""

from __future__ import annotations

from enum import StrEnum


class _Mode(StrEnum):
    @classmethod
    def from_str(cls, value: str) -> _Mode:
        """The member named ``value`` (case and surrounding space ignored); ValueError if there is none."""
        try:
            return cls(str(value).strip().lower())
        except ValueError as exc:
            valid = ", ".join(m.value for m in cls)
            raise ModeError(f"unknown {cls.__doc__ or cls.__name__} {value!r}; use one of: {valid}") from exc


class ModeError(ValueError):
    """A mode setting (POLICYQA_RETRIEVAL=hybird, a typo'd CLI flag) that names no known mode."""


class RetrievalMode(_Mode):
    """retrieval mode"""

    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


class FusionMode(_Mode):
    """fusion method"""

    RRF = "rrf"
    BLEND = "blend"


class VectorStoreKind(_Mode):
    """vector store"""

    FAISS = "faiss"
    MILVUS = "milvus"


class FaissIndexKind(_Mode):
    """FAISS index type"""

    AUTO = "auto"
    FLAT = "flat"
    HNSW = "hnsw"
    IVF = "ivf"
    IVFPQ = "ivfpq"


class ChunkingMethod(_Mode):
    """chunking method"""

    STRUCTURED = "structured"
    WINDOW = "window"


class EmbedBackend(_Mode):
    """embedding backend"""

    TORCH = "torch"  # sentence-transformers on PyTorch: any sentence-transformers model
    ONNX = "onnx"  # exported to ONNX, float32 arithmetic (embedding tables stored int8), run by onnxruntime
    ONNX_INT8 = "onnx-int8"  # ONNX with int8 weights (dynamic quantisation)
    OPENVINO_INT8 = "openvino-int8"  # the ONNX export, statically quantised to int8 by NNCF, run by OpenVINO
