"""Reference fixtures for the nn modules and the ResNet family (issue 3).

Run as `/usr/bin/python3 scripts/reference/resnet.py OUTDIR` (test/setup/fixtures.ts
does it and caches the result). For every model case:

  1. torch.manual_seed(SEED_INIT); model = factory(**kwargs)
     -> keys, shapes, dtypes and a SHA-256 of every state_dict entry ("init").
  2. torch.manual_seed(SEED_PERTURB); perturb(model): random BN weight, bias and
     running statistics, num_batches_tracked = 3, so eval mode uses non-trivial
     statistics -> SHA-256 of every entry ("perturbed"). For the "full" cases
     the perturbed state_dict is also saved as .npy (TypeScript loads it with
     loadStateDict); the big models are rebuilt from the seed on the TypeScript
     side instead, which the init digests prove identical.
  3. torch.manual_seed(SEED_INPUT); x = randn, target = randint.
  4. eval(): output under no_grad.
  5. train(): output, cross_entropy loss, backward; the updated running stats
     and num_batches_tracked, and every parameter gradient (a flat .npy for the
     "full" cases, SHA-256 digests for all).

A second part ("nn") writes layer-level fixtures: seeded Conv2d/Linear
construction, torch.nn.init results and a BatchNorm2d with momentum=None
over three training steps.

The CIFAR-style ResNets (He et al. 2015, section 4.2) have no torchvision
implementation: `CifarResNet` below is the Python reference of that
architecture, built from torchvision's own BasicBlock / conv3x3 / conv1x1.
"""
import hashlib
import math
import os
from functools import partial

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm
from torchvision.models.resnet import BasicBlock, Bottleneck, conv1x1, conv3x3

from common import save, setup, write_manifest

