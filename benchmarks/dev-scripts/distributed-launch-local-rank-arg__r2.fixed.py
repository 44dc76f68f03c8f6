# launch helper: writes the training entry point, then starts it with the
# torchrun (torch.distributed.run) on one CPU process and reads its metrics
import json
import os
import subprocess
import sys
import tempfile
import textwrap

TRAIN_PY = textwrap.dedent('''
    import argparse, datetime, json, os, sys
    import torch, torch.distributed as dist, torch.nn as nn

    parser = argparse.ArgumentParser(description="toy regression")
    parser.add_argument("--out", required=True)
    cfg = parser.parse_args()
    cfg.local_rank = int(os.environ["LOCAL_RANK"])  # launchers set LOCAL_RANK

    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=30))
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Linear(4, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(32, 4)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    for _ in range(20):
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
    with open(cfg.out, "w") as f:
        json.dump({"local_rank": cfg.local_rank, "loss": loss.item()}, f)
    dist.destroy_process_group()
''')

with tempfile.TemporaryDirectory() as work:
    script = os.path.join(work, "train.py")
    metrics = os.path.join(work, "metrics.json")
    with open(script, "w") as f:
        f.write(TRAIN_PY)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=1",  # torchrun
           "--master_addr=127.0.0.1", "--master_port=29547", script, "--out", metrics]
    proc = subprocess.run(cmd, env=env, timeout=30, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"training failed with exit code {proc.returncode}")
    with open(metrics) as f:
        result = json.load(f)
    print(result)
    assert result["local_rank"] == 0 and result["loss"] < 1.0
    print(f"RESULT local_rank={result['local_rank']} loss={result['loss']:.4f}")
