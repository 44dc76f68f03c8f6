# Hyperparameters live in an INI file next to the experiment outputs.
import configparser
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(0)

INI = """
[model]
hidden = 32
dropout = 0.1

[optim]
name = adamw
lr = 2e-3
weight_decay = 0.01
steps = 40
"""

with tempfile.TemporaryDirectory() as run_dir:
    ini_path = os.path.join(run_dir, "hparams.ini")
    with open(ini_path, "w") as f:
        f.write(INI)
    cfg = configparser.ConfigParser()
    cfg.read(ini_path)

    hidden = cfg.getint("model", "hidden")
    model = nn.Sequential(
        nn.Linear(6, hidden), nn.ReLU(), nn.Dropout(cfg.getfloat("model", "dropout")),
        nn.Linear(hidden, 1),
    )
    opt_cfg = cfg["optim"]
    optimizer = torch.optim.AdamW(model.parameters(), lr=opt_cfg["lr"],
                                  weight_decay=opt_cfg["weight_decay"])

    X = torch.from_numpy(np.random.randn(200, 6).astype(np.float32))
    y = X @ torch.arange(1.0, 7.0) / 10
    for step in range(int(opt_cfg["steps"])):
        loss = nn.functional.mse_loss(model(X).squeeze(1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), os.path.join(run_dir, "model.pt"))
    print("final mse", round(loss.item(), 4))
