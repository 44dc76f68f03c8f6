"""Error-message patterns: how a corpus entry declares the messages it explains.

A pattern is the message as torch prints it, with the parts that vary between users replaced by
placeholders, so that `running_mean should contain 50 elements not 256` and the same message with
`10`/`64` are one signature:

- `{name}` matches one value: a number, a shape (`[32, 50]`, `torch.Size([2, 3])`, `(4, 5)`), a quoted
  string, or a dotted identifier such as `torch.float32` or `cuda:0`. The matched text is kept under
  `name`, so an explanation can speak in the user's own numbers.
- `{*}` matches any text, as little as possible. What it skips is not counted as explained: a
  pattern's coverage of a message is the share its literal text and placeholder values account for.
- Any run of white space matches any run of white space; matching ignores case.

Writing patterns this way (instead of raw regular expressions) keeps them readable in front matter
and makes it impossible to forget to escape the brackets and dots that torch messages are full of.

Patterns are matched by RE2, an automaton engine whose search time is linear in the length of the
message whatever the pattern. Python's backtracking `re` took quadratic time on a `{*}` pattern
whose literal after the `{*}` never comes (37 s for a 200,000-character paste, holding the GIL and
with it a whole `kb serve`), and the messages matched here are pasted by anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import re2

_VALUE = (
    r"torch\.Size\(\[[^\]]*\]\)"  # torch.Size([32, 50])
    r"|\[[^\]]*\]"  # [32, 50]
    r"|\([^()]*\)"  # (32, 50)
    r"|'[^']*'|\"[^\"]*\""  # quoted names
    r"|[\pL\pN_.:+\-]+"  # 50, -1, 1e-05, torch.float32, cuda:0, fc.weight (letters of any script)
)
_GAP = "_gap"  # group names of `{*}`: text a pattern skips is neither a fact nor covered
_TOKEN = re.compile(r"\{(\*|[A-Za-z_]\w*)\}|\s+")  # applied to patterns, which the corpus author writes


class PatternError(ValueError):
    """A pattern in an entry's front matter cannot be compiled."""


@dataclass(frozen=True)
class PatternMatch:
    pattern: "ErrorPattern"
    facts: dict[str, str]
    coverage: float  # share of the message the pattern accounts for, 0..1


@dataclass(frozen=True)
class ErrorPattern:
    text: str

    @cached_property
    def regex(self) -> re2._Regexp:
        return compile_pattern(self.text)

    @cached_property
    def literals(self) -> tuple[str, ...]:
        """The pattern's literal text between placeholders and white space, case-folded. A message
        lacking one of them cannot match, and checking that first spares compiling the regex:
        compiling every pattern of the corpus costs more than all the rest of an exact-error answer."""
        pieces = _TOKEN.sub("\0", self.text).split("\0")
        return tuple(sorted((piece.casefold() for piece in pieces if piece), key=len, reverse=True))  # rarest first

    def match(self, message: str, folded: str | None = None) -> PatternMatch | None:
        """`folded` is `message.casefold()`, for callers that try many patterns on one message."""
        folded = _casefolded(message) if folded is None else folded
        for literal in self.literals:
            if literal not in folded:
                return None
        found = self.regex.search(message)
        if found is None:
            return None
        groups = found.groupdict()
        facts = {k: v.strip("'\"") for k, v in groups.items() if v is not None and not k.startswith(_GAP)}
        gaps = sum(len(v) for k, v in groups.items() if v is not None and k.startswith(_GAP))
        coverage = (found.end() - found.start() - gaps) / max(len(message.strip()), 1)
        return PatternMatch(self, facts, min(coverage, 1.0))


@lru_cache(maxsize=4)
def _casefolded(message: str) -> str:
    """A retriever tries every pattern of the corpus on one message: fold it once, not once each."""
    return message.casefold()


def compile_pattern(text: str) -> re2._Regexp:
    """Translate the placeholder syntax above into a compiled RE2 expression."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for token in _TOKEN.finditer(text):
        parts.append(re.escape(text[position : token.start()]))
        name = token.group(1)
        if name is None:
            parts.append(r"\s+")
        elif name == "*":
            parts.append(f"(?P<{_GAP}{len(parts)}>.*?)")
        elif name in seen:
            raise PatternError(f"placeholder {{{name}}} appears twice in pattern {text!r}")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>{_VALUE})")
        position = token.end()
    parts.append(re.escape(text[position:]))
    body = "".join(parts).strip()
    if not re.sub(rf"\(\?P<{_GAP}\d+>\.\*\?\)", "", body).replace(r"\s+", ""):
        raise PatternError(f"pattern {text!r} has no literal text to match")
    try:
        return re2.compile(f"(?is){body}")
    except re2.error as error:
        raise PatternError(f"pattern {text!r} cannot be compiled: {error}") from None
