"""Reference for torch.nn.utils gradient clipping: 10 steps of resnet18
training (train mode, 32x32 inputs, SGD with momentum) with
clip_grad_norm_ before every step, cycling the norm type through 2, inf, 1
and 2.5, and max_norm small enough that it clips. Saves the initial state
dict, the batches, the total norms returned and the final state dict. Also
clip_grad_value_ on a few random gradients."""
import math

import torch
import torch.nn.functional as F
import torchvision

from common import save, setup, write_manifest

out = setup()
torch.manual_seed(31)
STEPS = 10
NORM_TYPES = [2.0, math.inf, 1.0, 2.5]
model = torchvision.models.resnet18(num_classes=10)
initial = {k: v.clone() for k, v in model.state_dict().items()}
keys = list(initial)
for i, k in enumerate(keys):
    save(out, f"init_{i}", initial[k])
batches = [(torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))) for _ in range(STEPS)]
for s, (x, y) in enumerate(batches):
    save(out, f"x{s}", x)
    save(out, f"y{s}", y)
model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
norm_types = []
for s, (x, y) in enumerate(batches):
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    norm_type = NORM_TYPES[s % len(NORM_TYPES)]
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=norm_type)
    save(out, f"norm{s}", total)
    norm_types.append("inf" if math.isinf(norm_type) else norm_type)
    opt.step()
for i, v in enumerate(model.state_dict().values()):
    save(out, f"final_{i}", v)

# clip_grad_value_
ps = [torch.zeros(5, 4, requires_grad=True), torch.zeros(7, requires_grad=True)]
for i, p in enumerate(ps):
    p.grad = torch.randn(p.shape)
    save(out, f"value_grad_in{i}", p.grad)
torch.nn.utils.clip_grad_value_(ps, 0.3)
for i, p in enumerate(ps):
    save(out, f"value_grad_out{i}", p.grad)
write_manifest(out, {"keys": keys, "steps": STEPS, "norm_types": norm_types, "max_norm": 0.5, "clip_value": 0.3})
