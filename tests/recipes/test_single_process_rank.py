from tests.recipes.kbfix import applies, patch
from assistant.repair.recipes import Facts
from assistant.repair.recipes import single_process_rank as recipe

EVALUATE = '''\
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def is_main_process() -> bool:
    return dist.get_rank() == 0


def shard(data):
    """This process's share of the evaluation set."""
    return torch.utils.data.Subset(data, range(dist.get_rank(), len(data), dist.get_world_size()))


def log(*parts):
    if dist.is_initialized() and dist.get_rank() != 0:
        return
    print(*parts)


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2)).eval()
data = TensorDataset(torch.randn(40, 10), torch.randint(0, 2, (40,)))
correct, seen = 0, 0
with torch.no_grad():
    for x, y in DataLoader(shard(data), batch_size=8):
        correct += (model(x).argmax(1) == y).sum().item()
        seen += len(y)
if is_main_process():
    log("accuracy", correct / seen)
'''


def test_one_process_is_rank_0_of_a_world_of_1(sandbox):
    patched = patch(recipe, EVALUATE, sandbox.facts(EVALUATE, "ValueError"))
    assert "    return (dist.get_rank() if dist.is_initialized() else 0) == 0\n" in patched
    assert ("range((dist.get_rank() if dist.is_initialized() else 0), len(data), "
            "(dist.get_world_size() if dist.is_initialized() else 1))") in patched
    assert "    if dist.is_initialized() and dist.get_rank() != 0:\n" in patched   # already guarded
    sandbox.assert_clean(patched + "assert seen == 40   # the whole set, not a shard\n")


def test_a_rank_asked_of_a_given_group_is_left_alone():
    facts = Facts("ValueError", "Default process group has not been initialized, please make sure to call "
                                "init_process_group.", line=2, lines=(2,))
    code = "import torch.distributed as dist\nrank = dist.get_rank(group)\n"
    assert not applies(recipe, code, facts)
    assert applies(recipe, code.replace("(group)", "()"), facts)


SAMPLED = '''\
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def make_loader(dataset, batch_size):
    sampler = DistributedSampler(dataset, shuffle=True, seed=7)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler), sampler


torch.manual_seed(0)
dataset = TensorDataset(torch.randn(24, 5), torch.arange(24))
loader, sampler = make_loader(dataset, 6)
model = nn.Linear(5, 1)
orders = []
for epoch in range(2):
    sampler.set_epoch(epoch)
    orders.append(torch.cat([index for _, index in loader]).tolist())
'''

# Every sample once per epoch, shuffled differently in each epoch, as one process of a world of one.
ONE_WORLD = '''
assert all(sorted(order) == list(range(24)) for order in orders) and orders[0] != orders[1]
'''


def test_a_distributed_sampler_over_a_world_of_one(sandbox):
    patched = patch(recipe, SAMPLED, sandbox.facts(SAMPLED, "ValueError"))
    assert ("    sampler = (DistributedSampler(dataset, shuffle=True, seed=7) if torch.distributed.is_initialized() "
            "else DistributedSampler(dataset, shuffle=True, seed=7, num_replicas=1, rank=0))\n") in patched
    sandbox.assert_clean(patched + ONE_WORLD)


SYNCED_TRAINING = '''\
import torch
import torch.distributed as dist
import torch.nn as nn


def sync_initial_weights(model):
    for p in model.parameters():
        dist.broadcast(p.data, src=0)


def average_gradients(model, world):
    for p in model.parameters():
        dist.all_reduce(p.grad)   # summed over the ranks
        p.grad /= world


torch.manual_seed(0)
model = nn.Linear(4, 1)
start = [p.detach().clone() for p in model.parameters()]
sync_initial_weights(model)
x, y = torch.randn(16, 4), torch.randn(16, 1)
nn.functional.mse_loss(model(x), y).backward()
grads = [p.grad.clone() for p in model.parameters()]
average_gradients(model, world=1)
dist.barrier()
'''

# One process: the weights stay as initialised and the averaged gradients are the local ones.
SAME_AS_ONE_PROCESS = '''
assert all(torch.equal(p, q) for p, q in zip(model.parameters(), start))
assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), grads))
'''


def test_collectives_are_skipped_without_a_group(sandbox):
    patched = patch(recipe, SYNCED_TRAINING, sandbox.facts(SYNCED_TRAINING, "ValueError"))
    assert ("        if dist.is_initialized():  # without a group: a world of one\n"
            "            dist.broadcast(p.data, src=0)\n") in patched
    assert ("        if dist.is_initialized():  # without a group: a world of one\n"
            "            dist.all_reduce(p.grad)   # summed over the ranks\n        p.grad /= world\n") in patched
    assert "if dist.is_initialized():  # without a group: a world of one\n    dist.barrier()\n" in patched
    sandbox.assert_clean(patched + SAME_AS_ONE_PROCESS)


def test_an_async_collective_is_left_alone():
    facts = Facts("ValueError", "Default process group has not been initialized, please make sure to call "
                                "init_process_group.", line=3, lines=(3,))
    code = "import torch\nimport torch.distributed as dist\nwork = dist.all_reduce(torch.ones(1), async_op=True)\n"
    assert not applies(recipe, code, facts)
