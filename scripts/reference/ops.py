"""Reference outputs and gradients for every op the TypeScript API exposes.

Run as `/usr/bin/python3 ops.py OUTDIR` (test/setup/fixtures.ts does it). Writes:

  cases.json   {"threads", "cases": [...], "random": [...], "factories": [...], "reprs": [...]}
  *.npy        inputs, outputs, upstream gradients, gradients, running stats

A case is one call of one op:

  {"id": "conv2d/stride2-pad3", "op": "conv2d",
   "inputs": {"input": REF, "weight": REF, "bias": null},   # null = the argument is None
   "options": {...},                 # the TypeScript option names (camelCase), also fed to Python
   "requiresGrad": ["input", "weight"],
   "output": REF,
   "gradOutput": REF | null,         # the random upstream gradient g of out.backward(g)
   "grads": {"input": REF, ...},     # .grad of every input in requiresGrad after backward
   "after": {"runningMean": REF, ...}}  # inputs an op updates in place, read after the call

REF = {"file": "c012-input.npy", "dtype": "bfloat16"}: `dtype` is the tensor's real dtype. bfloat16
has no numpy type, so a bfloat16 tensor is stored as its float32 upcast (exact: every bfloat16
is a float32) and the reader converts it back (also exact).

`options` is the single source of truth: Python gets the same values with snake_case names,
so the two sides cannot drift apart. The TS runner for each `op` mirrors PY_OPS below.
"""
import re

import torch
import torch.nn.functional as F

from common import THREADS, setup, save, write_manifest

out = setup()
gen = torch.Generator().manual_seed(20240611)

DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
    "uint8": torch.uint8,
    "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


def randn(*shape, dtype=torch.float32):
    return torch.randn(shape, generator=gen).to(dtype)


def rand(*shape):
    return torch.rand(shape, generator=gen)


def ints(low, high, *shape):
    return torch.randint(low, high, shape, generator=gen)


def ref(name, t):
    """Saves `t` and returns its manifest reference."""
    dtype = DTYPE_NAMES[t.dtype]
    if t.dtype == torch.bfloat16:
        save(out, name, t.detach().float())  # exact upcast; the reader converts back
    else:
        save(out, name, t)
    return {"file": name + ".npy", "dtype": dtype}


def snake(key):
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), key)


def py_options(options):
    """TS options -> Python keyword arguments (camelCase -> snake_case, dtype names -> torch dtypes)."""
    kw = {}
    for k, v in options.items():
        if k == "dtype":
            v = DTYPES[v]
        kw[snake(k)] = v
    return kw


def no(o, *keys):
    return {k: v for k, v in o.items() if k not in keys}


