"""An import of a name that libraries built on torch (Lightning, transformers, huggingface_hub,
diffusers) moved or removed in a later release: "cannot import name 'cached_download' from
'huggingface_hub'", "No module named 'pytorch_lightning.metrics'". The code was written against
another release than the one a fresh install gets.

Only moves known to have happened are listed, each with where the name went. An import tried with
a fallback (`try: ... except ImportError:`) is code written for several releases and is not judged.
Imports run before anything else in a file, so this failure is what the user sees first."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, dotted
from assistant.codecheck.detectors import Hit
from assistant.codecheck.detectors._imports import import_has_fallback

name = "ecosystem-import-moved"
_MODEL_FILES = ("bert", "gpt2", "roberta", "distilbert", "albert", "xlnet", "t5", "bart", "electra", "xlm", "ctrl",
                "openai", "transfo_xl", "camembert", "longformer")
# Whole modules that are gone, with where their contents went.
GONE_MODULES = {
    "pytorch_lightning.metrics": "Lightning 1.5 moved its metrics to the torchmetrics package "
                                 "(`from torchmetrics.functional import accuracy`)",
    "pytorch_lightning.core.lightning": "Lightning 1.9 removed it; `from pytorch_lightning import LightningModule`",
    "pytorch_lightning.callbacks.base": "Lightning 1.9 removed it; `from pytorch_lightning.callbacks import Callback`",
    "pytorch_lightning.loggers.base": "Lightning 1.9 removed it; `from pytorch_lightning.loggers import Logger`",
    "diffusers.models.cross_attention": "diffusers removed it; `from diffusers.models.attention_processor import "
                                        "Attention, AttnProcessor`",
    **{f"transformers.{kind}_{model}": f"transformers 4.0 moved it to transformers.models.{model}.{kind}_{model}"
       for model in _MODEL_FILES for kind in ("modeling", "tokenization", "configuration")},
}
# Names that are gone from a module that still exists.
GONE_NAMES = {
    ("transformers", "AdamW"): "current transformers no longer has its own AdamW; `from torch.optim import AdamW`",
    ("transformers.optimization", "AdamW"): "current transformers no longer has its own AdamW; "
                                            "`from torch.optim import AdamW`",
    ("transformers", "WarmupLinearSchedule"): "transformers 2.0 replaced it with get_linear_schedule_with_warmup",
    ("huggingface_hub", "cached_download"): "huggingface_hub 0.26 removed it; use hf_hub_download",
    ("diffusers.utils", "randn_tensor"): "diffusers moved it; `from diffusers.utils.torch_utils import randn_tensor`",
    ("pytorch_lightning.utilities.distributed", "rank_zero_only"): "Lightning moved it; "
                                                                   "`from pytorch_lightning.utilities import rank_zero_only`",
    ("pytorch_lightning.plugins", "DDPPlugin"): "Lightning replaced it with pytorch_lightning.strategies.DDPStrategy",
    ("pytorch_lightning.loggers", "LightningLoggerBase"): "Lightning 1.9 renamed it to pytorch_lightning.loggers.Logger",
}
_LIBRARIES = ("pytorch_lightning", "transformers", "huggingface_hub", "diffusers")


def check(code: Code) -> Iterator[Hit]:
    if not any(library in code.source for library in _LIBRARIES):
        return
    for node in code.nodes_of(ast.Import, ast.ImportFrom, ast.Attribute):
        found = _moved(code, node)
        if found is not None and not import_has_fallback(code, node):
            spelt, where = found
            yield Hit.at(code, node, f"{spelt} is not where this code looks for it in current releases: {where}; "
                         "or install the versions the code was written for", {"name": spelt})


def _moved(code: Code, node: ast.AST) -> tuple[str, str] | None:
    """The name this import or attribute chain asks for, and where it went, if it is known gone."""
    if isinstance(node, ast.Import):
        return next(((a.name, where) for a in node.names if (where := _gone(a.name)) is not None), None)
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        if (where := _gone_module(node.module)) is not None:
            return node.names[0].name, where
        return next(((a.name, where) for a in node.names if (where := _gone(f"{node.module}.{a.name}")) is not None),
                    None)
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) \
            and not isinstance(code.parents.get(node), ast.Attribute):
        root = (dotted(node) or "").partition(".")[0]
        if _gone(code.imported.get(root, "")) is not None:
            return None  # the import it goes through is the one reported
        where = _gone(code.resolved(node) or "")
        return (node.attr, where) if where is not None else None
    return None


def _gone(dotted_name: str) -> str | None:
    """Where a module, or a module's name, went: `pytorch_lightning.metrics.functional`,
    `transformers.AdamW`."""
    return _gone_module(dotted_name) or GONE_NAMES.get(tuple(dotted_name.rsplit(".", 1)))  # type: ignore[call-overload]


def _gone_module(module: str) -> str | None:
    parts = module.split(".")
    return next((GONE_MODULES[prefix] for i in range(2, len(parts) + 1)
                 if (prefix := ".".join(parts[:i])) in GONE_MODULES), None)
