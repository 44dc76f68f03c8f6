"""Rank entries by how much pasted code reads like their broken example.

Pasted code with no error is a program in some situation; an entry's `## Broken example` is a
program in its situation, and its `## Fixed example` is the cure (which correct code resembles,
and a broken paste does not). So code is matched against the broken examples alone, term by term
(kb.code_terms: API names, calls, attributes, keyword arguments), each term weighed BM25-like by
its rarity among the examples: `load_state_dict(` or `weights_only=` picks out a few entries,
`Linear(` many. The index is a small dense matrix (entries x terms, 186 x ~2,000 for the shipped
corpus) built in memory from the store's documents; nothing is embedded and nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from kb.code_terms import code_terms
from kb.documents import Document, code_of

BROKEN_EXAMPLE = "broken example"
K1 = 0.5  # small: that an example uses an API matters, how often it repeats it hardly (dev set: 0.5 over 1.2)
B = 0.5  # how much a long example's terms count less
MAX_CODE_CHARS = 20_000  # a program longer than this is matched by its beginning (a pasted file, not a megabyte)


class CodeIndex:
    """BM25 weights of every (example, term) pair, one row per entry with a broken example."""

    def __init__(self, examples: dict[str, str]) -> None:
        self.sources = list(examples)
        counted = [Counter(code_terms(code)) for code in examples.values()]
        self.vocabulary = {term: i for i, term in enumerate(sorted(set().union(*counted)))}
        self.weights = _bm25_weights(counted, self.vocabulary)

    @classmethod
    def of_documents(cls, documents: Iterable[Document]) -> "CodeIndex":
        return cls({doc.source: code for doc in documents if (code := broken_example(doc))})

    def scores(self, code: str) -> np.ndarray:
        """Each example's score for the code: the sum of the weights of the distinct terms they share."""
        terms = set(code_terms(code[:MAX_CODE_CHARS]))
        columns = sorted(self.vocabulary[term] for term in terms if term in self.vocabulary)
        if not columns or not self.sources:
            return np.zeros(len(self.sources))
        return self.weights[:, columns].sum(axis=1)

    def ranked(self, code: str, limit: int) -> list[tuple[str, float]]:
        """The sources whose examples share anything with the code, best first, at most `limit`."""
        scores = self.scores(code)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [(self.sources[i], float(scores[i])) for i in order if scores[i] > 0]


def broken_example(document: Document) -> str:
    """The code of an entry's broken example ("" when it has none: a Q&A page, a runs_on: none entry)."""
    section = document.section(BROKEN_EXAMPLE)
    if section is None:
        return ""
    return "\n".join(code_of(block) for block in section.blocks if block.is_code)


def _bm25_weights(counted: list[Counter[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """Rows: examples; columns: terms; each cell idf * saturated term frequency, length-normalised."""
    weights = np.zeros((len(counted), len(vocabulary)))
    for row, counts in enumerate(counted):
        for term, count in counts.items():
            weights[row, vocabulary[term]] = count
    lengths = weights.sum(axis=1, keepdims=True)
    average = lengths.mean() if len(counted) else 1.0
    frequency = (weights > 0).sum(axis=0)
    idf = np.log(1 + (len(counted) - frequency + 0.5) / (frequency + 0.5))
    saturation = weights * (K1 + 1) / (weights + K1 * (1 - B + B * lengths / max(average, 1.0)))
    return saturation * idf
