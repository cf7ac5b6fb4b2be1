"""Reference for the optimizers and LR schedules: torch.optim 1.13 on CPU.

Writes the initial parameters, the gradients of 10 steps, and for each
optimizer configuration the parameters and state after the 10 steps; for each
schedule the lr (and momentum) of 100 steps as JSON (floats round-trip exactly).
"""
import json
import os

import torch

from common import save, setup, write_manifest

out = setup()
torch.manual_seed(1234)
SHAPES = [[3, 4], [5], [2, 3, 3]]
STEPS = 10
init = [torch.randn(s) for s in SHAPES]
for i, t in enumerate(init):
    save(out, f"param{i}", t)
for step in range(STEPS):
    for i, s in enumerate(SHAPES):
        g = torch.randn(s)
        if step == 3 and i == 1:
            g = None  # a parameter without gradient in one step is skipped
        if g is not None:
            save(out, f"grad{step}_{i}", g)

CONFIGS = [
    ("sgd_plain", "SGD", dict(lr=0.1), {}),
    ("sgd_momentum", "SGD", dict(lr=0.05, momentum=0.9), dict(momentum=0.9)),
    ("sgd_dampening_wd", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3), dict(momentum=0.9, dampening=0.1, weightDecay=1e-3)),
    ("sgd_nesterov", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=5e-4), dict(momentum=0.8, nesterov=True, weightDecay=5e-4)),
    ("sgd_maximize", "SGD", dict(lr=0.01, momentum=0.5, maximize=True), dict(momentum=0.5, maximize=True)),
    ("adam_default", "Adam", dict(lr=1e-3), {}),
    ("adam_wd_amsgrad", "Adam", dict(lr=3e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2, amsgrad=True), dict(betas=[0.8, 0.99], eps=1e-6, weightDecay=1e-2, amsgrad=True)),
    ("adamw_default", "AdamW", dict(lr=1e-3), {}),
    ("adamw_amsgrad", "AdamW", dict(lr=2e-3, weight_decay=0.05, amsgrad=True, maximize=True), dict(weightDecay=0.05, amsgrad=True, maximize=True)),
]

cases = {"steps": STEPS, "shapes": SHAPES, "optimizers": [], "schedules": []}
for name, cls, kwargs, ts_options in CONFIGS:
    params = [t.clone().requires_grad_(True) for t in init]
    opt = getattr(torch.optim, cls)(params, **kwargs)
    for step in range(STEPS):
        for i, p in enumerate(params):
            path = os.path.join(out, f"grad{step}_{i}.npy")
            p.grad = torch.from_numpy(__import__("numpy").load(path)) if os.path.exists(path) else None
        opt.step()
    for i, p in enumerate(params):
        save(out, f"{name}_param{i}", p)
    state = {}
    for i, p in enumerate(params):
        for key, value in opt.state[p].items():
            if value is None:
                continue  # SGD without momentum keeps momentum_buffer=None
            save(out, f"{name}_state{i}_{key}", value)
            state.setdefault(str(i), []).append(key)
    ts_options = dict(ts_options, lr=kwargs["lr"])
    cases["optimizers"].append({"name": name, "optimizer": cls, "options": ts_options, "state": state})


def record(name, optimizer, scheduler, ts, steps=100, momentum_key=None):
    lrs, momenta = [], []
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
        if momentum_key == "momentum":
            momenta.append(optimizer.param_groups[0]["momentum"])
        elif momentum_key == "betas":
            momenta.append(optimizer.param_groups[0]["betas"][0])
    cases["schedules"].append(dict(ts, name=name, lrs=lrs, momenta=momenta, momentumKey=momentum_key))


def fresh(cls="SGD", **kw):
    return getattr(torch.optim, cls)([torch.zeros(1, requires_grad=True)], **kw)


o = fresh(lr=0.1)
record("step", o, torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
       dict(scheduler="StepLR", optimizer="SGD", optimizerOptions=dict(lr=0.1), options=dict(stepSize=7, gamma=0.5)))
o = fresh(lr=0.1, momentum=0.9)
record("cosine", o, torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
       dict(scheduler="CosineAnnealingLR", optimizer="SGD", optimizerOptions=dict(lr=0.1, momentum=0.9), options=dict(tMax=30, etaMin=0.001)))
o = fresh(lr=0.05)
record("cosine_no_eta", o, torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=100),
       dict(scheduler="CosineAnnealingLR", optimizer="SGD", optimizerOptions=dict(lr=0.05), options=dict(tMax=100)))
o = fresh(lr=0.1, momentum=0.9)
record("onecycle_cos", o, torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=100),
       dict(scheduler="OneCycleLR", optimizer="SGD", optimizerOptions=dict(lr=0.1, momentum=0.9), options=dict(maxLr=0.1, totalSteps=100)),
       momentum_key="momentum")
o = fresh("AdamW", lr=1e-3)
record("onecycle_linear_three_phase_adamw", o,
       torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01, epochs=4, steps_per_epoch=25, pct_start=0.25,
                                           anneal_strategy="linear", three_phase=True, div_factor=10.0),
       dict(scheduler="OneCycleLR", optimizer="AdamW", optimizerOptions=dict(lr=1e-3),
            options=dict(maxLr=0.01, epochs=4, stepsPerEpoch=25, pctStart=0.25, annealStrategy="linear", threePhase=True, divFactor=10)),
       momentum_key="betas")

write_manifest(out, cases)
