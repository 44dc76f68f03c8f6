from tests.recipes import distributed_sandbox
from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import backend_from_machine as recipe

CHOSEN = '"nccl" if torch.cuda.is_available() and torch.distributed.is_nccl_available() else "gloo"'

DDP_SMOKE_TEST = '''\
import os
import tempfile

import torch.distributed as dist
import torch.nn as nn
from torch import optim, randn
from torch.nn.parallel import DistributedDataParallel as DDP

BACKEND = "nccl"


def setup(rank, world_size):
    store = os.path.join(tempfile.mkdtemp(), "rendezvous")
    dist.init_process_group(BACKEND, init_method=f"file://{store}", rank=rank, world_size=world_size)


setup(0, 1)
model = DDP(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)))
opt = optim.SGD(model.parameters(), lr=0.1)
loss = model(randn(4, 8)).pow(2).mean()
opt.zero_grad()
loss.backward()
opt.step()
'''

# The group really runs (on gloo here), and DDP reduced a gradient for every parameter.
GROUP_RUNS = '''
assert dist.get_backend() == ("nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo")
assert all(p.grad is not None for p in model.parameters())
dist.destroy_process_group()
'''


def test_the_backend_constant_is_chosen_from_the_machine():
    patched = patch(recipe, DDP_SMOKE_TEST, distributed_sandbox.facts(DDP_SMOKE_TEST, "RuntimeError"))
    assert f"BACKEND = {CHOSEN}\n" in patched
    assert "import DistributedDataParallel as DDP\nimport torch\n" in patched   # the choice needs torch
    distributed_sandbox.assert_clean(patched + GROUP_RUNS)


ARGPARSE_ALL_REDUCE = '''\
import argparse
import os
import tempfile

import torch
import torch.distributed as dist


def parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="nccl", choices=["nccl", "gloo"])
    parser.add_argument("--rank", type=int, default=0)
    parser.add_argument("--world-size", type=int, default=1)
    return parser.parse_args(argv)


def average(values, args):
    store = os.path.join(tempfile.mkdtemp(), "store")
    dist.init_process_group(backend=args.backend, init_method=f"file://{store}",
                            rank=args.rank, world_size=args.world_size)
    total = torch.tensor(values)
    dist.all_reduce(total)
    dist.destroy_process_group()
    return total / args.world_size


result = average([1.0, 2.0, 3.0], parse_args([]))
'''


def test_an_options_default_backend_is_chosen_from_the_machine():
    patched = patch(recipe, ARGPARSE_ALL_REDUCE, distributed_sandbox.facts(ARGPARSE_ALL_REDUCE, "RuntimeError"))
    assert f'parser.add_argument("--backend", default={CHOSEN}, choices=["nccl", "gloo"])' in patched
    assert patched.count("import torch\n") == 1
    distributed_sandbox.assert_clean(patched + "assert result.tolist() == [1.0, 2.0, 3.0]\n")


def test_a_backend_already_chosen_is_left_alone():
    facts = Facts("RuntimeError", "Distributed package doesn't have NCCL built in")
    code = "import torch.distributed as dist\ndist.init_process_group(backend)\n"
    assert not applies(recipe, code, facts)
    assert not applies(recipe, code.replace("(backend)", '("gloo")'), facts)
    assert applies(recipe, code.replace("(backend)", '("nccl")'), facts)
    assert not applies(recipe, code.replace("(backend)", '("nccl" if cuda else "gloo")'), facts)
    from_environment = code.replace("(backend)", '(os.environ.get("DIST_BACKEND", "nccl"))')
    assert f'dist.init_process_group(os.environ.get("DIST_BACKEND", {CHOSEN}))' in patch(recipe, from_environment, facts)
    enum = patch(recipe, code.replace("(backend)", "(backend=dist.Backend.NCCL)"), facts)
    assert f"dist.init_process_group(backend={CHOSEN})" in enum


CONFIGURED_SUM = '''\
import os
import tempfile

import torch
import torch.distributed as dist

SETTINGS = {"backend": "nccl", "world_size": 1, "seed": 0}


def setup_group(rank):
    store = os.path.join(tempfile.mkdtemp(), "store")
    dist.init_process_group(SETTINGS["backend"], init_method=f"file://{store}", rank=rank,
                            world_size=SETTINGS["world_size"])


setup_group(0)
counts = torch.tensor([3.0, 4.0])
dist.all_reduce(counts)
'''


