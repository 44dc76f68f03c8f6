"""A distributed training script whose argparse declares only `--local_rank` (underscore), with a
default that does not read the LOCAL_RANK environment variable, and parses strictly
(`parse_args()`): `python -m torch.distributed.launch` on PyTorch 2.x passes `--local-rank=N`
(hyphen), so every rank exits with "unrecognized arguments: --local-rank=0"; under torchrun, which
passes no argument, `args.local_rank` stays at its default on every rank.

A script embedded in the file as a string (written out and launched, as tests and notebooks do) is
checked too, at its own lines. Files that mention DeepSpeed are left alone: its launcher passes
`--local_rank`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from assistant.codecheck._code import Code, source_of
from assistant.codecheck.detectors import Hit, precondition

name = "local-rank-underscore-only"
_DISTRIBUTED = ("torch.distributed", "init_process_group", "DistributedDataParallel", "torchrun")


@precondition(lambda code: "--local_rank" in code.source and "deepspeed" not in code.source.lower())
def check(code: Code) -> Iterator[Hit]:
    yield from _in_script(code, code, 0)
    for node in code.nodes_of(ast.Constant):
        text = node.value
        if not (isinstance(text, str) and "--local_rank" in text and "add_argument" in text) \
                or node.end_lineno - node.lineno != text.count("\n"):  # type: ignore[operator]
            continue  # only a plain multi-line literal: its lines are the file's lines
        try:
            inner = Code(text)
        except (SyntaxError, ValueError):
            continue
        for hit in _in_script(code, inner, node.lineno - 1):
            yield hit


def _in_script(outer: Code, code: Code, offset: int) -> Iterator[Hit]:
    source = code.source
    if not any(word in source for word in _DISTRIBUTED) or "'LOCAL_RANK'" in source or '"LOCAL_RANK"' in source:
        return  # not a distributed script, or one that reads the launcher's variable itself
    if "parse_args" not in code.call_kinds or "parse_known_args" in code.call_kinds:
        return
    declared = [(call, _options(call)) for call in code.calls_of("add_argument")]
    if any("--local-rank" in options for _, options in declared):
        return
    for call, options in declared:
        if "--local_rank" not in options or _default_reads_environment(call):
            continue
        hit = Hit.at(code, call, f"{source_of(call)} declares only the underscore spelling: "
                     "torch.distributed.launch on PyTorch 2.x passes --local-rank=N, which parse_args() rejects "
                     "(\"unrecognized arguments\", exit code 2), and torchrun passes nothing, so local_rank keeps its "
                     "default on every rank; read int(os.environ[\"LOCAL_RANK\"]), or declare \"--local-rank\", "
                     "\"--local_rank\" with that default")
        yield Hit(hit.line + offset, hit.col, hit.message, hit.facts) if offset else hit
        return


def _options(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _default_reads_environment(call: ast.Call) -> bool:
    default = next((k.value for k in call.keywords if k.arg == "default"), None)
    return default is not None and any(isinstance(n, ast.Attribute) and n.attr in ("environ", "getenv")
                                       or isinstance(n, ast.Name) and n.id in ("environ", "getenv")
                                       for n in ast.walk(default))
