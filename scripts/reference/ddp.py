"""Reference for DDP parity (issue #13): resnet18 (numClasses 10, 32x32)
initial weights, 10 batches of 64, then
  - PyTorch DDP, gloo, world 2 x batch 32 (two processes, scripts/ddp/rank.py):
    each rank's final state_dict (ddp_rank{r}_{i}.npy);
  - a single process on the whole batch of 64 (single_{i}.npy);
  - DistributedSampler's index lists for a table of cases (cases.json).
"""
import os
import socket
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data.distributed import DistributedSampler

from common import save, setup, write_manifest
# fixture-depends: scripts/reference/_resnet18_start.py
from _resnet18_start import resnet18_start

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ddp"))
# fixture-depends: scripts/ddp/rank.py
import rank as ddp_rank  # noqa: E402

out = setup()
STEPS = 10
model, initial, keys = resnet18_start(out)
for s in range(STEPS):
    save(out, f"x{s}", torch.randn(ddp_rank.BATCH, 3, 32, 32))
    save(out, f"y{s}", torch.randint(0, 10, (ddp_rank.BATCH,)))

samplers = []
for n, world, shuffle, seed, drop_last, epoch in [
    (10, 2, False, 0, False, 0), (10, 3, False, 0, False, 0), (10, 3, False, 0, True, 0), (10, 3, True, 0, False, 0),
    (10, 3, True, 7, False, 2), (11, 4, True, 0, True, 1), (2, 5, True, 3, False, 0), (100, 2, True, 0, False, 5),
]:
    for r in range(world):
        s = DistributedSampler(range(n), num_replicas=world, rank=r, shuffle=shuffle, seed=seed, drop_last=drop_last)
        s.set_epoch(epoch)
        samplers.append({"n": n, "numReplicas": world, "rank": r, "shuffle": shuffle, "seed": seed, "dropLast": drop_last, "epoch": epoch, "indices": list(s), "length": len(s)})

# Two Python ranks of PyTorch DDP (rank.py reads the keys from the manifest).
write_manifest(out, {"keys": keys})
with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
procs = [
    subprocess.Popen([sys.executable, os.path.join(HERE, "..", "ddp", "rank.py"), out, str(r), "2", f"tcp://127.0.0.1:{port}", os.path.join(out, f"ddp_rank{r}.pt"), str(STEPS)])
    for r in range(2)
]
for p in procs:
    if p.wait(timeout=600) != 0:
        raise SystemExit("a DDP rank failed")
for r in range(2):
    sd = torch.load(os.path.join(out, f"ddp_rank{r}.pt"))
    for i, k in enumerate(keys):
        save(out, f"ddp_rank{r}_{i}", sd[k])
    os.remove(os.path.join(out, f"ddp_rank{r}.pt"))

# One process, the whole batch.
model.load_state_dict(initial)
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
for s in range(STEPS):
    x = torch.from_numpy(np.load(os.path.join(out, f"x{s}.npy")))
    y = torch.from_numpy(np.load(os.path.join(out, f"y{s}.npy")))
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()
for i, (k, v) in enumerate(model.state_dict().items()):
    save(out, f"single_{i}", v)

write_manifest(out, {"keys": keys, "steps": STEPS, "batch": ddp_rank.BATCH, "bucketCapMb": ddp_rank.BUCKET_CAP_MB, "samplers": samplers})
