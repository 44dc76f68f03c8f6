"""Shapes that pasted code declares in its comments: `# images: (64, 3, 32, 32)`, `x = ...  # [B, 128]`.

A fragment cut out of its program uses names it never defines (the batch, `self.features(...)`),
so running it stops at the first of them and shows nothing. Its comments often say what those
values are; the abstract run binds a name to an abstract tensor of the declared shape, so the lines
after it run and their shape errors show.

Only shapes that say exactly what they are count: every dimension a number or the batch (`B`,
`N`, `batch`, which gets a size of its own). `[B, L, E]` does not: a made-up size for `E` would
disagree with the layers the comment was about and report a mismatch the code does not have. Names
of integer data (ids, labels, masks) are left alone too, since a float tensor would misstate them.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

BATCH = 32  # the size a `B` or `N` dimension gets: a usual one, so that `view(-1, ...)` divides as it does for users
_BATCH_NAMES = frozenset({"b", "n", "bs", "bsz", "batch", "batch_size", "nb", "num_samples"})
_DIMENSION = r"(?:\d+|[A-Za-z_]\w*)"
_SHAPE = re.compile(rf"(?:(?P<name>[A-Za-z_]\w*)\s*[:=]\s*)?[\[(]\s*(?P<dims>{_DIMENSION}(?:\s*[,x]\s*{_DIMENSION})+)"
                    r"\s*,?\s*[\])]")
_INTEGER_DATA = re.compile(r"id|token|label|target|idx|index|mask|len|class", re.IGNORECASE)


@dataclass(frozen=True)
class DeclaredShapes:
    named: dict[str, tuple[int, ...]] = field(default_factory=dict)  # `# x: (N, 16, 28, 28)`: x has that shape
    by_line: dict[int, tuple[int, ...]] = field(default_factory=dict)  # `y = f(x)  # (64, 10)`: the line's result

    def __bool__(self) -> bool:
        return bool(self.named or self.by_line)


def declared_shapes(code: str) -> DeclaredShapes:
    """The shapes the comments of `code` declare, by name and by the line whose result they describe."""
    named: dict[str, tuple[int, ...]] = {}
    by_line: dict[int, tuple[int, ...]] = {}
    for line, comment, alone in comments(code):
        for found in _SHAPE.finditer(comment):
            shape = _sizes(re.split(r"\s*[,x]\s*", found["dims"].strip()))
            if shape is None or (found["name"] and _INTEGER_DATA.search(found["name"])):
                continue
            if found["name"]:
                named.setdefault(found["name"], shape)
            elif not alone:
                by_line.setdefault(line, shape)
    return DeclaredShapes(named, by_line)


def _sizes(dimensions: list[str]) -> tuple[int, ...] | None:
    sizes = []
    for dimension in dimensions:
        if dimension.isdigit() and 0 < int(dimension) <= 1 << 16:
            sizes.append(int(dimension))
        elif dimension.lower() in _BATCH_NAMES:
            sizes.append(BATCH)
        else:
            return None
    return tuple(sizes)


def comments(code: str) -> list[tuple[int, str, bool]]:
    """(line, comment text, whether the comment is alone on its line) for every comment."""
    found: list[tuple[int, str, bool]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.string.lstrip("#"), not token.line[: token.start[1]].strip()))
    except (tokenize.TokenError, SyntaxError):
        return found
    return found
