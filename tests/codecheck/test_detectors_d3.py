"""Detectors for data loading, memory, dtype, checkpoint and distributed situations (helper d3): each
fires on its situation written in several ways, and stays quiet on the correct look-alike."""

from __future__ import annotations

import pytest

from tests.codecheck.lines import lines

# ---- env-rendezvous-without-launcher: env:// where no launcher set the environment ----------------

SPAWNED = '''\
import torch.distributed as dist
import torch.multiprocessing as mp

def worker(rank, world_size):
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    dist.barrier()

if __name__ == "__main__":
    mp.spawn(worker, args=(4,), nprocs=4)
'''

PROCESS = '''\
from multiprocessing import Process
import torch.distributed as dist

def run(rank):
    dist.init_process_group(backend="gloo", init_method="env://", rank=rank, world_size=2)

procs = [Process(target=run, args=(r,)) for r in range(2)]
for p in procs:
    p.start()
'''

CELL = '''\
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
dist.init_process_group("gloo")
ddp = DistributedDataParallel(net)
ddp.module
'''


@pytest.mark.parametrize("source, line", [(SPAWNED, 5), (PROCESS, 5), (CELL, 3)])
def test_env_rendezvous_in_spawned_workers_or_a_notebook_fires(source, line):
    assert lines("env-rendezvous-without-launcher", source) == [line]


@pytest.mark.parametrize("source", [
    # a script: torchrun may start it, and then the environment is set
    'import torch.distributed as dist\n\ndef main():\n    dist.init_process_group("gloo")\n\n'
    'if __name__ == "__main__":\n    main()\n',
    # the spawning file sets the address itself
    'import os\n' + SPAWNED.replace("if __name__", 'os.environ["MASTER_ADDR"] = "localhost"\n'
                                                   'os.environ["MASTER_PORT"] = "29500"\nif __name__'),
    SPAWNED.replace('"gloo",', '"gloo", init_method="tcp://127.0.0.1:23456",'),
    PROCESS.replace('init_method="env://"', 'init_method=f"file:///tmp/rdzv"'),
    CELL.replace('("gloo")', '("gloo", store=dist.HashStore(), rank=0, world_size=1)'),
    # a cell that tests for a launcher first
    'import os\nimport torch.distributed as dist\nif "RANK" in os.environ:\n    dist.init_process_group("gloo")\n'
    'dist.is_initialized()\n',
    # a spawned function that does not itself initialise the group
    SPAWNED.replace('    dist.init_process_group("gloo", rank=rank, world_size=world_size)\n', '    print(rank)\n')
    + 'def setup():\n    dist.init_process_group("gloo")\n',
])
def test_a_launched_script_or_a_given_rendezvous_is_quiet(source):
    assert lines("env-rendezvous-without-launcher", source) == []
