"""A training loop with validation: mini-batches from a shuffled index, dropout, SGD, and
validation loss and accuracy after every epoch.

Run: /usr/bin/python3 examples/training_loop.py [OUTDIR]   (training_loop.ts is the TypeScript port)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
out = sys.argv[1] if len(sys.argv) > 1 else "examples-out/training_loop-py"
os.makedirs(out, exist_ok=True)

torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4),
)
train_x, train_y = torch.randn(32, 1, 12, 12), torch.randint(0, 4, (32,))
val_x, val_y = torch.randn(16, 1, 12, 12), torch.randint(0, 4, (16,))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

history = []
for epoch in range(3):
    model.train()
    perm = torch.randperm(32)
    for i in range(0, 32, 8):
        idx = perm[i:i + 8]
        xb = F.dropout(train_x[idx], p=0.1, training=True)  # input noise
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), train_y[idx])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(val_x)
        val_loss = F.cross_entropy(logits, val_y)
        correct = (logits.max(1).indices == val_y).sum()
    print("epoch %d  train loss %.6f  val loss %.6f  val acc %d/16" % (epoch, loss.item(), val_loss.item(), correct.item()))
    history.append(torch.stack([loss.detach(), val_loss, correct.float()]))

np.save(os.path.join(out, "history.npy"), torch.stack(history).numpy())
np.save(os.path.join(out, "fc_weight.npy"), model[5].weight.detach().numpy())