# What each op runs in Python; test/ops-parity.test.ts has the same table in TypeScript.
# t: the input tensors by name (None for null), o: py_options(options).
PY_OPS = {
    "conv2d": lambda t, o: F.conv2d(t["input"], t["weight"], t.get("bias"), **o),
    "batchNorm": lambda t, o: F.batch_norm(
        t["input"], t.get("runningMean"), t.get("runningVar"), t.get("weight"), t.get("bias"), **o
    ),
    "relu": lambda t, o: F.relu(t["input"]),
    # In place inside an autograd graph, as nn.ReLU(inplace=True) runs in a ResNet: relu_
    # cannot run on a leaf that requires grad, so it acts on an intermediate.
    "relu_": lambda t, o: F.relu_(t["input"].mul(1.5)),
    "maxPool2d": lambda t, o: F.max_pool2d(t["input"], **o),
    "avgPool2d": lambda t, o: F.avg_pool2d(t["input"], **o),
    "adaptiveAvgPool2d": lambda t, o: F.adaptive_avg_pool2d(t["input"], o["output_size"]),
    "linear": lambda t, o: F.linear(t["input"], t["weight"], t.get("bias")),
    "flatten": lambda t, o: torch.flatten(t["input"], **o),
    "crossEntropy": lambda t, o: F.cross_entropy(t["input"], t["target"], weight=t.get("weight"), **o),
    "softmax": lambda t, o: F.softmax(t["input"], **o),
    "logSoftmax": lambda t, o: F.log_softmax(t["input"], **o),
    # other: a tensor input or a number in options
    "add": lambda t, o: torch.add(t["input"], t["other"] if "other" in t else o["other"], alpha=o.get("alpha", 1)),
    "sub": lambda t, o: torch.sub(t["input"], t["other"] if "other" in t else o["other"], alpha=o.get("alpha", 1)),
    "mul": lambda t, o: torch.mul(t["input"], t["other"] if "other" in t else o["other"]),
    "div": lambda t, o: torch.div(t["input"], t["other"] if "other" in t else o["other"]),
    # in place on a clone (a leaf that requires grad cannot be changed in place)
    "add_": lambda t, o: t["input"].clone().add_(t["other"] if "other" in t else o["other"], alpha=o.get("alpha", 1)),
    "mul_": lambda t, o: t["input"].clone().mul_(t["other"] if "other" in t else o["other"]),
    "matmul": lambda t, o: torch.matmul(t["input"], t["other"]),
    "neg": lambda t, o: torch.neg(t["input"]),
    "abs": lambda t, o: torch.abs(t["input"]),
    "sum": lambda t, o: torch.sum(t["input"], **o) if "dim" in o else torch.sum(t["input"], **no(o, "keepdim")),
    "mean": lambda t, o: torch.mean(t["input"], **o) if "dim" in o else torch.mean(t["input"], **no(o, "keepdim")),
    "argmax": lambda t, o: torch.argmax(t["input"], **o),
    "max": lambda t, o: torch.max(t["input"]),
    "min": lambda t, o: torch.min(t["input"]),
    "reshape": lambda t, o: t["input"].reshape(o["shape"]),
    "view": lambda t, o: t["input"].view(o["shape"]),
    "permute": lambda t, o: t["input"].permute(o["dims"]),
    "transpose": lambda t, o: t["input"].transpose(o["dim0"], o["dim1"]),
    # contiguous() of a permuted (non-contiguous) view
    "contiguous": lambda t, o: t["input"].permute(o["dims"]).contiguous(),
    "clone": lambda t, o: t["input"].clone(),
    "unsqueeze": lambda t, o: t["input"].unsqueeze(o["dim"]),
    "squeeze": lambda t, o: t["input"].squeeze(o["dim"]) if "dim" in o else t["input"].squeeze(),
    "cat": lambda t, o: torch.cat([t["a"], t["b"]], o["dim"]),
    "to": lambda t, o: t["input"].to(o["dtype"]),
    "detach": lambda t, o: t["input"].detach(),
}

cases = []


def case(op, name, inputs, options=None, grad=(), after=()):
    """Runs one op, saving its inputs, output, upstream gradient, gradients and in-place updates."""
    options = options or {}
    prefix = "c%03d-%s" % (len(cases), op)
    entry = {"id": op + "/" + name, "op": op, "inputs": {}, "options": options, "requiresGrad": list(grad)}
    live = {}
    for key, value in inputs.items():
        if value is None:
            entry["inputs"][key] = None
            live[key] = None
            continue
        entry["inputs"][key] = ref("%s-%s" % (prefix, key), value)  # saved before any in-place update
        t = value.clone()
        if key in grad:
            t.requires_grad_(True)
        live[key] = t
    result = PY_OPS[op](live, py_options(options))
    entry["output"] = ref(prefix + "-output", result)
    entry["gradOutput"] = None
    entry["grads"] = {}
    if grad:
        assert result.requires_grad, entry["id"]
        g = randn(*result.shape, dtype=result.dtype)
        entry["gradOutput"] = ref(prefix + "-gradOutput", g)
        result.backward(g)
        for key in grad:
            entry["grads"][key] = ref("%s-grad-%s" % (prefix, key), live[key].grad)
    entry["after"] = {key: ref("%s-after-%s" % (prefix, key), live[key]) for key in after}
    cases.append(entry)


# ---------------------------------------------------------------------------
# conv2d

