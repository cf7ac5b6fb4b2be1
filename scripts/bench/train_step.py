"""One side of scripts/bench-train-step.sh: the PyTorch training step.

usage: train_step.py ARCH BATCH SIZE CHANNELS THREADS STEPS
Prints one JSON line: {"side": "pytorch", "median_ms": ..., "ms": [...]}.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
import torchvision.models as tvm

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from resnet import CifarResNet, with_in_channels  # noqa: E402

arch, batch, size, channels, threads, steps = sys.argv[1], *map(int, sys.argv[2:7])
torch.set_num_threads(threads)
torch.manual_seed(0)
if arch in ("resnet20", "resnet32", "resnet44", "resnet56", "resnet110"):
    model = CifarResNet(int(arch[6:]), num_classes=10, in_channels=channels)
else:
    model = with_in_channels(getattr(tvm, arch), channels)(num_classes=10)
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
x = torch.randn(batch, channels, size, size)
y = torch.randint(0, 10, (batch,))


def step():
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


for _ in range(3):
    step()
times = []
for _ in range(steps):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"side": "pytorch", "median_ms": times[len(times) // 2], "ms": times}))
