"""Evaluate a sharded embedding table: every rank scores its slice, results are all-gathered."""
import datetime
import os
import tempfile

import torch
import torch.distributed as dist

CONFIG = {
    "dist": {"backend": "nccl", "world_size": 1, "rank": 0, "timeout_s": 20},
    "rows_per_rank": 50,
    "dim": 8,
    "k": 5,
}


def init_distributed(cfg, rendezvous_dir):
    init_file = os.path.join(rendezvous_dir, "rendezvous")
    dist.init_process_group(
        cfg["backend"],
        init_method=f"file://{init_file}",
        rank=cfg["rank"],
        world_size=cfg["world_size"],
        timeout=datetime.timedelta(seconds=cfg["timeout_s"]),
    )


def score_shard(rank, rows, dim):
    g = torch.Generator().manual_seed(rank)
    table = torch.randn(rows, dim, generator=g)
    return table @ torch.ones(dim)


with tempfile.TemporaryDirectory() as tmp:
    init_distributed(CONFIG["dist"], tmp)
    rank, world = dist.get_rank(), dist.get_world_size()
    local = score_shard(rank, CONFIG["rows_per_rank"], CONFIG["dim"])
    gathered = [torch.empty_like(local) for _ in range(world)]
    dist.all_gather(gathered, local)
    top = torch.cat(gathered).topk(CONFIG["k"])
    dist.destroy_process_group()

print("top ids", top.indices.tolist())
