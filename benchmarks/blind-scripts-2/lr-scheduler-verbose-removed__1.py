import argparse

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import ReduceLROnPlateau

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=6)
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--patience", type=int, default=1)
args = p.parse_args([])

torch.manual_seed(0)
x_train, x_val = torch.randn(120, 5), torch.randn(40, 5)
w_true = torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0])
y_train, y_val = x_train @ w_true, x_val @ w_true

model = nn.Linear(5, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
scheduler = ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=args.patience, verbose=True)
loss_fn = nn.MSELoss()

for epoch in range(args.epochs):
    model.train()
    for i in range(0, 120, 20):
        pred = model(x_train[i:i + 20]).squeeze(1)
        loss = loss_fn(pred, y_train[i:i + 20])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = loss_fn(model(x_val).squeeze(1), y_val).item()
    scheduler.step(val_loss)
    print(f"epoch {epoch}: val_loss={val_loss:.4f}")