def conv(name, n, cin, cout, h, w, k, options, bias=True, unbatched=False):
    groups = options.get("groups", 1)
    kh, kw = (k, k) if isinstance(k, int) else k
    x = randn(cin, h, w) if unbatched else randn(n, cin, h, w)
    inputs = {"input": x, "weight": randn(cout, cin // groups, kh, kw) * 0.3, "bias": randn(cout) if bias else None}
    case("conv2d", name, inputs, options, grad=["input", "weight"] + (["bias"] if bias else []))


conv("3x3-pad1", 2, 3, 4, 8, 8, 3, {"padding": 1})
conv("stem-7x7-stride2-pad3-nobias", 2, 3, 8, 16, 16, 7, {"stride": 2, "padding": 3}, bias=False)
conv("defaults", 1, 2, 3, 5, 6, 3, {})
conv("stride-pad-pairs", 2, 3, 4, 9, 7, [3, 2], {"stride": [2, 1], "padding": [1, 0]})
conv("dilation2", 2, 3, 4, 10, 10, 3, {"padding": 2, "dilation": 2})
conv("dilation-pair", 1, 2, 3, 9, 11, 3, {"dilation": [1, 2], "padding": [1, 2]})
conv("same", 2, 3, 4, 7, 7, 3, {"padding": "same"})
conv("same-even-kernel-dilation2", 2, 3, 4, 7, 8, 4, {"padding": "same", "dilation": 2})
conv("valid", 2, 3, 4, 7, 7, 3, {"padding": "valid"})
conv("groups2", 2, 4, 6, 6, 6, 3, {"padding": 1, "groups": 2})
conv("depthwise", 2, 4, 4, 6, 6, 3, {"padding": 1, "groups": 4}, bias=False)
conv("1x1-stride2-downsample", 2, 4, 8, 8, 8, 1, {"stride": 2}, bias=False)
conv("unbatched-3d", 0, 3, 4, 6, 6, 3, {"padding": 1}, unbatched=True)

# ---------------------------------------------------------------------------
# batchNorm (running statistics are updated in place: compared after the call)

def bn(name, shape, options, affine=True, running=True):
    c = shape[1]
    inputs = {
        "input": randn(*shape) * 2 + 0.5,
        "runningMean": randn(c) * 0.1 if running else None,
        "runningVar": rand(c) + 0.5 if running else None,
        "weight": randn(c) if affine else None,
        "bias": randn(c) if affine else None,
    }
    grad = ["input"] + (["weight", "bias"] if affine else [])
    after = ["runningMean", "runningVar"] if running else []
    case("batchNorm", name, inputs, options, grad=grad, after=after)


bn("train", [4, 3, 5, 5], {"training": True})
bn("train-momentum-eps", [4, 3, 5, 5], {"training": True, "momentum": 0.3, "eps": 1e-3})
bn("train-no-affine", [4, 3, 5, 5], {"training": True}, affine=False)
bn("train-no-running-stats", [4, 3, 5, 5], {"training": True}, running=False)
bn("train-2d-input", [6, 4], {"training": True, "momentum": 0.5})
bn("train-momentum0", [3, 2, 4, 4], {"training": True, "momentum": 0})
bn("eval", [4, 3, 5, 5], {"training": False})
bn("eval-no-affine-eps", [2, 3, 4, 4], {"training": False, "eps": 1e-2}, affine=False)
bn("default-options-eval", [2, 3, 4, 4], {})

# ---------------------------------------------------------------------------
# activations

case("relu", "4d", {"input": randn(2, 3, 4, 4)}, grad=["input"])
case("relu", "with-zeros", {"input": torch.tensor([-1.0, 0.0, 0.0, 2.0, -0.0, 3.5])}, grad=["input"])
case("relu_", "in-graph", {"input": randn(2, 3, 4, 4)}, grad=["input"])
case("relu", "int64-no-grad", {"input": ints(-5, 5, 10)})
for dim in (1, -1, 0):
    case("softmax", "dim%d" % dim, {"input": randn(3, 5, 2) * 3}, {"dim": dim}, grad=["input"])
    case("logSoftmax", "dim%d" % dim, {"input": randn(3, 5, 2) * 3}, {"dim": dim}, grad=["input"])
case("softmax", "dtype-float64", {"input": randn(4, 6)}, {"dim": 1, "dtype": "float64"}, grad=["input"])
case("logSoftmax", "dtype-float64", {"input": randn(4, 6)}, {"dim": 1, "dtype": "float64"}, grad=["input"])
case("softmax", "large-logits", {"input": randn(2, 10) * 50}, {"dim": 1}, grad=["input"])

# ---------------------------------------------------------------------------
# pooling

def pool(op, name, shape, options):
    case(op, name, {"input": randn(*shape)}, options, grad=["input"])


pool("maxPool2d", "resnet-k3-s2-p1", [2, 3, 9, 9], {"kernelSize": 3, "stride": 2, "padding": 1})
pool("maxPool2d", "k2-default-stride", [2, 3, 8, 8], {"kernelSize": 2})
pool("maxPool2d", "pairs", [2, 2, 9, 8], {"kernelSize": [3, 2], "stride": [2, 1], "padding": [1, 0]})
pool("maxPool2d", "dilation2", [1, 2, 10, 10], {"kernelSize": 3, "stride": 1, "dilation": 2})
pool("maxPool2d", "ceil-mode", [2, 2, 8, 8], {"kernelSize": 3, "stride": 2, "ceilMode": True})
pool("maxPool2d", "ceil-mode-padding", [1, 2, 7, 7], {"kernelSize": 2, "stride": 2, "padding": 1, "ceilMode": True})
pool("maxPool2d", "unbatched-3d", [3, 7, 7], {"kernelSize": 3, "stride": 2, "padding": 1})
# ties: every window holds equal values, so the gradient goes to the first maximum on both sides
case("maxPool2d", "ties", {"input": torch.ones(1, 1, 4, 4)}, {"kernelSize": 2}, grad=["input"])
pool("avgPool2d", "k2", [2, 3, 8, 8], {"kernelSize": 2})
pool("avgPool2d", "k3-s2-p1-exclude-pad", [2, 3, 9, 9], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False})
pool("avgPool2d", "k3-s2-p1-include-pad", [2, 3, 9, 9], {"kernelSize": 3, "stride": 2, "padding": 1})
pool("avgPool2d", "ceil-mode", [1, 2, 7, 7], {"kernelSize": 2, "ceilMode": True})
pool("avgPool2d", "divisor-override", [1, 2, 6, 6], {"kernelSize": [2, 3], "stride": [2, 1], "divisorOverride": 3})
pool("avgPool2d", "unbatched-3d", [2, 6, 6], {"kernelSize": 2})
pool("adaptiveAvgPool2d", "1x1", [2, 8, 7, 7], {"outputSize": [1, 1]})
pool("adaptiveAvgPool2d", "number-1", [2, 4, 5, 5], {"outputSize": 1})
pool("adaptiveAvgPool2d", "non-divisible", [2, 3, 7, 5], {"outputSize": [3, 2]})
pool("adaptiveAvgPool2d", "upsampling", [1, 2, 3, 3], {"outputSize": [5, 4]})
pool("adaptiveAvgPool2d", "null-entry", [2, 3, 6, 7], {"outputSize": [None, 3]})
pool("adaptiveAvgPool2d", "null-entry-first", [2, 3, 6, 7], {"outputSize": [4, None]})
pool("adaptiveAvgPool2d", "unbatched-3d", [3, 6, 6], {"outputSize": [2, 2]})

# ---------------------------------------------------------------------------
# linear, flatten

case("linear", "bias", {"input": randn(4, 5), "weight": randn(3, 5), "bias": randn(3)}, grad=["input", "weight", "bias"])
case("linear", "no-bias", {"input": randn(4, 5), "weight": randn(3, 5), "bias": None}, grad=["input", "weight"])
case("linear", "3d-input", {"input": randn(2, 4, 5), "weight": randn(3, 5), "bias": randn(3)}, grad=["input", "weight", "bias"])
case("linear", "1d-input", {"input": randn(5), "weight": randn(3, 5), "bias": randn(3)}, grad=["input", "weight", "bias"])
case("linear", "resnet-fc", {"input": randn(2, 64), "weight": randn(10, 64) * 0.1, "bias": randn(10)}, grad=["input", "weight", "bias"])
case("flatten", "from1", {"input": randn(2, 3, 4, 5)}, {"startDim": 1}, grad=["input"])
case("flatten", "all", {"input": randn(2, 3, 4)}, {}, grad=["input"])
case("flatten", "middle", {"input": randn(2, 3, 4, 5)}, {"startDim": 1, "endDim": 2}, grad=["input"])
case("flatten", "negative-dims", {"input": randn(2, 3, 4, 5)}, {"startDim": -3, "endDim": -2}, grad=["input"])

# ---------------------------------------------------------------------------
# crossEntropy

def ce(name, n, c, options, target="indices", weight=False, spatial=None):
    shape = (n, c) + tuple(spatial or ())
    x = randn(*shape) * 2
    if target == "indices":
        tgt = ints(0, c, n, *(spatial or ()))
        ignore = options.get("ignoreIndex", -100)
        if "ignoreIndex" in options or name.startswith("ignore"):
            tgt.view(-1)[::3] = ignore
    else:
        tgt = torch.softmax(randn(*shape) * 2, dim=1)
    inputs = {"input": x, "target": tgt, "weight": rand(c) + 0.5 if weight else None}
    case("crossEntropy", name, inputs, options, grad=["input"])


ce("mean", 6, 5, {})
ce("sum", 6, 5, {"reduction": "sum"})
ce("none", 6, 5, {"reduction": "none"})
ce("label-smoothing", 6, 5, {"labelSmoothing": 0.1})
ce("label-smoothing-sum", 6, 5, {"labelSmoothing": 0.25, "reduction": "sum"})
ce("ignore-default-index", 6, 5, {})
ce("ignore-index-custom", 6, 5, {"ignoreIndex": 2})
ce("ignore-index-none", 6, 5, {"ignoreIndex": 1, "reduction": "none"})
ce("class-weights", 6, 5, {}, weight=True)
ce("class-weights-sum", 6, 5, {"reduction": "sum"}, weight=True)
ce("class-weights-smoothing-ignore", 8, 5, {"labelSmoothing": 0.1, "ignoreIndex": 3}, weight=True)
ce("probabilities", 6, 5, {}, target="probs")
ce("probabilities-smoothing", 6, 5, {"labelSmoothing": 0.2}, target="probs")
ce("probabilities-weights-none", 6, 5, {"reduction": "none"}, target="probs", weight=True)
ce("spatial-nchw", 2, 4, {}, spatial=(3, 3))

# ---------------------------------------------------------------------------
# arithmetic

A = ["input", "other"]
for op in ("add", "sub", "mul", "div"):
    case(op, "same-shape", {"input": randn(3, 4), "other": randn(3, 4) + (3 if op == "div" else 0)}, grad=A)
    case(op, "broadcast", {"input": randn(2, 3, 4), "other": randn(3, 1) + (3 if op == "div" else 0)}, grad=A)
    case(op, "broadcast-both", {"input": randn(3, 1), "other": randn(1, 4) + (3 if op == "div" else 0)}, grad=A)
    case(op, "scalar-float", {"input": randn(3, 4)}, {"other": 2.5}, grad=["input"])
    case(op, "scalar-int", {"input": randn(3, 4)}, {"other": 3}, grad=["input"])
    case(op, "int64-tensor-float-scalar", {"input": ints(-5, 5, 6)}, {"other": 2.5})
    case(op, "int64-tensor-int-scalar", {"input": ints(-5, 5, 6)}, {"other": 2})
    case(op, "float64-float32", {"input": randn(4, dtype=torch.float64), "other": randn(4) + (3 if op == "div" else 0)}, grad=A)
for op in ("add", "sub"):
    case(op, "alpha", {"input": randn(3, 4), "other": randn(3, 4)}, {"alpha": 0.5}, grad=A)
    case(op, "alpha-int", {"input": randn(3, 4), "other": randn(4)}, {"alpha": 3}, grad=A)
    case(op, "scalar-alpha", {"input": randn(3, 4)}, {"other": 1.5, "alpha": -2}, grad=["input"])
case("add_", "tensor-alpha", {"input": randn(3, 4), "other": randn(4)}, {"alpha": 0.25}, grad=A)
case("add_", "scalar", {"input": randn(3, 4)}, {"other": 0.1}, grad=["input"])
case("mul_", "tensor", {"input": randn(3, 4), "other": randn(3, 1)}, grad=A)
case("div", "int64-by-int64", {"input": ints(-9, 9, 6), "other": ints(1, 4, 6)})
case("neg", "basic", {"input": randn(3, 4)}, grad=["input"])
case("abs", "basic", {"input": randn(3, 4)}, grad=["input"])

for name, a, b in [
    ("1d-1d", (5,), (5,)),
    ("2d-2d", (3, 5), (5, 4)),
    ("1d-2d", (5,), (5, 4)),
    ("2d-1d", (3, 5), (5,)),
    ("3d-2d", (2, 3, 5), (5, 4)),
    ("3d-3d", (2, 3, 5), (2, 5, 4)),
    ("broadcast-batch", (2, 1, 3, 5), (4, 5, 2)),
    ("larger", (16, 48), (48, 24)),
]:
    case("matmul", name, {"input": randn(*a), "other": randn(*b)}, grad=A)

# ---------------------------------------------------------------------------
# reductions

case("sum", "all", {"input": randn(3, 4, 5)}, grad=["input"])
case("sum", "dim1", {"input": randn(3, 4, 5)}, {"dim": 1}, grad=["input"])
case("sum", "dims-keepdim", {"input": randn(3, 4, 5)}, {"dim": [0, 2], "keepdim": True}, grad=["input"])
case("sum", "negative-dim", {"input": randn(3, 4, 5)}, {"dim": -1}, grad=["input"])
case("sum", "dtype-float64", {"input": randn(3, 4)}, {"dim": 0, "dtype": "float64"}, grad=["input"])
case("sum", "int64", {"input": ints(-100, 100, 4, 5)})
case("sum", "bool", {"input": ints(0, 2, 10).bool()})
case("sum", "long-float32", {"input": randn(1000) * 10}, grad=["input"])
case("mean", "all", {"input": randn(3, 4, 5)}, grad=["input"])
case("mean", "dim", {"input": randn(3, 4, 5)}, {"dim": 2}, grad=["input"])
case("mean", "dims-keepdim", {"input": randn(3, 4, 5)}, {"dim": [1, 2], "keepdim": True}, grad=["input"])
case("mean", "int64-with-dtype", {"input": ints(-100, 100, 4, 5)}, {"dtype": "float32"})
case("argmax", "all", {"input": randn(3, 4)})
case("argmax", "dim1", {"input": randn(3, 4)}, {"dim": 1})
case("argmax", "dim0-keepdim", {"input": randn(3, 4)}, {"dim": 0, "keepdim": True})
case("argmax", "ties", {"input": torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])}, {"dim": 1})
case("max", "all", {"input": randn(3, 4)}, grad=["input"])
case("min", "all", {"input": randn(3, 4)}, grad=["input"])

