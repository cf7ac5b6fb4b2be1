"""Resumes a checkpoint written by the TypeScript side (torch.saveCheckpoint of
{model, optimizer, scheduler}) for the second half of optim_interop.py's run,
and saves the final weights as .npy. Usage: _optim_resume.py NAME CKPT FIXTURES OUT"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import THREADS, save  # noqa: E402
from optim_interop import HALF, STEPS, make_model, make_optimizer, train  # noqa: E402

import numpy as np  # noqa: E402


def main():
    name, ckpt_path, fixtures, out = sys.argv[1:5]
    torch.set_num_threads(THREADS)
    os.makedirs(out, exist_ok=True)
    data = [(torch.from_numpy(np.load(os.path.join(fixtures, f"x{s}.npy"))),
             torch.from_numpy(np.load(os.path.join(fixtures, f"y{s}.npy")))) for s in range(STEPS)]
    # Not weights_only: 1.13's restricted unpickler has no BINFLOAT, so it
    # refuses any optimizer state (PyTorch's own files included).
    ckpt = torch.load(ckpt_path)
    model = make_model()
    model.load_state_dict(ckpt["model"])
    opt, sched = make_optimizer(name, model.parameters())
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    # Every momentum buffer / moment must have arrived (the old failure attached none).
    attached = sum(1 for p in model.parameters() if len(opt.state[p]) > 0)
    if attached != len(list(model.parameters())):
        raise SystemExit(f"only {attached} parameters got their optimizer state")
    train(model, opt, sched, data, HALF, STEPS)
    for i, v in enumerate(model.state_dict().values()):
        save(out, f"final_{i}", v)
    print(f"resumed {name}: lr {opt.param_groups[0]['lr']!r}")


if __name__ == "__main__":
    main()
