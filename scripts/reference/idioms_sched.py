"""Reference for the schedulers beyond StepLR / cosine / 1cycle: the lr of
each param group after every step (100 steps, two groups), as Python floats
(JSON keeps every bit of a double)."""
import torch
from torch.optim import SGD
from torch.optim.lr_scheduler import (ExponentialLR, LambdaLR, LinearLR, MultiStepLR, ReduceLROnPlateau,
                                      SequentialLR, CosineAnnealingLR)

from common import setup, write_manifest

out = setup()
STEPS = 100


def groups():
    a = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.03}]


def run(make, metric=False):
    opt = SGD(groups(), lr=0.1, momentum=0.9)
    sched = make(opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for s in range(STEPS):
        if metric:
            # A loss that improves, plateaus, then improves a little: exercises patience and cooldown.
            sched.step(1.0 / (1 + s) if s < 20 else 0.05 + (0.0001 if s % 7 else -0.00001 * s))
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return lrs


cases = {
    "multistep": run(lambda o: MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3)),
    "exponential": run(lambda o: ExponentialLR(o, gamma=0.97)),
    "linear": run(lambda o: LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=17)),
    "lambda": run(lambda o: LambdaLR(o, lr_lambda=[lambda e: 1.0 / (e + 1), lambda e: 0.5 if e % 2 else 1.0])),
    "sequential": run(lambda o: SequentialLR(o, schedulers=[LinearLR(o, start_factor=0.1, total_iters=5),
                                                              CosineAnnealingLR(o, T_max=40)], milestones=[5])),
    "sequential3": run(lambda o: SequentialLR(o, schedulers=[ExponentialLR(o, gamma=0.9), MultiStepLR(o, milestones=[5, 15]),
                                                               ExponentialLR(o, gamma=0.99)], milestones=[10, 50])),
    "plateau": run(lambda o: ReduceLROnPlateau(o, factor=0.5, patience=3, cooldown=2, min_lr=[0.001, 0.0005], threshold=1e-3), metric=True),
    "plateau_max_abs": run(lambda o: ReduceLROnPlateau(o, mode="max", threshold_mode="abs", patience=1), metric=True),
}
write_manifest(out, {"steps": STEPS, "cases": cases})