# ---------------------------------------------------------------------------
# shapes

case("reshape", "infer", {"input": randn(2, 3, 4)}, {"shape": [4, -1]}, grad=["input"])
case("reshape", "of-transposed", {"input": randn(4, 3).t()}, {"shape": [12]}, grad=["input"])
case("view", "split", {"input": randn(2, 12)}, {"shape": [2, 3, 4]}, grad=["input"])
case("permute", "nchw-nhwc", {"input": randn(2, 3, 4, 5)}, {"dims": [0, 2, 3, 1]}, grad=["input"])
case("permute", "negative", {"input": randn(2, 3, 4)}, {"dims": [-1, 0, 1]}, grad=["input"])
case("transpose", "0-1", {"input": randn(3, 5)}, {"dim0": 0, "dim1": 1}, grad=["input"])
case("transpose", "negative", {"input": randn(2, 3, 4)}, {"dim0": -1, "dim1": 0}, grad=["input"])
case("contiguous", "of-permuted", {"input": randn(2, 3, 4)}, {"dims": [2, 0, 1]}, grad=["input"])
case("clone", "basic", {"input": randn(3, 4)}, grad=["input"])
case("unsqueeze", "dim1", {"input": randn(3, 4)}, {"dim": 1}, grad=["input"])
case("squeeze", "all", {"input": randn(1, 3, 1, 4)}, grad=["input"])
case("squeeze", "dim", {"input": randn(1, 3, 1, 4)}, {"dim": 2}, grad=["input"])
case("cat", "dim0", {"a": randn(2, 3), "b": randn(4, 3)}, {"dim": 0}, grad=["a", "b"])
case("cat", "dim-1", {"a": randn(2, 3), "b": randn(2, 2)}, {"dim": -1}, grad=["a", "b"])
case("detach", "basic", {"input": randn(3)})

