"""Assets of `npm run bench`, made once by the Python reference (LTR_PYTHON or /usr/bin/python3).

usage: prepare.py OUT_DIR [--onnx-only]
Writes into OUT_DIR (skipping what is already there, so reruns are cheap):
  resnet18.pth, resnet50.pth     torchvision models, torch.manual_seed(0) init, state_dict;
                                 every contender loads these, so the weights are identical
  resnet18-224.onnx, resnet50-224.onnx, resnet18-32.onnx
                                 torch.onnx.export of the same weights, dynamic batch axis
  x-b{B}-s{S}.npy                the inputs (torch.manual_seed(1) randn), read by every contender
  meta.json                      forward FLOPs per sample from the architecture (conv and linear
                                 multiply-adds x 2, counted by forward hooks on the real modules;
                                 BN, ReLU, pooling and adds are memory-bound and left out), and the
                                 torch / torchvision versions
  onnx.json                      the torch version that made the .onnx files
Prints nothing on success but one line per asset it made. A torch.onnx.export that fails (torch 2.x
wants the onnx / onnxscript packages) is reported and skipped; scripts/bench.sh then makes the ONNX
files with --onnx-only from Debian's python3-torch, from the same saved weights.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
from resnet import CifarResNet, with_in_channels  # noqa: E402

out = sys.argv[1]
onnx_only = "--onnx-only" in sys.argv[2:]
os.makedirs(out, exist_ok=True)
torch.set_num_threads(1)

SIZES = {"resnet18": (224, 32), "resnet50": (224,)}
INPUTS = [(b, 224) for b in (1, 8, 32)] + [(b, 32) for b in (1, 32)]


def forward_flops(model, size, channels=3):
    """2 x multiply-adds of every Conv2d and Linear for one sample, read off the shapes each one sees."""
    total = [0]

    def conv_hook(m, inp, outp):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += 2 * outp[0].numel() * k

    def linear_hook(m, inp, outp):
        total[0] += 2 * outp[0].numel() * m.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    with torch.no_grad():
        model.eval()(torch.zeros(1, channels, size, size))
    for h in handles:
        h.remove()
    return total[0]


def made(path):
    print(f"bench prepare: made {os.path.basename(path)}")


meta = {"torch": torch.__version__, "torchvision": torchvision.__version__, "flops": {}, "train_flops": {}}
for arch, sizes in SIZES.items():
    torch.manual_seed(0)
    model = getattr(torchvision.models, arch)().eval()
    pth = os.path.join(out, f"{arch}.pth")
    if not os.path.exists(pth) and not onnx_only:
        torch.save(model.state_dict(), pth)
        made(pth)
    else:
        model.load_state_dict(torch.load(pth))
    for size in sizes:
        meta["flops"][f"{arch}-{size}"] = forward_flops(model, size)
        onnx = os.path.join(out, f"{arch}-{size}.onnx")
        if not os.path.exists(onnx):
            try:
                torch.onnx.export(model, torch.zeros(1, 3, size, size), onnx + ".tmp", input_names=["input"],
                                  output_names=["logits"], opset_version=13,
                                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
            except Exception as e:  # noqa: BLE001 -- the ORT comparison is optional
                print(f"bench prepare: torch.onnx.export failed with torch {torch.__version__}: {str(e).splitlines()[-1]}", file=sys.stderr)
                continue
            os.replace(onnx + ".tmp", onnx)
            with open(os.path.join(out, "onnx.json"), "w") as f:
                json.dump({"torch": torch.__version__}, f)
            made(onnx)
if onnx_only:
    sys.exit(0)

# The training step's models (scripts/bench/train_step.py): 10 classes, 3 channels, 32x32.
meta["train_flops"]["resnet20-32"] = forward_flops(CifarResNet(20, num_classes=10, in_channels=3), 32)
meta["train_flops"]["resnet18-32"] = forward_flops(with_in_channels(torchvision.models.resnet18, 3)(num_classes=10), 32)

for batch, size in INPUTS:
    path = os.path.join(out, f"x-b{batch}-s{size}.npy")
    if not os.path.exists(path):
        torch.manual_seed(1)
        np.save(path + ".tmp.npy", torch.randn(batch, 3, size, size).numpy())
        os.replace(path + ".tmp.npy", path)
        made(path)

with open(os.path.join(out, "meta.json"), "w") as f:
    json.dump(meta, f, indent=1)
