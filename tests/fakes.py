"""A deterministic stand-in for the sentence-transformers model: hashed bag of words.

Unit tests need embeddings that are fast, stable and similar for texts sharing words; they do
not need semantics. Tests that do need semantics use the real model and are marked `model`.
"""

from __future__ import annotations

import hashlib
import re
import time

import numpy as np


class FakeEmbedder:
    name = "fake-bow"
    dim = 64

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.embedded = 0  # texts embedded so far: re-ingesting unchanged files must not raise it

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.embedded += len(texts)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if self.delay_s:
                time.sleep(self.delay_s)
            for word in re.findall(r"[a-z]+", text.lower()):
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