SEED_INIT = 0
SEED_PERTURB = 1
SEED_INPUT = 2


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for 32x32 inputs: 3x3 stem (16), stages of 16/32/64 channels,
    projection shortcuts (1x1 conv + BN) where the shape changes."""

    def __init__(self, depth, num_classes=10, zero_init_residual=False, norm_layer=None, in_channels=3):
        super().__init__()
        if (depth - 2) % 6 != 0 or depth < 8:
            raise ValueError("depth must be 6n + 2")
        n = (depth - 2) // 6
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 16
        self.conv1 = conv3x3(in_channels, self.inplanes)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n, 1)
        self.layer2 = self._make_layer(32, n, 2)
        self.layer3 = self._make_layer(64, n, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64 * BasicBlock.expansion, num_classes)

        # The same initialisation as torchvision's ResNet.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, planes, blocks, stride):
        norm_layer = self._norm_layer
        downsample = None
        if stride != 1 or self.inplanes != planes * BasicBlock.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * BasicBlock.expansion, stride),
                norm_layer(planes * BasicBlock.expansion),
            )
        layers = [BasicBlock(self.inplanes, planes, stride, downsample, norm_layer=norm_layer)]
        self.inplanes = planes * BasicBlock.expansion
        for _ in range(1, blocks):
            layers.append(BasicBlock(self.inplanes, planes, norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.conv1(x)
        x = self.bn1(x)
        x = self.relu(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def with_in_channels(factory, in_channels):
    """torchvision hard-codes 3 input channels: build the model with its stem conv
    created for `in_channels` instead, at the same point of construction (so the
    random numbers are drawn in the same order as the TypeScript `inChannels`)."""

    def build(**kwargs):
        real = nn.Conv2d

        def first_conv(in_c, out_c, *args, **kw):
            nn.Conv2d = real  # only the stem conv (the first one created) changes
            return real(in_channels, out_c, *args, **kw)

        nn.Conv2d = first_conv
        try:
            return factory(**kwargs)
        finally:
            nn.Conv2d = real

    return build


def cifar(depth):
    return lambda **kw: CifarResNet(depth, **kw)


# name, python factory, python kwargs, TypeScript factory + options, batch, size, mode
# mode "full": perturbed state_dict and gradients saved as .npy (max abs diff on mismatch);
# mode "digest": SHA-256 digests only (these models have 44-127 M parameters:
# their weights and gradients as .npy would take ~2.7 GB).
CASES = [
    ("resnet18", tvm.resnet18, {}, "resnet18", {}, 2, 64, "full"),
    ("resnet34", tvm.resnet34, {}, "resnet34", {}, 2, 64, "full"),
    ("resnet50", tvm.resnet50, {}, "resnet50", {}, 2, 64, "full"),
    ("resnet101", tvm.resnet101, {}, "resnet101", {}, 2, 64, "digest"),
    ("resnet152", tvm.resnet152, {}, "resnet152", {}, 2, 64, "digest"),
    ("resnext50_32x4d", tvm.resnext50_32x4d, {}, "resnext50_32x4d", {}, 2, 64, "full"),
    ("resnext101_32x8d", tvm.resnext101_32x8d, {}, "resnext101_32x8d", {}, 2, 64, "digest"),
    ("resnext101_64x4d", tvm.resnext101_64x4d, {}, "resnext101_64x4d", {}, 2, 64, "digest"),
    ("wide_resnet50_2", tvm.wide_resnet50_2, {}, "wide_resnet50_2", {}, 2, 64, "digest"),
    ("wide_resnet101_2", tvm.wide_resnet101_2, {}, "wide_resnet101_2", {}, 2, 64, "digest"),
    # The one full-size run.
    ("resnet50@224", tvm.resnet50, {}, "resnet50", {}, 2, 224, "full"),
    # The other knobs: a grayscale 10-class resnet18 with a cumulative-average BN
    # (momentum=None) and zero-initialised residual BNs; a dilated resnet50.
    (
        "resnet18_gray_cma",
        with_in_channels(tvm.resnet18, 1),
        {"num_classes": 10, "zero_init_residual": True, "norm_layer": partial(nn.BatchNorm2d, momentum=None)},
        "resnet18",
        {"numClasses": 10, "zeroInitResidual": True, "inChannels": 1, "normLayer": "batchnorm2d_momentum_null"},
        2,
        64,
        "full",
    ),
    (
        "resnet50_dilated",
        tvm.resnet50,
        {"num_classes": 10, "zero_init_residual": True, "replace_stride_with_dilation": [False, True, True]},
        "resnet50",
        {"numClasses": 10, "zeroInitResidual": True, "replaceStrideWithDilation": [False, True, True]},
        2,
        64,
        "digest",
    ),
] + [(f"resnet{d}", cifar(d), {}, f"resnet{d}", {}, 4, 32, "full") for d in (20, 32, 44, 56, 110)]


# Cases that use another case's weights (the same seeds and factory): their
# state_dict is not saved twice.
STATE_FROM = {"resnet50@224": "resnet50"}


def digest(t):
    return hashlib.sha256(t.detach().cpu().contiguous().numpy().tobytes()).hexdigest()


def perturb(model):
    """Non-trivial BN state; the TypeScript side makes the same calls in the same order."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(3)


def folder_name(name):
    return name.replace("@", "_at")