# ---------------------------------------------------------------------------
# dtype conversions

mixed = torch.tensor([-2.7, -1.5, -0.5, 0.0, 0.49, 0.5, 1.5, 2.5, 3.9999, 1e-8, 65504.0, 70000.0, 1e-30, 3.0e38])
unsigned = torch.tensor([0.0, 0.5, 1.0, 1.7, 127.5, 128.0, 200.9, 255.0])
for target in ("float64", "float16", "bfloat16"):
    case("to", "float32-" + target, {"input": randn(3, 4) * 100}, {"dtype": target}, grad=["input"])
    case("to", "float32-%s-edge-values" % target, {"input": mixed}, {"dtype": target})
case("to", "float32-float32-same", {"input": randn(3)}, {"dtype": "float32"}, grad=["input"])
for target in ("int64", "int32", "bool"):
    case("to", "float32-" + target, {"input": mixed[:10] * 7}, {"dtype": target})
case("to", "float32-uint8", {"input": unsigned}, {"dtype": "uint8"})
case("to", "float64-float32-rounding", {"input": randn(20, dtype=torch.float64) / 3}, {"dtype": "float32"}, grad=["input"])
case("to", "float16-float32", {"input": randn(8, dtype=torch.float16)}, {"dtype": "float32"}, grad=["input"])
case("to", "bfloat16-float32", {"input": randn(8, dtype=torch.bfloat16)}, {"dtype": "float32"}, grad=["input"])
case("to", "float16-bfloat16", {"input": randn(8, dtype=torch.float16)}, {"dtype": "bfloat16"}, grad=["input"])
case("to", "int64-float32", {"input": torch.tensor([0, 1, -7, 2**24 + 1, -(2**40) - 3])}, {"dtype": "float32"})
case("to", "int64-float16", {"input": torch.tensor([0, 1, -7, 2049, 70000])}, {"dtype": "float16"})
case("to", "bool-float32", {"input": torch.tensor([True, False, True])}, {"dtype": "float32"})
case("to", "uint8-int64", {"input": torch.tensor([0, 1, 200, 255], dtype=torch.uint8)}, {"dtype": "int64"})
case("to", "int64-bool", {"input": torch.tensor([0, 1, -3, 0])}, {"dtype": "bool"})
case("to", "float64-bfloat16", {"input": randn(6, dtype=torch.float64) * 1000}, {"dtype": "bfloat16"}, grad=["input"])

