"""Helpers shared by the reference scripts (run with /usr/bin/python3, Debian's torch).

Each script writes .npy files and a cases.json manifest into the folder given as
argv[1]; the TypeScript tests read them back and compare with `equal`.
"""
import json
import os
import sys

import numpy as np
import torch

# Parity holds at equal intra-op thread counts; the tests use the same number.
THREADS = 1


def setup():
    torch.set_num_threads(THREADS)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    return out


def save(out, name, tensor):
    """Saves a tensor as <name>.npy (bfloat16 has no numpy type: stored as float32 bits are not exact, so refuse)."""
    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        raise ValueError("bfloat16 cannot be stored in .npy")
    np.save(os.path.join(out, name + ".npy"), t.numpy())
    return name + ".npy"


def write_manifest(out, cases):
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
