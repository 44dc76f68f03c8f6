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
