"""Reference for training parity: 10 steps of resnet18 (train mode) with SGD
(momentum, weight decay, Nesterov off) and 10 with AdamW, from the same
initial weights and the same batches. Saves the initial state dict, the
batches, the 10 losses and the final state dict of each run."""
import torch
import torch.nn.functional as F

from common import save, setup, write_manifest
# fixture-depends: scripts/reference/_resnet18_start.py
from _resnet18_start import resnet18_start

out = setup()
STEPS = 10
# Seeded, with non-trivial BN running statistics before the run.
model, initial, keys = resnet18_start(out)
batches = [(torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))) for _ in range(STEPS)]
for s, (x, y) in enumerate(batches):
    save(out, f"x{s}", x)
    save(out, f"y{s}", y)

runs = {
    "sgd": (lambda params: torch.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=5e-4), dict(lr=0.05, momentum=0.9, weightDecay=5e-4)),
    "adamw": (lambda params: torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05), dict(lr=1e-3, weightDecay=0.05)),
}
cases = {"keys": keys, "steps": STEPS, "runs": []}
for name, (make, ts_options) in runs.items():
    model.load_state_dict(initial)
    model.train()
    opt = make(model.parameters())
    losses = []
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    for i, (k, v) in enumerate(model.state_dict().items()):
        save(out, f"{name}_final_{i}", v)
    cases["runs"].append({"name": name, "optimizer": type(opt).__name__, "options": ts_options, "losses": losses})
write_manifest(out, cases)