def test_the_backend_of_a_config_dict_is_chosen_from_the_machine():
    patched = patch(recipe, CONFIGURED_SUM, distributed_sandbox.facts(CONFIGURED_SUM, "RuntimeError"))
    assert f'SETTINGS = {{"backend": {CHOSEN}, "world_size": 1, "seed": 0}}' in patched
    distributed_sandbox.assert_clean(patched + GROUP_SUMS)


# The group really runs (on gloo here) and its one rank's sum is the tensor itself.
GROUP_SUMS = '''
assert dist.get_backend() == ("nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo")
assert counts.tolist() == [3.0, 4.0]
dist.destroy_process_group()
'''

SETUP_WITH_DEFAULT = '''\
import os
import tempfile

import torch
import torch.distributed as dist


def setup_group(rank, world_size, backend="nccl"):
    store = os.path.join(tempfile.mkdtemp(), "store")
    dist.init_process_group(backend=backend, init_method=f"file://{store}", rank=rank, world_size=world_size)


setup_group(0, 1)
counts = torch.tensor([3.0, 4.0])
dist.all_reduce(counts)
'''


def test_the_default_of_the_setup_parameter_is_chosen_from_the_machine():
    patched = patch(recipe, SETUP_WITH_DEFAULT, distributed_sandbox.facts(SETUP_WITH_DEFAULT, "RuntimeError"))
    assert f"def setup_group(rank, world_size, backend={CHOSEN}):" in patched
    distributed_sandbox.assert_clean(patched + GROUP_SUMS)


def test_a_default_the_callers_override_is_left_alone():
    facts = Facts("RuntimeError", "Distributed package doesn't have NCCL built in")
    code = SETUP_WITH_DEFAULT.replace("setup_group(0, 1)", 'setup_group(0, 1, "gloo")')
    assert not applies(recipe, code, facts)


CONFIG_HANDED_TO_SETUP = '''\
import os
import tempfile

import torch
import torch.distributed as dist

RUN = {"world": 1, "backend": "nccl"}


def start(conf, rank):
    store = os.path.join(tempfile.mkdtemp(), "store")
    dist.init_process_group(backend=conf["backend"], init_method=f"file://{store}",
                            rank=rank, world_size=conf["world"])


start(RUN, 0)
counts = torch.tensor([3.0, 4.0])
dist.all_reduce(counts)
'''


def test_the_backend_of_a_config_handed_to_the_setup_function_is_chosen_from_the_machine():
    patched = patch(recipe, CONFIG_HANDED_TO_SETUP,
                    distributed_sandbox.facts(CONFIG_HANDED_TO_SETUP, "RuntimeError"))
    assert f'RUN = {{"world": 1, "backend": {CHOSEN}}}' in patched
    assert 'backend=conf["backend"]' in patched
    distributed_sandbox.assert_clean(patched + GROUP_SUMS)


CONFIG_CLASS_HANDED_TO_SETUP = '''\
import os
import tempfile

import torch
import torch.distributed as dist


class Config:
    backend = "nccl"
    world = 1


def start(conf):
    store = os.path.join(tempfile.mkdtemp(), "store")
    dist.init_process_group(conf.backend, init_method=f"file://{store}", rank=0, world_size=conf.world)


start(Config())
counts = torch.tensor([3.0, 4.0])
dist.all_reduce(counts)
'''


def test_the_backend_of_a_config_class_is_chosen_from_the_machine():
    patched = patch(recipe, CONFIG_CLASS_HANDED_TO_SETUP,
                    distributed_sandbox.facts(CONFIG_CLASS_HANDED_TO_SETUP, "RuntimeError"))
    assert f"    backend = {CHOSEN}\n" in patched
    distributed_sandbox.assert_clean(patched + GROUP_SUMS)


def test_a_backend_setting_read_at_run_time_is_left_alone():
    facts = Facts("RuntimeError", "Distributed package doesn't have NCCL built in")
    code = ('import json\nimport torch.distributed as dist\n\n\ndef start(conf):\n'
            '    dist.init_process_group(conf["backend"])\n\n\nstart(json.load(open("run.json")))\n')
    assert not applies(recipe, code, facts)
    chosen = code.replace('json.load(open("run.json"))', '{"backend": "gloo"}')
    assert not applies(recipe, chosen, facts)
