"""One Python rank of the DDP parity runs (issue #13): PyTorch's own
DistributedDataParallel with gloo, on the data scripts/reference/ddp.py made.

  /usr/bin/python3 scripts/ddp/rank.py FIXTURE_DIR RANK WORLD INIT_METHOD OUT.pth [STEPS]

Rank 0 starts from the fixture's initial weights, the other ranks from a
different random resnet18, so the weights only agree if DDP's construction
broadcast works. Each rank trains on its slice of every 64-sample batch
(rank r: rows [r*64/W, (r+1)*64/W)), SGD(lr 0.05, momentum 0.9, wd 5e-4),
then saves its model's state_dict (keys without DDP's `module.` prefix).
The TypeScript twin is scripts/ddp-worker.ts.
"""
import json
import os
import sys
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
import torchvision
from torch.nn.parallel import DistributedDataParallel as DDP

BATCH = 64
BUCKET_CAP_MB = 1  # small, so resnet18's 11M parameters make several buckets after the rebuild


def load_initial(fixture, model):
    with open(os.path.join(fixture, "cases.json")) as f:
        keys = json.load(f)["keys"]
    sd = {k: torch.from_numpy(np.load(os.path.join(fixture, f"init_{i}.npy"))) for i, k in enumerate(keys)}
    model.load_state_dict(sd)


def train_rank(fixture, rank, world, init_method, out, steps=10):
    torch.set_num_threads(1)
    torch.manual_seed(100 + rank)
    model = torchvision.models.resnet18(num_classes=10)
    if rank == 0:
        load_initial(fixture, model)
    model.train()
    dist.init_process_group("gloo", init_method=init_method, rank=rank, world_size=world, timeout=timedelta(seconds=60))
    ddp = DDP(model, bucket_cap_mb=BUCKET_CAP_MB)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    per = BATCH // world
    for s in range(steps):
        x = torch.from_numpy(np.load(os.path.join(fixture, f"x{s}.npy")))[rank * per:(rank + 1) * per]
        y = torch.from_numpy(np.load(os.path.join(fixture, f"y{s}.npy")))[rank * per:(rank + 1) * per]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(ddp(x), y)
        loss.backward()
        opt.step()
    torch.save(model.state_dict(), out)
    dist.destroy_process_group()


if __name__ == "__main__":
    a = sys.argv[1:]
    train_rank(a[0], int(a[1]), int(a[2]), a[3], a[4], int(a[5]) if len(a) > 5 else 10)