# ---------------------------------------------------------------------------
# The random generator: the same seed and the same calls give PyTorch's numbers.

random = []


def rng(seed, calls):
    torch.manual_seed(seed)
    entry = {"seed": seed, "calls": []}
    for i, (fn, args, dtype) in enumerate(calls):
        name = "random-%d-%02d-%s" % (seed, i, fn)
        if fn == "randperm":
            t = torch.randperm(*args)
        else:
            t = getattr(torch, fn)(args, dtype=DTYPES[dtype])
        entry["calls"].append({"fn": fn, "args": args, "dtype": dtype, "output": ref(name, t)})
    random.append(entry)


rng(0, [("randn", [2, 3], "float32"), ("rand", [3, 4], "float32"), ("randn", [20], "float32"),
        ("randn", [2, 3], "float64"), ("rand", [5], "float64"), ("randperm", [10], None),
        ("randn", [4], "float16"), ("rand", [17], "float32")])
rng(42, [("rand", [2, 3], "float32"), ("randn", [33], "float32"), ("randperm", [100], None)])
rng(2**40 + 7, [("randn", [5], "float32"), ("rand", [5], "float32")])

# ---------------------------------------------------------------------------
# Deterministic factories

factories = []


def factory(fn, args, options=None):
    options = options or {}
    kw = py_options(options)
    t = getattr(torch, fn)(*args, **kw) if fn != "full" else torch.full(args[0], args[1], **kw)
    name = "factory-%02d-%s" % (len(factories), fn)
    factories.append({"fn": fn, "args": args, "options": options, "output": ref(name, t)})


