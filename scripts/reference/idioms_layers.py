"""Reference for the layers beyond a ResNet's: each built right after
torch.manual_seed(seed) (so the init is seed-identical), its state_dict, a
seeded input, the output in train mode, and the gradients of a seeded
upstream gradient w.r.t. the input and every parameter (and, for
BatchNorm1d, the running statistics after the step)."""
import torch
import torch.nn as nn

from common import save, setup, write_manifest

out = setup()

CASES = [
    ("avgpool", lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [2, 3, 9, 9], "float"),
    ("bn1d_2d", lambda: nn.BatchNorm1d(5), [4, 5], "float"),
    ("bn1d_3d", lambda: nn.BatchNorm1d(5, momentum=None), [4, 5, 6], "float"),
    ("layernorm", lambda: nn.LayerNorm([4, 6]), [3, 4, 6], "float"),
    ("layernorm_noaffine", lambda: nn.LayerNorm(6, eps=1e-3, elementwise_affine=False), [3, 6], "float"),
    ("groupnorm", lambda: nn.GroupNorm(2, 6), [2, 6, 5, 5], "float"),
    ("conv1d", lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), [2, 4, 11], "float"),
    ("conv1d_nobias", lambda: nn.Conv1d(3, 5, 4, dilation=2, bias=False), [2, 3, 12], "float"),
    ("embedding", lambda: nn.Embedding(10, 5, padding_idx=2), [3, 4], "index10"),
    ("upsample_nearest", lambda: nn.Upsample(scale_factor=2, mode="nearest"), [1, 2, 4, 5], "float"),
    ("upsample_bilinear", lambda: nn.Upsample(size=(7, 9), mode="bilinear", align_corners=False), [1, 2, 4, 5], "float"),
    ("upsample_bilinear_ac", lambda: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True), [1, 2, 4, 5], "float"),
    ("softmax", lambda: nn.Softmax(dim=1), [3, 5], "float"),
    ("logsoftmax", lambda: nn.LogSoftmax(dim=-1), [3, 5], "float"),
    ("identity", lambda: nn.Identity(), [2, 3], "float"),
    ("dropout", lambda: nn.Dropout(0.3), [4, 6], "float"),
    ("dropout2d", lambda: nn.Dropout2d(0.4), [2, 5, 3, 3], "float"),
    ("sigmoid", lambda: nn.Sigmoid(), [3, 5], "float"),
    ("tanh", lambda: nn.Tanh(), [3, 5], "float"),
    ("gelu", lambda: nn.GELU(), [3, 5], "float"),
    ("gelu_tanh", lambda: nn.GELU(approximate="tanh"), [3, 5], "float"),
    ("silu", lambda: nn.SiLU(), [3, 5], "float"),
    ("leakyrelu", lambda: nn.LeakyReLU(0.2), [3, 5], "float"),
]

# Losses: module(input, target) -> loss, and the input's gradient.
LOSSES = [
    ("mse", lambda: nn.MSELoss(), [4, 3], "float"),
    ("l1_sum", lambda: nn.L1Loss(reduction="sum"), [4, 3], "float"),
    ("nll", lambda: nn.NLLLoss(ignore_index=1), [6, 4], "class4"),
    ("nll_weight", lambda: nn.NLLLoss(weight=torch.tensor([1.0, 2.0, 0.5, 1.5])), [6, 4], "class4"),
    ("bce_logits", lambda: nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 3.0])), [4, 3], "prob"),
]

manifest = []
for seed, (name, make, shape, kind) in enumerate(CASES):
    torch.manual_seed(100 + seed)
    layer = make()
    layer.train()
    sd = layer.state_dict()
    for i, v in enumerate(sd.values()):
        save(out, f"{name}_init_{i}", v)
    torch.manual_seed(200 + seed)
    if kind == "float":
        x = torch.randn(shape, requires_grad=True)
    else:
        x = torch.randint(0, 10, shape)
    save(out, f"{name}_x", x)
    y = layer(x)
    save(out, f"{name}_y", y)
    gy = torch.randn(y.shape)
    save(out, f"{name}_gy", gy)
    y.backward(gy)
    if kind == "float":
        save(out, f"{name}_gx", x.grad)
    params = dict(layer.named_parameters())
    for i, (k, p) in enumerate(params.items()):
        save(out, f"{name}_g_{k}", p.grad)
    for i, v in enumerate(layer.state_dict().values()):
        save(out, f"{name}_after_{i}", v)
    manifest.append({"name": name, "keys": list(sd.keys()), "params": list(params.keys()), "kind": kind, "seed": seed})
losses = []
for seed, (name, make, shape, kind) in enumerate(LOSSES):
    torch.manual_seed(300 + seed)
    loss_fn = make()
    x = torch.randn(shape, requires_grad=True)
    if kind == "float":
        target = torch.randn(shape)
    elif kind == "class4":
        x = torch.log_softmax(torch.randn(shape), 1).detach().requires_grad_()
        target = torch.randint(0, 4, shape[:1])
    else:
        target = torch.rand(shape)
    save(out, f"loss_{name}_x", x)
    save(out, f"loss_{name}_target", target)
    loss = loss_fn(x, target)
    save(out, f"loss_{name}_y", loss)
    loss.backward()
    save(out, f"loss_{name}_gx", x.grad)
    losses.append({"name": name, "seed": seed})
write_manifest(out, {"layers": manifest, "losses": losses})
