"""PyTorch side of bench/train: the same MLP on the feature matrix Slipway wrote (bench/results/train)."""
import json
import os
import sys
import time

import torch

out, n, width, epochs, batch, seed = sys.argv[1], *map(int, sys.argv[2:7])
torch.manual_seed(seed)
x = torch.from_file(os.path.join(out, "x.f32"), size=n * width, dtype=torch.float32).view(n, width)
y = torch.from_file(os.path.join(out, "y.f32"), size=n, dtype=torch.float32)
train_rows = torch.from_file(
    os.path.join(out, "train.i32"), size=os.path.getsize(os.path.join(out, "train.i32")) // 4, dtype=torch.int32
).long()
val_rows = torch.from_file(
    os.path.join(out, "val.i32"), size=os.path.getsize(os.path.join(out, "val.i32")) // 4, dtype=torch.int32
).long()

model = torch.nn.Sequential(
    torch.nn.Linear(width, 64),
    torch.nn.ReLU(),
    torch.nn.Linear(64, 32),
    torch.nn.ReLU(),
    torch.nn.Linear(32, 1),
)
# Glorot-uniform weights and zero biases, as tfjs's Dense layers start.
for layer in model:
    if isinstance(layer, torch.nn.Linear):
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = torch.nn.BCEWithLogitsLoss()

samples = 0
elapsed = 0.0
for epoch in range(epochs):
    started = time.perf_counter()
    order = train_rows[torch.randperm(len(train_rows))]
    model.train()
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        xb, yb = x[idx], y[idx]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb).squeeze(1), yb)
        loss.backward()
        optimizer.step()
    elapsed += time.perf_counter() - started
    samples += len(order)


def auc(scores, labels):
    order = torch.argsort(scores)
    s, l = scores[order], labels[order]
    ranks = torch.empty_like(s, dtype=torch.float64)
    i = 0
    n_ = len(s)
    values, counts = torch.unique_consecutive(s, return_counts=True)
    ends = torch.cumsum(counts, 0)
    starts = ends - counts
    avg = (starts + ends - 1).double() / 2 + 1
    ranks = torch.repeat_interleave(avg, counts)
    pos = l > 0.5
    n_pos = int(pos.sum())
    n_neg = n_ - n_pos
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


model.eval()
with torch.no_grad():
    scores = torch.cat([model(x[val_rows[i : i + 65536]]).squeeze(1) for i in range(0, len(val_rows), 65536)])
print(
    json.dumps(
        {
            "samplesPerSecond": samples / elapsed,
            "auc": auc(scores, y[val_rows]),
            "threads": torch.get_num_threads(),
            "version": torch.__version__,
        }
    )
)
