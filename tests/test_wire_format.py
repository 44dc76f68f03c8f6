"""The wire format: real output of `kb ask --json`, `kb ask --batch`, `kb fix --json` and the server
is valid against the schemas of assistant.interface.schemas, docs/json.md shows those schemas
verbatim, and `kb fix`'s exit code follows the verdict."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from assistant.answering.engine import Engine
from assistant.interface import wire
from assistant.interface.cli import app
from assistant.interface.schemas import SCHEMAS
from assistant.interface.server import Service
from kb.store import Store

from tests.fakes import FakeEmbedder
from tests.test_input import fake_model, launcher  # noqa: F401 (fake_model: an autouse fixture)
from tests.test_server import index  # noqa: F401 (the fixture: the shipped corpus, fake-embedded)

ROOT = Path(__file__).resolve().parents[1]
ERROR = "RuntimeError: running_mean should contain 50 elements not 256"
BROKEN = "import torch\nbn = torch.nn.BatchNorm1d(256)\nx = torch.randn(8, 50, 256)\ny = bn(x)\n"
CLEAN = "import torch\nprint(torch.ones(2).sum())\n"
TRACEBACK = ('Traceback (most recent call last):\n  File "train.py", line 9, in <module>\n    y = bn(x)\n'
             '  File "/usr/lib/python3/site-packages/torch/nn/modules/batchnorm.py", line 193, in forward\n'
             f"{ERROR}\n")
runner = CliRunner()


def valid(name: str, value: dict) -> dict:
    jsonschema.validate(value, SCHEMAS[name], cls=jsonschema.Draft202012Validator)
    return value


@pytest.mark.parametrize("name", SCHEMAS)
def test_each_schema_is_a_valid_schema_shown_verbatim_in_docs(name):
    jsonschema.Draft202012Validator.check_schema(SCHEMAS[name])
    doc = (ROOT / "docs" / "json.md").read_text()
    section = re.search(rf"^## `{re.escape(name)}`:.*?```json\n(.*?)\n```", doc, re.S | re.M)
    assert section and json.loads(section.group(1)) == SCHEMAS[name]


@pytest.mark.parametrize("query", [ERROR, TRACEBACK, "where should batchnorm go relative to relu?", BROKEN,
                                   "how do I bake sourdough bread"])
def test_kb_ask_json_from_the_real_entry_point_is_valid(index, query):
    result = launcher("ask", "--json", "-k", "3", "--index", str(index), "-", stdin=query.encode())
    answer = valid("ask", json.loads(result.stdout))
    assert result.returncode == wire.ask_exit_code(answer)


def test_kb_ask_batch_lines_are_answers_or_error_lines(index):
    lines = [json.dumps({"q": ERROR, "k": 2}), "not json", json.dumps({"q": ERROR, "k": "2"}), json.dumps({"q": " "})]
    result = runner.invoke(app, ["ask", "--batch", "--index", str(index)], input="\n".join(lines) + "\n")
    first, *errors = (json.loads(line) for line in result.stdout.splitlines())
    valid("ask", first)
    assert len(errors) == 3 and all(valid("batch-error", error) for error in errors)


def test_server_replies_are_valid(index):
    service = Service(Engine(Store.open(index), FakeEmbedder()), allow_fix=False)
    valid("ask", service.respond(json.dumps({"type": "ask", "q": ERROR}).encode()))
    valid("ping", service.respond(b'{"type": "ping"}'))
    for line in (b"[]", b'{"type": "ask", "q": " "}', b'{"type": "fix", "source": ""}', b'{"type": "ask", "index": "/x"}'):
        valid("server-error", service.respond(line))


def kb_fix(index: Path, script: Path, *args: str) -> tuple[dict, int]:
    result = runner.invoke(app, ["fix", str(script), "--json", "--index", str(index), *args])
    return valid("fix", json.loads(result.stdout)), result.exit_code


@pytest.mark.parametrize("source, args, verdict, code", [
    (BROKEN, ["--error", ERROR], "patched-unverified", 0),  # a patch, and no --verify asked
    ("x = 1\n", ["--error", ERROR], "no-fix", 1),
    (BROKEN, ["--verify"], "verified", 0),
    (CLEAN, ["--error", ERROR, "--verify"], "not-reproduced", 1),
    (CLEAN, [], "cannot-run", 1),
])
def test_kb_fix_json_is_valid_and_its_exit_code_follows_the_verdict(index, tmp_path, source, args, verdict, code):
    script = tmp_path / "train.py"
    script.write_text(source)
    report, exit_code = kb_fix(index, script, *args)
    assert report["verdict"] == verdict and report["verified"] == (verdict == "verified")
    assert exit_code == code == wire.fix_exit_code(verdict, verify_asked="--verify" in args)
