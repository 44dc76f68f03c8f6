"""Pasted fragments name things defined elsewhere (`model`, `criterion`, `optimizer`): a name the
file never binds, imports or takes as a parameter, but spelt as one of these conventional names,
is taken for what the name says. Only the conventional spellings count."""

from __future__ import annotations

import ast
import builtins
import re

from assistant.codecheck._code import CONVENTIONAL_IMPORTS, Code

LOSS_NAMES = re.compile(r"criterion|loss", re.I)
MODEL_NAMES = re.compile(r"^(model|net|network|encoder|decoder|classifier)$")
OPTIMIZER_NAMES = re.compile(r"^(optimizer|optimiser|opt|optim)$")
LOADER_NAMES = re.compile(r"(^|_)(data)?loader$|^(train|val|valid|test|eval)_?dl$", re.I)


def free(code: Code, name: ast.Name) -> bool:
    """A name the file never binds (a fragment's name defined elsewhere), nor takes as a parameter."""
    if "free names" not in code.memo:
        bound = {n.id for n in code.nodes_of(ast.Name) if isinstance(n.ctx, ast.Store)}
        bound |= {d.name for d in [*code.classes, *code.functions]}
        bound |= {a.arg for f in code.functions for a in [*f.args.posonlyargs, *f.args.args, *f.args.kwonlyargs,
                                                             *filter(None, [f.args.vararg, f.args.kwarg])]}
        bound |= {n for n in code.imported if n not in CONVENTIONAL_IMPORTS}
        code.memo["free names"] = bound
    return name.id not in code.memo["free names"]  # type: ignore[operator]


def free_named(code: Code, node: ast.expr, names: re.Pattern[str]) -> bool:
    """A free name spelt like one of `names` (`criterion` for LOSS_NAMES)."""
    return isinstance(node, ast.Name) and bool(names.search(node.id)) and free(code, node)


def notebook_cell(code: Code) -> bool:
    """Code pasted from a notebook cell: it ends with a bare name or attribute (`model`, `xb.shape`),
    which only a notebook displays, or keeps Jupyter's `# In[3]:` marker. What runs in a notebook
    runs in the kernel's own __main__, which no other process can import."""
    last = code.tree.body[-1] if code.tree.body else None
    if isinstance(last, ast.Expr) and isinstance(last.value, (ast.Name, ast.Attribute, ast.Subscript)):
        return True
    return any(line.startswith("# In[") for line in code.lines)


def whole_program(code: Code) -> bool:
    """Code that defines or imports every name it reads (builtins aside): a program pasted whole, not a
    fragment of one, so what it never does (evaluate, save) it really never does."""
    if "whole program" not in code.memo:
        known = set(vars(builtins)) | {alias.asname or alias.name.split(".")[0]
                                       for node in code.nodes_of(ast.Import, ast.ImportFrom) for alias in node.names}
        code.memo["whole program"] = not any(
            isinstance(node.ctx, ast.Load) and node.id not in known and free(code, node)
            for node in code.nodes_of(ast.Name))
    return code.memo["whole program"]  # type: ignore[return-value]