def run_case(out, case):
    name, factory, kwargs, ts_factory, ts_options, batch, size, mode = case
    folder = os.path.join(out, folder_name(name))
    os.makedirs(folder, exist_ok=True)
    in_channels = ts_options.get("inChannels", 3)

    torch.manual_seed(SEED_INIT)
    model = factory(**kwargs)
    sd = model.state_dict()
    keys = [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in sd.items()]
    init = {k: digest(v) for k, v in sd.items()}

    torch.manual_seed(SEED_PERTURB)
    perturb(model)
    sd = model.state_dict()
    perturbed = {k: digest(v) for k, v in sd.items()}
    if mode == "full" and name not in STATE_FROM:
        os.makedirs(os.path.join(folder, "state"), exist_ok=True)
        for k, v in sd.items():
            save(os.path.join(folder, "state"), k, v)

    torch.manual_seed(SEED_INPUT)
    x = torch.randn(batch, in_channels, size, size)
    num_classes = model.fc.out_features
    target = torch.randint(0, num_classes, (batch,))
    save(folder, "x", x)
    save(folder, "target", target)

    model.eval()
    with torch.no_grad():
        save(folder, "eval_out", model(x))

    model.train()
    out_train = model(x)
    loss = F.cross_entropy(out_train, target)
    loss.backward()
    save(folder, "train_out", out_train)
    save(folder, "loss", loss)

    stats_keys = [k for k, _ in model.named_buffers() if k.endswith("running_mean") or k.endswith("running_var")]
    buffers = dict(model.named_buffers())
    save(folder, "stats", torch.cat([buffers[k].flatten() for k in stats_keys]))
    nbt_keys = [k for k in buffers if k.endswith("num_batches_tracked")]
    save(folder, "nbt", torch.stack([buffers[k] for k in nbt_keys]))

    params = [[n, list(p.shape)] for n, p in model.named_parameters()]
    grad_digests = {n: digest(p.grad) for n, p in model.named_parameters()}
    if mode == "full":
        save(folder, "grads", torch.cat([p.grad.flatten() for _, p in model.named_parameters()]))

    return {
        "name": name,
        "folder": folder_name(name),
        "factory": ts_factory,
        "options": ts_options,
        "batch": batch,
        "size": size,
        "inChannels": in_channels,
        "numClasses": num_classes,
        "mode": mode,
        "stateFolder": folder_name(STATE_FROM.get(name, name)),
        "numParameters": sum(p.numel() for p in model.parameters()),
        "keys": keys,
        "init": init,
        "perturbed": perturbed,
        "statsKeys": stats_keys,
        "nbtKeys": nbt_keys,
        "params": params,
        "gradDigests": grad_digests,
        "loss": loss.item(),
    }


def nn_fixtures(out):
    """Layer-level fixtures for test/nn.test.ts."""
    folder = os.path.join(out, "nn")
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 8, 3)
    grouped = nn.Conv2d(16, 32, 3, groups=4, bias=False)
    linear = nn.Linear(10, 4)
    for name, t in [
        ("conv_weight", conv.weight),
        ("conv_bias", conv.bias),
        ("grouped_weight", grouped.weight),
        ("linear_weight", linear.weight),
        ("linear_bias", linear.bias),
    ]:
        save(folder, name, t)

    torch.manual_seed(1)
    w = torch.empty(8, 4, 3, 3)
    for name, fn in [
        ("kaiming_uniform_default", lambda: nn.init.kaiming_uniform_(w)),
        ("kaiming_uniform_sqrt5", lambda: nn.init.kaiming_uniform_(w, a=math.sqrt(5))),
        ("kaiming_normal_fan_out_relu", lambda: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")),
        ("kaiming_normal_fan_in_leaky", lambda: nn.init.kaiming_normal_(w, a=0.2)),
        ("uniform", lambda: nn.init.uniform_(w, -0.5, 0.25)),
        ("normal", lambda: nn.init.normal_(w, 0.1, 2.0)),
    ]:
        fn()
        save(folder, "init_" + name, w)

    # BatchNorm2d with momentum=None (cumulative average) over three steps, then eval.
    torch.manual_seed(2)
    bn = nn.BatchNorm2d(4, momentum=None)
    xs = [torch.randn(3, 4, 5, 5) for _ in range(3)]
    for i, x in enumerate(xs):
        save(folder, f"bn_x{i}", x)
        save(folder, f"bn_train_out{i}", bn(x))
    save(folder, "bn_running_mean", bn.running_mean)
    save(folder, "bn_running_var", bn.running_var)
    save(folder, "bn_num_batches_tracked", bn.num_batches_tracked)
    bn.eval()
    save(folder, "bn_eval_out", bn(xs[0]))
    # Default momentum 0.1, one step.
    bn2 = nn.BatchNorm2d(4)
    save(folder, "bn01_train_out", bn2(xs[1]))
    save(folder, "bn01_running_mean", bn2.running_mean)
    save(folder, "bn01_running_var", bn2.running_var)


def main():
    out = setup()
    nn_fixtures(out)
    cases = []
    for case in CASES:
        cases.append(run_case(out, case))
        print(f"resnet fixtures: {case[0]} done", flush=True)
    write_manifest(out, {"seeds": {"init": SEED_INIT, "perturb": SEED_PERTURB, "input": SEED_INPUT}, "cases": cases})


if __name__ == "__main__":
    main()