factory("arange", [5])
factory("arange", [2, 11, 3])
factory("arange", [0, 1, 0.1])
factory("arange", [-2.5, 2.5, 0.5])
factory("arange", [0, 1, 0.1], {"dtype": "float64"})
factory("arange", [1, 0, -0.3])
factory("arange", [6], {"dtype": "float32"})
factory("arange", [5], {"dtype": "int32"})
factory("full", [[2, 3], 0.1])
factory("full", [[2, 2], 0.1], {"dtype": "float64"})
factory("full", [[3], 1.7], {"dtype": "float16"})
factory("full", [[3], 5], {"dtype": "int64"})
factory("zeros", [[2, 3]])
factory("ones", [[2, 3]], {"dtype": "float64"})
factory("ones", [[4]], {"dtype": "bfloat16"})
factory("zeros", [[2]], {"dtype": "bool"})

# ---------------------------------------------------------------------------
# How PyTorch prints small float32 tensors (toString() should look the same).

reprs = []


def text(name, t):
    reprs.append({"name": name, "input": ref("repr-%02d" % len(reprs), t), "text": str(t)})


torch.manual_seed(0)
text("randn-2x3", torch.randn(2, 3))
text("vector", torch.tensor([1.5, -2.25, 3.0]))
text("integral", torch.tensor([1.0, -2.0, 30.0]))
text("3d", torch.randn(2, 2, 3))
text("4d", torch.randn(2, 1, 2, 2))
text("0d", torch.tensor(1.5))
text("zeros", torch.zeros(3))
text("negative-zero", torch.tensor([-0.0, 1.5]))
text("nonfinite", torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]))
text("nonfinite-integral", torch.tensor([float("nan"), 2.0]))
text("span-over-1000-is-scientific", torch.tensor([0.001, 2.0]))
text("tiny-is-scientific", torch.tensor([1e-5, 0.5]))
text("integral-over-1e8", torch.tensor([1e9, 1.0]))
text("wraps-at-80-columns", torch.randn(20))
text("summarized-vector", torch.arange(2000.0))
text("summarized-matrix", torch.randn(40, 30))
text("summarized-3d", torch.randn(12, 10, 10))
text("empty", torch.zeros(0))
text("empty-2d", torch.zeros(2, 0))
text("int64", torch.arange(6).reshape(2, 3))
text("int64-negative", torch.tensor([-12, 3, 100]))
text("int64-summarized", torch.arange(3000))
text("int32", torch.tensor([1, -20], dtype=torch.int32))
text("uint8", torch.tensor([0, 255], dtype=torch.uint8))
text("bool", torch.tensor([True, False]))
text("float64", torch.tensor([1.5, 2.0], dtype=torch.float64))
text("float16", torch.tensor([1.5, 65504.0, -3.25], dtype=torch.float16))
text("bfloat16", torch.tensor([1.5, -3.25, 100.0], dtype=torch.bfloat16))

write_manifest(out, {"threads": THREADS, "cases": cases, "random": random, "factories": factories, "reprs": reprs})
print("ops.py: %d cases, %d random sequences, %d factories, %d reprs" % (len(cases), len(random), len(factories), len(reprs)))
