from dataclasses import replace

from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import local_rank_both_spellings as recipe


def usage_error_facts(sandbox, source: str) -> Facts:
    """What each rank prints when argparse refuses the launcher's option: the run exits with
    SystemExit(2), and the reason is argparse's `error:` line (what the launcher's log shows)."""
    result = sandbox.run(source)
    assert result.error is not None and result.error.type == "SystemExit", result.status
    reason = next(line for line in reversed(result.stderr.splitlines()) if ": error: " in line)
    return replace(sandbox.facts(source, "SystemExit"), message=reason)


LAUNCHED_TRAINER = '''\
import argparse

import torch
import torch.nn as nn


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="DDP trainer")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--local_rank", type=int, default=-1,
                        help="set by torch.distributed.launch")
    return parser.parse_args(argv)


def train(args):
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(args.epochs):
        loss = model(torch.randn(8, 4)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return args.local_rank


# what torch.distributed.launch of PyTorch 2.x runs on the second process of a node
rank_seen = train(parse_args(["--local-rank=1", "--epochs", "3"]))
'''

# Each way of being launched gives the process its own local rank.
EVERY_LAUNCHER = '''
import os
assert rank_seen == 1                                               # torch.distributed.launch, 2.x
assert parse_args(["--local_rank=2"]).local_rank == 2               # the same launcher, 1.x
os.environ["LOCAL_RANK"] = "3"
assert parse_args([]).local_rank == 3                               # torchrun
del os.environ["LOCAL_RANK"]
assert parse_args([]).local_rank == -1                              # plain python: the script's default
'''


def test_both_spellings_are_declared_and_torchruns_variable_is_the_default(sandbox):
    patched = patch(recipe, LAUNCHED_TRAINER, usage_error_facts(sandbox, LAUNCHED_TRAINER))
    assert ('    parser.add_argument("--local-rank", "--local_rank", type=int, '
            'default=int(os.environ.get("LOCAL_RANK", -1)),\n                        help=') in patched
    assert "import argparse\n\nimport torch\nimport torch.nn as nn\nimport os\n" in patched
    sandbox.assert_clean(patched + EVERY_LAUNCHER)


MODULE_LEVEL_OPTION = '''\
import argparse
import os
import sys

import torch

sys.argv[1:] = ["--local-rank=0", "--batch-size=4"]   # the launcher's arguments for rank 0
parser = argparse.ArgumentParser()
parser.add_argument('--local_rank', type=int)
parser.add_argument('--batch-size', type=int, default=16)
args = parser.parse_args()
device = torch.device("cpu", args.local_rank)
batch = torch.zeros(args.batch_size, 3, device=device)
'''


def test_an_option_without_default_is_taken_from_the_environment_under_torchrun(sandbox):
    patched = patch(recipe, MODULE_LEVEL_OPTION, usage_error_facts(sandbox, MODULE_LEVEL_OPTION))
    assert ("parser.add_argument('--local-rank', '--local_rank', type=int, "
            "default=int(os.environ.get(\"LOCAL_RANK\", 0)))\n") in patched
    assert patched.count("import os\n") == 1
    sandbox.assert_clean(patched + "assert args.local_rank == 0 and batch.shape == (4, 3)\n")
    # torchrun passes no option and sets LOCAL_RANK before the script starts
    torchrun = 'import os\nos.environ["LOCAL_RANK"] = "5"\n' + patched.replace('"--local-rank=0", ', "")
    sandbox.assert_clean(torchrun + "assert args.local_rank == 5\n")


def test_a_parser_that_knows_the_new_spelling_is_left_alone():
    facts = Facts("SystemExit", "train.py: error: unrecognized arguments: --local-rank=0")
    both = 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--local-rank", "--local_rank", type=int)\n'
    assert not applies(recipe, both, facts)
    assert not applies(recipe, both.replace('"--local-rank", "--local_rank"', '"--rank"'), facts)
    old = both.replace('"--local-rank", ', "")
    assert applies(recipe, old, facts)
    required = patch(recipe, old.replace("type=int", "type=int, required=True"), facts)
    assert 'p.add_argument("--local-rank", "--local_rank", type=int, default=int(os.environ.get("LOCAL_RANK", 0)))' \
        in required   # torchrun passes no option: a required one would refuse every run
