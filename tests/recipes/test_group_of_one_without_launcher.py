from tests.recipes import distributed_sandbox
from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import group_of_one_without_launcher as recipe

DDP_TRAINING = '''\
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def main():
    dist.init_process_group(backend="gloo")
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(48, 6), torch.randint(0, 2, (48,)))
    sampler = DistributedSampler(data, shuffle=True)
    loader = DataLoader(data, batch_size=8, sampler=sampler)
    model = DistributedDataParallel(nn.Linear(6, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = 0
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen += len(y)
    world = dist.get_world_size()
    dist.destroy_process_group()
    return seen, world


seen, world = main()
'''


def test_a_plain_run_starts_a_group_of_one(sandbox):
    facts = distributed_sandbox.facts(DDP_TRAINING, "ValueError")
    patched = patch(recipe, DDP_TRAINING, facts)
    assert ('    if "RANK" in os.environ:  # started by torchrun (or another launcher)\n'
            '        dist.init_process_group(backend="gloo")\n'
            "    else:  # a plain `python` run: a process group of one\n"
            '        dist.init_process_group(backend="gloo", init_method=f"file://{tempfile.mkdtemp()}/rendezvous", '
            "rank=0, world_size=1)\n    torch.manual_seed(0)\n") in patched
    assert "from torch.utils.data.distributed import DistributedSampler\nimport os\nimport tempfile\n" in patched
    # one process of a world of one trains on the whole data set
    distributed_sandbox.assert_clean(patched + "assert (seen, world) == (48, 1)\n")


ARGPARSE_METRICS = '''\
import argparse
import os

import torch
import torch.distributed as dist

parser = argparse.ArgumentParser()
parser.add_argument("--backend", default="gloo")
args = parser.parse_args([])

# join the other ranks to average the evaluation metrics
dist.init_process_group(args.backend, init_method="env://")
correct = torch.tensor([30.0, 40.0])
dist.all_reduce(correct, op=dist.ReduceOp.SUM)
accuracy = (correct / (50.0 * dist.get_world_size())).tolist()
print("rank", dist.get_rank(), "accuracy", accuracy)
'''


def test_an_explicit_env_rendezvous_gets_the_file_one_when_alone():
    patched = patch(recipe, ARGPARSE_METRICS, distributed_sandbox.facts(ARGPARSE_METRICS, "ValueError"))
    assert ("# join the other ranks to average the evaluation metrics\n"
            'if "RANK" in os.environ:  # started by torchrun (or another launcher)\n'
            '    dist.init_process_group(args.backend, init_method="env://")\n') in patched
    assert 'dist.init_process_group(args.backend, init_method=f"file://' in patched
    assert patched.count("import os\n") == 1
    check = "assert torch.allclose(torch.tensor(accuracy), torch.tensor([0.6, 0.8])) and dist.get_rank() == 0\n"
    distributed_sandbox.assert_clean(patched + check)


def test_a_group_given_its_rank_or_missing_only_its_address_is_left_alone():
    missing_address = Facts("ValueError", "Error initializing torch.distributed using env:// rendezvous: "
                                          "environment variable MASTER_ADDR expected, but not set")
    code = 'import torch.distributed as dist\ndist.init_process_group("gloo")\n'
    assert not applies(recipe, code, missing_address)
    missing_rank = Facts("ValueError", missing_address.message.replace("MASTER_ADDR", "RANK"))
    assert applies(recipe, code, missing_rank)
    given = code.replace('("gloo")', '("gloo", rank=args.rank, world_size=args.world_size)')
    assert not applies(recipe, given, missing_rank)
    guarded = 'import os\nimport torch.distributed as dist\nif "RANK" in os.environ:\n    dist.init_process_group("gloo")\n'
    assert not applies(recipe, guarded, missing_rank)


ONE_PROCESS_METRICS = '''\
import os

import torch
import torch.distributed as dist

os.environ["MASTER_ADDR"] = "127.0.0.1"
os.environ["MASTER_PORT"] = "29617"
dist.init_process_group("gloo", world_size=1)   # a debugging run of the metrics code


def global_mean(values):
    total = torch.tensor([values.sum().item(), float(values.numel())])
    dist.all_reduce(total)
    return (total[0] / total[1]).item()


losses = torch.tensor([0.5, 1.5, 1.0, 3.0])
mean = global_mean(losses)
'''

# The group of one the call asked for: rank 0, and the reduced mean is the plain one.
ONE_RANK = '''
assert dist.get_rank() == 0 and dist.get_world_size() == 1 and abs(mean - 1.5) < 1e-6
dist.destroy_process_group()
'''


def test_a_world_of_one_written_in_the_call_gets_its_only_rank(sandbox):
    facts = distributed_sandbox.facts(ONE_PROCESS_METRICS, "ValueError")
    patched = patch(recipe, ONE_PROCESS_METRICS, facts)
    assert 'dist.init_process_group("gloo", world_size=1, rank=0)   # a debugging run' in patched
    assert "tempfile" not in patched and "if " not in patched
    distributed_sandbox.assert_clean(patched + ONE_RANK)


def test_a_world_of_several_written_by_hand_is_left_alone():
    facts = Facts("ValueError", "Error initializing torch.distributed using env:// rendezvous: environment variable "
                                "RANK expected, but not set", line=2, lines=(2,))
    code = 'import torch.distributed as dist\ndist.init_process_group("gloo", world_size=4)\n'
    assert not applies(recipe, code, facts)
