"""Reference for optimizer checkpoints across languages: a small MLP trained
10 steps with each optimizer + scheduler pair below, uninterrupted (the final
weights every resumed run must equal bit for bit), and 5 steps then a
torch.save checkpoint {model, optimizer, scheduler} that the TypeScript side
resumes. _optim_resume.py is the other direction: it resumes a checkpoint the
TypeScript side wrote."""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import save, setup, write_manifest  # noqa: E402

STEPS = 10
HALF = 5


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def make_optimizer(name, params):
    from torch.optim import SGD, Adam, AdamW, RMSprop
    from torch.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LinearLR, MultiStepLR,
                                          SequentialLR, StepLR)
    if name == "sgd":
        opt = SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)
        return opt, StepLR(opt, step_size=3, gamma=0.5)
    if name == "adam":
        opt = Adam(params, lr=0.01, betas=(0.8, 0.99), weight_decay=1e-3)
        warmup = LinearLR(opt, start_factor=0.25, total_iters=3)
        decay = ExponentialLR(opt, gamma=0.9)
        return opt, SequentialLR(opt, schedulers=[warmup, decay], milestones=[3])
    if name == "adamw":
        opt = AdamW(params, lr=0.01, weight_decay=0.05, amsgrad=True)
        return opt, MultiStepLR(opt, milestones=[2, 6], gamma=0.3)
    if name == "rmsprop":
        opt = RMSprop(params, lr=0.01, momentum=0.5, centered=True, weight_decay=1e-3)
        return opt, CosineAnnealingLR(opt, T_max=10)
    raise ValueError(name)


NAMES = ["sgd", "adam", "adamw", "rmsprop"]


def batches():
    g = torch.Generator().manual_seed(11)
    return [(torch.randn(4, 6, generator=g), torch.randint(0, 3, (4,), generator=g)) for _ in range(STEPS)]


def train(model, opt, sched, data, start, end):
    for s in range(start, end):
        x, y = data[s]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()


def main():
    out = setup()
    torch.manual_seed(5)
    model = make_model()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    keys = list(initial)
    for i, k in enumerate(keys):
        save(out, f"init_{i}", initial[k])
    data = batches()
    for s, (x, y) in enumerate(data):
        save(out, f"x{s}", x)
        save(out, f"y{s}", y)
    for name in NAMES:
        model.load_state_dict(initial)
        opt, sched = make_optimizer(name, model.parameters())
        train(model, opt, sched, data, 0, STEPS)
        for i, v in enumerate(model.state_dict().values()):
            save(out, f"{name}_final_{i}", v)
        model.load_state_dict(initial)
        opt, sched = make_optimizer(name, model.parameters())
        train(model, opt, sched, data, 0, HALF)
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
                   os.path.join(out, f"{name}_py{HALF}.pth"))
    write_manifest(out, {"keys": keys, "steps": STEPS, "half": HALF, "names": NAMES})


if __name__ == "__main__":
    main()
