"""Transfer learning: freeze a resnet18 backbone, replace its classifier, train only the new head.

Run: /usr/bin/python3 examples/transfer_learning.py [OUTDIR]   (transfer_learning.ts is the TypeScript port)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

torch.set_num_threads(1)
out = sys.argv[1] if len(sys.argv) > 1 else "examples-out/transfer_learning-py"
os.makedirs(out, exist_ok=True)

torch.manual_seed(0)
model = torchvision.models.resnet18()
for p in model.parameters():
    p.requires_grad_(False)
model.fc = nn.Linear(model.fc.in_features, 5)  # new head, trainable
opt = torch.optim.SGD(model.fc.parameters(), lr=0.05, momentum=0.9)

x = torch.randn(8, 3, 64, 64)
y = torch.randint(0, 5, (8,))
model.train()
losses = []
for step in range(4):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.detach())
    print("step %d  loss %.6f" % (step, loss.item()))

frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
print("%d frozen tensors, %d trainable" % (len(frozen), sum(p.requires_grad for p in model.parameters())))
np.save(os.path.join(out, "losses.npy"), torch.stack(losses).numpy())
np.save(os.path.join(out, "fc_weight.npy"), model.fc.weight.detach().numpy())
np.save(os.path.join(out, "bn1_running_mean.npy"), model.bn1.running_mean.numpy())
