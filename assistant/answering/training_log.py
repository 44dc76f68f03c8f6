"""A pasted training log, said in words: how its loss moves.

A run that raises nothing is described by its numbers (`epoch 3 loss -0.1983`, `loss: 0.6931`),
and numbers are exactly what lexical search leaves out (kb.tokens) and what an embedding model
reads worst. What tells the silent bugs apart is the shape of the loss curve: a negative loss
(NLLLoss on raw scores), a loss that grows every epoch (gradients never zeroed), one that is the
same to every printed decimal (the optimizer steps another model's parameters), one that stays
flat near its starting value. `describe` turns a log's loss values into the words the corpus
entries use for those symptoms, so a query that is mostly numbers can be searched by meaning.
"""

from __future__ import annotations

import math
import re

_NUMBER = r"(?:-?\d+(?:\.\d+)?(?:e-?\d+)?|nan|inf)\b"
_LOSS_VALUES = re.compile(rf"\b\w*loss\w*\s*[:=]?\s*(?P<values>{_NUMBER}(?:\s*,\s*{_NUMBER})*)", re.IGNORECASE)
_NUMERAL = re.compile(r"(?<![A-Za-z_])[-+]?\d[\d.e+-]*")
_WORD = re.compile(r"[A-Za-z]{2,}")
_NUMBERS_PER_WORD = 0.3  # a paste with at least this many numbers per word is a log of values
_MIN_VALUES = 3  # fewer values are no curve
_FLAT = 0.02  # a loss that moves less than this share of its size over the whole log is flat
_SLOW = 0.85  # a loss still above this share of where it started after several epochs barely learns


def loss_values(text: str) -> list[float]:
    """The loss values a log prints, in order (`loss 0.69`, `train_loss: 0.69`, `loss=nan`,
    `loss: 0.69, 0.71, 1.9`)."""
    return [float(value) for found in _LOSS_VALUES.finditer(text) for value in found["values"].split(",")]


def reads_as_numbers(text: str) -> bool:
    """Whether a paste is mostly printed values (`run 1: val_acc=0.8412`, `trainable params: 453 /
    8709`) rather than sentences: the embedding model reads such text worst, while the few words
    around the values (`val_acc`, `re-run`, `grad: None`) are what lexical search matches."""
    return len(_NUMERAL.findall(text)) >= _NUMBERS_PER_WORD * max(len(_WORD.findall(text)), 1)


def describe(text: str) -> str:
    """Words for how the log's loss moves, or "" when it prints too few loss values."""
    values = loss_values(text)
    if len(values) < _MIN_VALUES:
        return ""
    finite = [value for value in values if math.isfinite(value)]
    if len(finite) < len(values):
        growing = _curve(finite) if len(finite) >= _MIN_VALUES else ""
        return "; ".join(filter(None, ["the loss becomes nan", growing]))
    return _curve(values)


def _curve(values: list[float]) -> str:
    first, last = values[0], values[-1]
    if last < 0:
        return "negative loss, getting more negative"
    if len(set(values)) == 1:
        return "loss exactly the same, never changes: weights not updated"
    if abs(last - first) <= _FLAT * max(abs(first), 1e-12):
        return "loss stays flat, does not decrease"
    if last > first and sum(b > a for a, b in zip(values, values[1:])) >= 0.6 * (len(values) - 1):
        return "loss increases every epoch, grows and explodes"
    if len(values) >= 5 and _SLOW * first <= last < first:
        return "loss decreases only very slowly, stays high"
    return ""
