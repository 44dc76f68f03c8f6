"""Which programs `kb fix` runs twice before it says verified: those that start processes."""

from __future__ import annotations

import pytest

from assistant.repair.process_starts import starts_processes

STARTS = {
    "torch.multiprocessing": "import torch.multiprocessing as mp\nmp.spawn(run, nprocs=2)\n",
    "from torch import multiprocessing": "from torch import multiprocessing\n",
    "multiprocessing Pool": "from multiprocessing import Pool\nwith Pool(2) as pool:\n    pool.map(f, range(4))\n",
    "a gloo group": "import torch.distributed as dist\ndist.init_process_group('gloo')\n",
    "a launcher in a subprocess": "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'torch.distributed.run'])\n",
    "os.fork": "import os\npid = os.fork()\n",
    "DataLoader workers from a config": "loader = DataLoader(data, batch_size=8, num_workers=cfg.workers)\n",
    "DataLoader workers, a literal": "loader = DataLoader(data, num_workers=2)\n",
    "workers in a settings dict": "settings = {'batch_size': 8, 'num_workers': 4}\nloader = DataLoader(data, **settings)\n",
    "a process pool": "import concurrent.futures\nwith concurrent.futures.ProcessPoolExecutor() as pool:\n    pass\n",
    "a process pool, imported by name": "from concurrent.futures import ProcessPoolExecutor\n",
}

SINGLE = {
    "plain training": "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel(torch.randn(3, 2)).sum().backward()\n",
    "no workers": "loader = DataLoader(data, batch_size=8, num_workers=0)\n",
    "no workers in a dict": "loader = DataLoader(data, **{'num_workers': 0})\n",
    "threads": "from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor(2) as pool:\n    pass\n",
    "the word in a string": "print('set multiprocessing start method and num_workers')\n",
    "an os function that starts nothing": "import os\nos.makedirs('out', exist_ok=True)\n",
    "not Python": "def broken(:\n",
}


@pytest.mark.parametrize("source", STARTS.values(), ids=STARTS)
def test_a_program_that_starts_processes_is_seen(source):
    assert starts_processes(source)


@pytest.mark.parametrize("source", SINGLE.values(), ids=SINGLE)
def test_a_single_process_program_is_run_once(source):
    assert not starts_processes(source)
