"""The one tokenizer of lexical search: documents are indexed and queries are searched by the
terms this module produces, so a word can only match itself.

A term is a lowercase ASCII word of letters and digits that starts with a letter, reduced to a
light stem. What is left out is left out on both sides:

- numbers and words that start with a digit (`256`, `0th`, `0x7f3a`): a user's shapes, sizes and
  addresses differ from any document's, so they are noise to BM25;
- one-letter words and common English words (`the`, `how`, `my`): they say nothing about which
  entry explains a message;
- separators: `running_mean` and `torch.float32` are two terms each.

A CamelCase name is kept whole and also split into its words (`BatchNorm1d` gives `batchnorm1d`,
`batch` and `norm`), so "batch norm" in a question meets `BatchNorm` in a document.

The stemmer only strips inflections (plural `s`, `ing`, `ed`, a final `e`), which is what tells a
question's words from an error message's (`gradients` / `gradient`, `padded` / `padding`) in this
domain; it never merges two different words the way a full English stemmer conflates terms like
`general` and `generate`.

Every term is `[a-z][a-z0-9]*`, which SQLite's unicode61 tokenizer keeps exactly as it is: FTS5
stores and scores our terms and adds no policy of its own. Changing what this module produces
changes every index built with it, so `VERSION` names the policy and kb.store rebuilds the lexical
index of an index built under another one.
"""

from __future__ import annotations

import functools
import re

VERSION = "kb-terms-1"

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its my no not "
    "of on or so that the this to was what when where which why will with you your me get got".split()
)
_VOWELS = frozenset("aeiouy")
_UNDOUBLED = frozenset("lsz")  # `fill`, `pass`, `buzz` keep their double letter


def terms(text: str) -> list[str]:
    """The terms of a text in order, repeats kept (what a document is indexed by)."""
    found: list[str] = []
    for word in _WORD.findall(text):
        if not word[0].isalpha():
            continue
        found.extend(_word_terms(word))
    return found


def query_terms(text: str, limit: int = 64) -> list[str]:
    """The distinct terms of a query, first occurrences first, at most `limit` of them (a whole
    pasted log must not turn into a query of thousands of terms)."""
    return list(dict.fromkeys(terms(text)))[:limit]


def indexed_text(text: str) -> str:
    """A text as the lexical index stores it: its terms joined by spaces."""
    return " ".join(terms(text))


@functools.lru_cache(maxsize=65536)
def _word_terms(word: str) -> tuple[str, ...]:
    """The terms of one word: the whole word, then its CamelCase parts (cached: documents and
    queries repeat the same words over and over)."""
    whole = word.lower()
    if len(whole) < 2 or whole in _STOPWORDS:
        return ()
    parts = [part.lower() for part in _CAMEL_PART.findall(word)]
    found = [stem(whole)]
    if len(parts) > 1:
        found += [stem(part) for part in parts if len(part) > 1 and part not in _STOPWORDS]
    return tuple(dict.fromkeys(found))


def stem(word: str) -> str:
    """`word` (lowercase) without its inflection: gradients -> gradient, padded / padding -> pad,
    shapes / shaped -> shap, entries -> entry;
    `loss`, `status`, `axis`, `bias` are not plurals. Short words and words with a digit stay as they are."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWELS.intersection(base):
            word = _undoubled(base)
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _undoubled(base: str) -> str:
    """`padd` -> `pad`, `stopp` -> `stop`; `fill` stays."""
    if len(base) > 3 and base[-1] == base[-2] and base[-1] not in _VOWELS | _UNDOUBLED:
        return base[:-1]
    return base
