"""Reference results for the tensor surface of issue #11 (reductions with dims,
comparisons, indexing, pointwise math, shapes, creation, functional ops).

Run as `/usr/bin/python3 ops_surface.py OUTDIR` (test/setup/fixtures.ts does it);
test/ops-surface-parity.test.ts replays every case through the TypeScript API
and compares bit for bit. Kept apart from ops.py so each file stays readable.

A case:

  {"id": "topk/dim0-smallest", "op": "topk",
   "inputs": {"input": REF, ...},        # REF as in ops.py; null = None
   "views": {"input": [1, 0]},           # optional: the op sees base.permute(dims), a non-contiguous view
   "options": {...},                     # TypeScript's names; the lambdas below read them
   "seed": 7 | null,                     # manual_seed before the op (dropout, randLike, ...)
   "requiresGrad": ["input"],
   "outputs": {"values": REF, "indices": REF} | {"out": REF} | {"0": REF, "1": REF, ...},
   "value": <JSON> | null,               # non-tensor results (toList, size)
   "gradOutput": REF | null,             # g for cat([o.reshape(-1) for differentiable outputs]).backward(g)
   "grads": {"input": REF},              # .grad of each base tensor in requiresGrad
   "after": {"input": REF}}              # inputs changed in place, read after the call
"""
import torch
import torch.nn.functional as F

from common import THREADS, setup, save, write_manifest

out = setup()
gen = torch.Generator().manual_seed(20261122)

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "int32": torch.int32, "uint8": torch.uint8, "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


def randn(*shape, dtype=torch.float32):
    return torch.randn(shape, generator=gen).to(dtype)


def ints(low, high, *shape, dtype=torch.int64):
    return torch.randint(low, high, shape, generator=gen).to(dtype)


def ref(name, t):
    dtype = DTYPE_NAMES[t.dtype]
    save(out, name, t.detach().float() if t.dtype == torch.bfloat16 else t)
    return {"file": name + ".npy", "dtype": dtype}


def dt(o, key="dtype"):
    return DTYPES[o[key]] if o.get(key) is not None else None


def kd(o):
    return o.get("keepdim", False)


def slice_of(spec):
    """An index entry as lib/tensor.ts spells it -> Python's."""
    if isinstance(spec, str):
        if spec == "...":
            return Ellipsis
        parts = [int(p) if p.strip() else None for p in spec.split(":")]
        return slice(*parts)
    if isinstance(spec, list):
        return slice(*spec)
    return spec


def index_tuple(t, o):
    """o["indices"]: entries as in TS; {"tensor": name} refers to an input tensor."""
    return tuple(t[s["tensor"]] if isinstance(s, dict) else slice_of(s) for s in o["indices"])


def clone_in_place(fn):
    """In-place ops run on a clone (a leaf that requires grad cannot change in place)."""
    return lambda t, o: fn(t["input"].clone(), t, o)


UNARY = ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "abs", "neg", "sign", "floor", "ceil",
         "round", "trunc", "frac", "reciprocal", "square", "sigmoid", "tanh", "sin", "cos"]
COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]

PY_OPS = {
    # reductions
    "max": lambda t, o: torch.max(t["input"], o["dim"], keepdim=kd(o)) if "dim" in o else torch.max(t["input"]),
    "min": lambda t, o: torch.min(t["input"], o["dim"], keepdim=kd(o)) if "dim" in o else torch.min(t["input"]),
    "maxOther": lambda t, o: torch.max(t["input"], t["other"]),
    "argmin": lambda t, o: torch.argmin(t["input"], o.get("dim"), keepdim=kd(o)),
    "prod": lambda t, o: torch.prod(t["input"], o["dim"], keepdim=kd(o), dtype=dt(o)) if "dim" in o else torch.prod(t["input"], dtype=dt(o)),
    "std": lambda t, o: torch.std(t["input"], o.get("dim"), correction=o.get("correction", 1), keepdim=kd(o)),
    "var": lambda t, o: torch.var(t["input"], o.get("dim"), correction=o.get("correction", 1), keepdim=kd(o)),
    "norm": lambda t, o: t["input"].norm(o.get("p", 2), o.get("dim"), keepdim=kd(o)),
    "logsumexp": lambda t, o: torch.logsumexp(t["input"], o["dim"], keepdim=kd(o)),
    "cumsum": lambda t, o: torch.cumsum(t["input"], o["dim"], dtype=dt(o)),
    "cumprod": lambda t, o: torch.cumprod(t["input"], o["dim"], dtype=dt(o)),
    "topk": lambda t, o: torch.topk(t["input"], o["k"], dim=o.get("dim", -1), largest=o.get("largest", True), sorted=o.get("sorted", True)),
    "sort": lambda t, o: torch.sort(t["input"], dim=o.get("dim", -1), descending=o.get("descending", False), stable=o.get("stable", False)),
    "argsort": lambda t, o: torch.argsort(t["input"], dim=o.get("dim", -1), descending=o.get("descending", False)),
    "unique": lambda t, o: torch.unique(t["input"], sorted=o.get("sorted", True), return_inverse=o.get("returnInverse", False),
                                        return_counts=o.get("returnCounts", False), dim=o.get("dim")),
    "any": lambda t, o: torch.any(t["input"], o["dim"], keepdim=kd(o)) if "dim" in o else torch.any(t["input"]),
    "all": lambda t, o: torch.all(t["input"], o["dim"], keepdim=kd(o)) if "dim" in o else torch.all(t["input"]),
    "sum": lambda t, o: torch.sum(t["input"], o["dim"], keepdim=kd(o)),
    "mean": lambda t, o: torch.mean(t["input"], o["dim"], keepdim=kd(o)),
    # comparison and logic
    **{op: (lambda op: lambda t, o: getattr(torch, op)(t["input"], t["other"] if "other" in t else o["other"]))(op) for op in COMPARE},
    "maximum": lambda t, o: torch.maximum(t["input"], t["other"]),
    "minimum": lambda t, o: torch.minimum(t["input"], t["other"]),
    "logicalAnd": lambda t, o: torch.logical_and(t["input"], t["other"]),
    "logicalOr": lambda t, o: torch.logical_or(t["input"], t["other"]),
    "logicalXor": lambda t, o: torch.logical_xor(t["input"], t["other"]),
    "logicalNot": lambda t, o: torch.logical_not(t["input"]),
    "isnan": lambda t, o: torch.isnan(t["input"]),
    "isfinite": lambda t, o: torch.isfinite(t["input"]),
    "isinf": lambda t, o: torch.isinf(t["input"]),
    "where": lambda t, o: torch.where(t["condition"], t["input"] if "input" in t else o["input"], t["other"] if "other" in t else o["other"]),
    "maskedFill": lambda t, o: t["input"].masked_fill(t["mask"], t["value"] if "value" in t else o["value"]),
    "maskedFill_": clone_in_place(lambda x, t, o: x.masked_fill_(t["mask"], o["value"])),
    "nonzero": lambda t, o: torch.nonzero(t["input"]),
    # selection and indexing
    "index": lambda t, o: t["input"][index_tuple(t, o)],
    "setItem": clone_in_place(lambda x, t, o: x.__setitem__(index_tuple(t, o), t["value"] if "value" in t else o["value"]) or x),
    "narrow": lambda t, o: t["input"].narrow(o["dim"], o["start"], o["length"]),
    "select": lambda t, o: t["input"].select(o["dim"], o["index"]),
    "slice": lambda t, o: t["input"][(slice(None),) * (o["dim"] % t["input"].dim()) + (slice(o.get("start"), o.get("end"), o.get("step", 1)),)],
    "indexSelect": lambda t, o: torch.index_select(t["input"], o["dim"], t["index"]),
    "gather": lambda t, o: torch.gather(t["input"], o["dim"], t["index"]),
    "scatter": lambda t, o: (torch.scatter(t["input"], o["dim"], t["index"], t["src"] if "src" in t else o["src"], reduce=o["reduce"])
                             if "reduce" in o else torch.scatter(t["input"], o["dim"], t["index"], t["src"] if "src" in t else o["src"])),
    "scatterAdd": lambda t, o: torch.scatter_add(t["input"], o["dim"], t["index"], t["src"]),
    "take": lambda t, o: torch.take(t["input"], t["index"]),
    "maskedSelect": lambda t, o: torch.masked_select(t["input"], t["mask"]),
    "indexPut_": clone_in_place(lambda x, t, o: x.index_put_(tuple(t.get(k) for k in o["indexNames"]), t["values"], accumulate=o.get("accumulate", False))),
    # pointwise math
    **{op: (lambda op: lambda t, o: getattr(torch, op)(t["input"]))(op) for op in UNARY},
    **{op + "_": (lambda op: clone_in_place(lambda x, t, o: getattr(x, op + "_")()))(op) for op in UNARY},
    "pow": lambda t, o: torch.pow(t["input"], t["exponent"] if "exponent" in t else o["exponent"]),
    "pow_": clone_in_place(lambda x, t, o: x.pow_(o["exponent"])),
    "clamp": lambda t, o: torch.clamp(t["input"], t.get("min", o.get("min")), t.get("max", o.get("max"))),
    "clamp_": clone_in_place(lambda x, t, o: x.clamp_(o.get("min"), o.get("max"))),
    "lerp": lambda t, o: torch.lerp(t["input"], t["end"], t["weight"] if "weight" in t else float(o["weight"])),
    "lerp_": clone_in_place(lambda x, t, o: x.lerp_(t["end"], float(o["weight"]))),
    "addcmul": lambda t, o: torch.addcmul(t["input"], t["tensor1"], t["tensor2"], value=o.get("value", 1)),
    "addcdiv": lambda t, o: torch.addcdiv(t["input"], t["tensor1"], t["tensor2"], value=o.get("value", 1)),
    "addcmul_": clone_in_place(lambda x, t, o: x.addcmul_(t["tensor1"], t["tensor2"], value=o.get("value", 1))),
    # shapes
    "stack": lambda t, o: torch.stack([t["a"], t["b"], t["c"]], o["dim"]),
    "split": lambda t, o: torch.split(t["input"], o["splitSize"], o.get("dim", 0)),
    "chunk": lambda t, o: torch.chunk(t["input"], o["chunks"], o.get("dim", 0)),
    "unbind": lambda t, o: torch.unbind(t["input"], o.get("dim", 0)),
    "expand": lambda t, o: t["input"].expand(*o["sizes"]),
    "expandAs": lambda t, o: t["input"].expand_as(t["other"]),
    "repeat": lambda t, o: t["input"].repeat(*o["repeats"]),
    "flip": lambda t, o: torch.flip(t["input"], o["dims"]),
    "roll": lambda t, o: torch.roll(t["input"], o["shifts"], o.get("dims")) if o.get("dims") is not None else torch.roll(t["input"], o["shifts"]),
    "t": lambda t, o: t["input"].t(),
    "mm": lambda t, o: torch.mm(t["input"], t["mat2"]),
    "bmm": lambda t, o: torch.bmm(t["input"], t["mat2"]),
    "movedim": lambda t, o: torch.movedim(t["input"], o["source"], o["destination"]),
    "squeeze": lambda t, o: t["input"].squeeze(o["dim"]),
    "unsqueeze": lambda t, o: t["input"].unsqueeze(o["dim"]),
    "transpose": lambda t, o: t["input"].transpose(o["dim0"], o["dim1"]),
    # creation, filling, dtypes, lists
    "zerosLike": lambda t, o: torch.zeros_like(t["input"], dtype=dt(o)),
    "onesLike": lambda t, o: torch.ones_like(t["input"], dtype=dt(o)),
    "fullLike": lambda t, o: torch.full_like(t["input"], o["value"], dtype=dt(o)),
    "randLike": lambda t, o: torch.rand_like(t["input"], dtype=dt(o)),
    "randnLike": lambda t, o: torch.randn_like(t["input"], dtype=dt(o)),
    "fill_": clone_in_place(lambda x, t, o: x.fill_(o["value"])),
    "zero_": clone_in_place(lambda x, t, o: x.zero_()),
    "float": lambda t, o: t["input"].float(),
    "double": lambda t, o: t["input"].double(),
    "half": lambda t, o: t["input"].half(),
    "long": lambda t, o: t["input"].long(),
    "int": lambda t, o: t["input"].int(),
    "bool": lambda t, o: t["input"].bool(),
    "toList": lambda t, o: t["input"].tolist(),
    "size": lambda t, o: t["input"].size(o["dim"]),
    # functional
    "pad": lambda t, o: F.pad(t["input"], o["pad"], mode=o.get("mode", "constant"), **({"value": o["value"]} if "value" in o else {})),
    "dropout": lambda t, o: F.dropout(t["input"], p=o.get("p", 0.5), training=o.get("training", True)),
    "softmax": lambda t, o: F.softmax(t["input"], o["dim"]),
    "logSoftmax": lambda t, o: F.log_softmax(t["input"], o["dim"]),
    "avgPool2d": lambda t, o: F.avg_pool2d(t["input"], o["kernelSize"]),
    "gelu": lambda t, o: F.gelu(t["input"], approximate=o.get("approximate", "none")),
    "silu": lambda t, o: F.silu(t["input"]),
    "leakyRelu": lambda t, o: F.leaky_relu(t["input"], o.get("negativeSlope", 0.01)),
    "hardtanh": lambda t, o: F.hardtanh(t["input"], o.get("minVal", -1.0), o.get("maxVal", 1.0)),
    "mseLoss": lambda t, o: F.mse_loss(t["input"], t["target"], reduction=o.get("reduction", "mean")),
    "l1Loss": lambda t, o: F.l1_loss(t["input"], t["target"], reduction=o.get("reduction", "mean")),
    "nllLoss": lambda t, o: F.nll_loss(t["input"], t["target"], weight=t.get("weight"), reduction=o.get("reduction", "mean"),
                                       ignore_index=o.get("ignoreIndex", -100)),
    "binaryCrossEntropyWithLogits": lambda t, o: F.binary_cross_entropy_with_logits(
        t["input"], t["target"], weight=t.get("weight"), pos_weight=t.get("posWeight"), reduction=o.get("reduction", "mean")),
    "oneHot": lambda t, o: F.one_hot(t["input"], o.get("numClasses", -1)),
    "normalize": lambda t, o: F.normalize(t["input"], p=o.get("p", 2), dim=o.get("dim", 1)),
    "cosineSimilarity": lambda t, o: F.cosine_similarity(t["x1"], t["x2"], dim=o.get("dim", 1)),
}

FIELDS = ("values", "indices")


def json_safe(value):
    """JSON has no Infinity: +-inf options travel as the strings 'Infinity' / '-Infinity' (the test reads them back)."""
    if isinstance(value, float) and value in (float("inf"), -float("inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value
cases = []


def case(op, name, inputs, options=None, grad=(), after=(), views=None, seed=None):
    options = options or {}
    views = views or {}
    prefix = "s%03d-%s" % (len(cases), op)
    entry = {"id": op + "/" + name, "op": op, "inputs": {}, "views": views, "options": json_safe(options), "seed": seed,
             "requiresGrad": list(grad)}
    bases, live = {}, {}
    for key, value in inputs.items():
        if value is None:
            entry["inputs"][key] = None
            continue
        entry["inputs"][key] = ref("%s-%s" % (prefix, key), value)
        base = value.clone()
        if key in grad:
            base.requires_grad_(True)
        bases[key] = base
        live[key] = base.permute(views[key]) if key in views else base
    if seed is not None:
        torch.manual_seed(seed)
    result = PY_OPS[op](live, options)
    entry["value"] = None
    if isinstance(result, torch.Tensor):
        outputs = {"out": result}
    elif type(result).__module__ == "torch.return_types":  # a namedtuple (values, indices)
        outputs = {f: getattr(result, f) for f in FIELDS}
    elif op == "unique" and isinstance(result, tuple):
        names = ["values"] + (["inverseIndices"] if options.get("returnInverse") else []) + (["counts"] if options.get("returnCounts") else [])
        outputs = dict(zip(names, result))
    elif isinstance(result, (tuple, list)) and all(isinstance(r, torch.Tensor) for r in result):
        outputs = {str(i): r for i, r in enumerate(result)}
    else:
        outputs = {}
        entry["value"] = result
    entry["outputs"] = {k: ref("%s-out-%s" % (prefix, k), v) for k, v in outputs.items()}
    entry["gradOutput"] = None
    entry["grads"] = {}
    if grad:
        diff = [v for v in outputs.values() if v.requires_grad]
        assert diff, entry["id"]
        combined = torch.cat([v.reshape(-1) for v in diff])
        g = randn(combined.numel(), dtype=combined.dtype)
        entry["gradOutput"] = ref(prefix + "-gradOutput", g)
        combined.backward(g)
        for key in grad:
            entry["grads"][key] = ref("%s-grad-%s" % (prefix, key), bases[key].grad)
    entry["after"] = {key: ref("%s-after-%s" % (prefix, key), bases[key]) for key in after}
    cases.append(entry)


G = ["input"]
EMPTY = torch.zeros(0, 3)

# ---------------------------------------------------------------------------
# reductions with dims

for op in ("max", "min"):
    case(op, "dim1", {"input": randn(3, 5)}, {"dim": 1}, grad=G)
    case(op, "dim0-keepdim", {"input": randn(4, 3)}, {"dim": 0, "keepdim": True}, grad=G)
    case(op, "negative-dim", {"input": randn(2, 3, 4)}, {"dim": -2}, grad=G)
    case(op, "non-contiguous", {"input": randn(5, 3)}, {"dim": 1}, views={"input": [1, 0]}, grad=G)
    case(op, "ties", {"input": torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])}, {"dim": 1}, grad=G)
    case(op, "int64", {"input": ints(-50, 50, 3, 4)}, {"dim": 1})
    case(op, "bool", {"input": ints(0, 2, 3, 4).bool()}, {"dim": 0})
    case(op, "global", {"input": randn(3, 4)}, grad=G)
    case(op, "empty-rows", {"input": EMPTY}, {"dim": 1})
case("maxOther", "broadcast", {"input": randn(3, 4), "other": randn(4)}, grad=["input", "other"])
case("argmin", "all", {"input": randn(3, 4)})
case("argmin", "dim1-keepdim", {"input": randn(3, 4)}, {"dim": 1, "keepdim": True})
case("argmin", "negative-dim-int32", {"input": ints(-9, 9, 3, 4, dtype=torch.int32)}, {"dim": -1})
case("prod", "all", {"input": randn(3, 4)}, grad=G)
case("prod", "dim-keepdim", {"input": randn(3, 4)}, {"dim": 1, "keepdim": True}, grad=G)
case("prod", "int64-dtype-float64", {"input": ints(-3, 4, 3, 4)}, {"dim": 0, "dtype": "float64"})
case("prod", "with-zero", {"input": torch.tensor([[1.5, 0.0, 2.0], [3.0, -1.0, 0.5]])}, {"dim": 1}, grad=G)
for op in ("std", "var"):
    case(op, "all", {"input": randn(4, 5)}, grad=G)
    case(op, "dim0", {"input": randn(4, 5)}, {"dim": 0}, grad=G)
    case(op, "dims-keepdim-correction0", {"input": randn(2, 3, 4)}, {"dim": [0, 2], "keepdim": True, "correction": 0}, grad=G)
    case(op, "non-contiguous-float64", {"input": randn(5, 4, dtype=torch.float64)}, {"dim": 1}, views={"input": [1, 0]}, grad=G)
case("norm", "all", {"input": randn(3, 4)}, grad=G)
case("norm", "p1-dim1", {"input": randn(3, 4)}, {"p": 1, "dim": 1}, grad=G)
case("norm", "inf-keepdim", {"input": randn(3, 4)}, {"p": float("inf"), "dim": 0, "keepdim": True}, grad=G)
case("norm", "p3-dims", {"input": randn(2, 3, 4)}, {"p": 3, "dim": [1, 2]}, grad=G)
case("logsumexp", "dim1", {"input": randn(3, 5) * 10}, {"dim": 1}, grad=G)
case("logsumexp", "dims-keepdim", {"input": randn(2, 3, 4)}, {"dim": [0, -1], "keepdim": True}, grad=G)
case("cumsum", "dim1", {"input": randn(3, 5)}, {"dim": 1}, grad=G)
case("cumsum", "negative-dim-non-contiguous", {"input": randn(5, 3)}, {"dim": -1}, views={"input": [1, 0]}, grad=G)
case("cumsum", "int32-to-int64", {"input": ints(-9, 9, 6, dtype=torch.int32)}, {"dim": 0})
case("cumsum", "bool", {"input": ints(0, 2, 7).bool()}, {"dim": 0})
case("cumsum", "dtype-float64", {"input": randn(4)}, {"dim": 0, "dtype": "float64"}, grad=G)
case("cumprod", "dim0", {"input": randn(4, 3)}, {"dim": 0}, grad=G)
case("topk", "top5-last-dim", {"input": randn(3, 10)}, {"k": 5}, grad=G)
case("topk", "dim0-smallest", {"input": randn(6, 3)}, {"k": 2, "dim": 0, "largest": False}, grad=G)
case("topk", "k0", {"input": randn(3, 4)}, {"k": 0})
case("topk", "int64-ties", {"input": torch.tensor([[3, 1, 3, 2], [0, 0, 5, 5]])}, {"k": 2})
case("topk", "non-contiguous", {"input": randn(8, 3)}, {"k": 3, "dim": 1}, views={"input": [1, 0]}, grad=G)
case("sort", "last-dim", {"input": randn(3, 6)}, grad=G)
case("sort", "descending-dim0", {"input": randn(5, 3)}, {"dim": 0, "descending": True}, grad=G)
case("sort", "stable-ties", {"input": torch.tensor([2.0, 1.0, 2.0, 1.0, 0.0, 2.0])}, {"stable": True}, grad=G)
case("sort", "int32", {"input": ints(-20, 20, 10, dtype=torch.int32)})
case("sort", "empty", {"input": EMPTY}, {"dim": 0})
case("argsort", "last-dim", {"input": randn(3, 6)})
case("argsort", "descending", {"input": randn(3, 6)}, {"dim": 0, "descending": True})
case("unique", "sorted", {"input": ints(0, 6, 12)})
case("unique", "inverse-counts", {"input": ints(-3, 3, 3, 4)}, {"returnInverse": True, "returnCounts": True})
case("unique", "counts-only-float", {"input": torch.tensor([1.5, -0.5, 1.5, 2.0, -0.5])}, {"returnCounts": True})
case("unique", "dim0", {"input": torch.tensor([[1, 2], [3, 4], [1, 2], [0, 9]])}, {"dim": 0, "returnInverse": True})
case("unique", "bool", {"input": torch.tensor([True, False, True])})
case("any", "all-elements", {"input": torch.tensor([[0.0, 0.0], [0.0, 1.5]])})
case("any", "dim1", {"input": ints(0, 2, 3, 4).bool()}, {"dim": 1})
case("all", "dim0-keepdim-int", {"input": ints(0, 3, 3, 4)}, {"dim": 0, "keepdim": True})
case("all", "empty", {"input": EMPTY})
case("sum", "empty-dim0", {"input": EMPTY}, {"dim": 0}, grad=G)
case("mean", "non-contiguous-keepdim", {"input": randn(4, 3)}, {"dim": 1, "keepdim": True}, views={"input": [1, 0]}, grad=G)

# ---------------------------------------------------------------------------
# comparison and logic

special = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -0.0, 0.0, 2.5, -3.0])
for op in COMPARE:
    case(op, "tensor-broadcast", {"input": ints(0, 3, 3, 4).float(), "other": ints(0, 3, 4).float()})
    case(op, "float-scalar", {"input": randn(3, 4)}, {"other": 0.25})
    case(op, "int64-float-scalar", {"input": ints(-3, 3, 8)}, {"other": 0.5})
    case(op, "int-scalar-nan", {"input": special}, {"other": 0})
case("eq", "mixed-dtypes", {"input": ints(0, 3, 6), "other": ints(0, 3, 6).float()})
case("lt", "non-contiguous", {"input": randn(4, 3), "other": randn(3, 4)}, views={"input": [1, 0]})
case("maximum", "nan", {"input": special, "other": torch.zeros(8)}, grad=["input", "other"])
case("minimum", "broadcast", {"input": randn(3, 4), "other": randn(3, 1)}, grad=["input", "other"])
for op in ("logicalAnd", "logicalOr", "logicalXor"):
    case(op, "bool", {"input": ints(0, 2, 8).bool(), "other": ints(0, 2, 8).bool()})
    case(op, "float-int", {"input": special, "other": ints(0, 2, 8)})
case("logicalNot", "float", {"input": special})
case("logicalNot", "bool", {"input": ints(0, 2, 5).bool()})
for op in ("isnan", "isfinite", "isinf"):
    case(op, "specials", {"input": special})
    case(op, "int64", {"input": ints(-5, 5, 4)})
case("where", "tensors", {"condition": ints(0, 2, 3, 4).bool(), "input": randn(3, 4), "other": randn(3, 4)}, grad=["input", "other"])
case("where", "broadcast", {"condition": ints(0, 2, 3, 1).bool(), "input": randn(1, 4), "other": randn(3, 4)}, grad=["input", "other"])
case("where", "scalar-other", {"condition": ints(0, 2, 5).bool(), "input": randn(5)}, {"other": 0.0}, grad=G)
case("where", "scalars", {"condition": ints(0, 2, 5).bool()}, {"input": 1.5, "other": -2})
case("where", "int64-and-float-scalar", {"condition": ints(0, 2, 5).bool(), "input": ints(0, 9, 5)}, {"other": 0.5})
case("maskedFill", "scalar", {"input": randn(3, 4), "mask": ints(0, 2, 3, 4).bool()}, {"value": -1.5}, grad=G)
case("maskedFill", "neg-inf-broadcast-mask", {"input": randn(3, 4), "mask": ints(0, 2, 4).bool()}, {"value": -float("inf")}, grad=G)
case("maskedFill", "tensor-value", {"input": randn(3, 4), "mask": ints(0, 2, 3, 4).bool(), "value": torch.tensor(7.0)}, grad=G)
case("maskedFill", "int64", {"input": ints(0, 9, 6), "mask": ints(0, 2, 6).bool()}, {"value": 3})
case("maskedFill_", "scalar", {"input": randn(3, 4), "mask": ints(0, 2, 3, 4).bool()}, {"value": 2.0}, grad=G)
case("nonzero", "2d", {"input": ints(0, 2, 3, 4) * randn(3, 4)})
case("nonzero", "bool-1d", {"input": ints(0, 2, 9).bool()})
case("nonzero", "none", {"input": torch.zeros(2, 3)})

# ---------------------------------------------------------------------------
# selection and indexing

img = randn(3, 7, 9)
case("index", "int", {"input": randn(4, 5)}, {"indices": [2]}, grad=G)
case("index", "negative-int", {"input": randn(4, 5)}, {"indices": [-1, -2]}, grad=G)
case("index", "crop-slices", {"input": img}, {"indices": [":", [1, 6], [2, 8]]}, grad=G)
case("index", "string-slices", {"input": img}, {"indices": ["1:", "::2", "-3:"]}, grad=G)
case("index", "negative-bounds", {"input": randn(10)}, {"indices": [[-7, -2, 2]]}, grad=G)
case("index", "out-of-range-slice-clamps", {"input": randn(5)}, {"indices": [[3, 100]]}, grad=G)
case("index", "empty-slice", {"input": randn(5, 2)}, {"indices": [[4, 1]]}, grad=G)
case("index", "ellipsis-int", {"input": img}, {"indices": ["...", 0]}, grad=G)
case("index", "newaxis", {"input": randn(3, 4)}, {"indices": [None, ":", None, 1]}, grad=G)
case("index", "long-tensor", {"input": randn(5, 3), "idx": torch.tensor([4, 0, -1, 4])}, {"indices": [{"tensor": "idx"}]}, grad=G)
case("index", "bool-mask", {"input": randn(4, 3), "m": torch.tensor([True, False, True, True])}, {"indices": [{"tensor": "m"}, [0, 2]]}, grad=G)
case("index", "two-long-tensors", {"input": randn(4, 5), "i": torch.tensor([0, 3, 1]), "j": torch.tensor([4, 4, 0])},
     {"indices": [{"tensor": "i"}, {"tensor": "j"}]}, grad=G)
case("index", "non-contiguous", {"input": randn(6, 4)}, {"indices": [[1, 3], -1]}, views={"input": [1, 0]}, grad=G)
case("index", "int32-tensor", {"input": ints(0, 100, 6)}, {"indices": [[0, None, 2]]})
case("setItem", "slice-scalar", {"input": randn(4, 5)}, {"indices": [[1, 3], ":"], "value": 0.5}, grad=G)
case("setItem", "crop-tensor", {"input": img, "value": randn(3, 2, 2)}, {"indices": [":", "2:4", [-3, None, 2]]}, grad=["input", "value"])
case("setItem", "mask", {"input": randn(3, 4), "m": ints(0, 2, 3, 4).bool()}, {"indices": [{"tensor": "m"}], "value": -1}, grad=G)
case("setItem", "broadcast-row", {"input": randn(3, 4), "value": randn(4)}, {"indices": [[0, 2]]}, grad=["input", "value"])
case("setItem", "int64", {"input": ints(0, 9, 6)}, {"indices": [[None, None, 2]], "value": 7})
case("narrow", "dim1", {"input": randn(3, 6)}, {"dim": 1, "start": 2, "length": 3}, grad=G)
case("narrow", "negative-start", {"input": randn(5, 2)}, {"dim": 0, "start": -3, "length": 2}, grad=G)
case("select", "dim1", {"input": randn(3, 6)}, {"dim": 1, "index": 4}, grad=G)
case("select", "negative", {"input": randn(3, 6)}, {"dim": -2, "index": -1}, grad=G)
case("slice", "step2", {"input": randn(3, 9)}, {"dim": 1, "start": 1, "end": 8, "step": 2}, grad=G)
case("slice", "negative-open", {"input": randn(6, 2)}, {"dim": 0, "start": -4}, grad=G)
case("indexSelect", "dim0", {"input": randn(5, 3), "index": torch.tensor([4, 0, 0, 2])}, {"dim": 0}, grad=G)
case("indexSelect", "dim-1-int32-index", {"input": randn(3, 5), "index": torch.tensor([1, 3], dtype=torch.int32)}, {"dim": -1}, grad=G)
case("indexSelect", "empty-index", {"input": randn(3, 5), "index": torch.zeros(0, dtype=torch.int64)}, {"dim": 1}, grad=G)
case("gather", "dim1", {"input": randn(3, 5), "index": ints(0, 5, 3, 2)}, {"dim": 1}, grad=G)
case("gather", "dim0", {"input": randn(4, 3), "index": ints(0, 4, 2, 3)}, {"dim": 0}, grad=G)
case("scatter", "src-tensor", {"input": torch.zeros(3, 5), "index": torch.tensor([[0, 1, 2], [4, 3, 0]]), "src": randn(2, 3)}, {"dim": 1},
     grad=["input", "src"])
case("scatter", "scalar", {"input": randn(3, 4), "index": torch.tensor([[1], [0], [3]])}, {"dim": 1, "src": 9.5}, grad=G)
case("scatter", "reduce-add", {"input": randn(3, 4), "index": torch.tensor([[1, 1], [0, 2], [3, 3]]), "src": randn(3, 2)},
     {"dim": 1, "reduce": "add"})
case("scatterAdd", "duplicates", {"input": randn(3, 4), "index": torch.tensor([[1, 1, 2], [0, 0, 0], [3, 2, 3]]), "src": randn(3, 3)},
     {"dim": 1}, grad=["input", "src"])
case("take", "negative", {"input": randn(3, 4), "index": torch.tensor([[0, -1], [5, 11]])}, grad=G)
case("maskedSelect", "broadcast", {"input": randn(3, 4), "mask": ints(0, 2, 4).bool()}, grad=G)
case("indexPut_", "two-indices", {"input": torch.zeros(3, 4), "i": torch.tensor([0, 2]), "j": torch.tensor([1, 3]), "values": randn(2)},
     {"indexNames": ["i", "j"]}, grad=["input", "values"])
case("indexPut_", "accumulate-duplicates", {"input": randn(5), "i": torch.tensor([0, 0, 3]), "values": randn(3)},
     {"indexNames": ["i"], "accumulate": True}, grad=["input", "values"])
case("indexPut_", "bool-mask", {"input": randn(2, 3), "m": torch.tensor([[True, False, True], [False, False, True]]), "values": randn(3)},
     {"indexNames": ["m"]}, grad=["input", "values"])

# ---------------------------------------------------------------------------
# pointwise math

positive = randn(3, 4).abs() + 0.1
halves = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 58.5, -0.49, 0.51, 3.0])
for op in UNARY:
    domain = positive if op in ("log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal") else randn(3, 4) * 2
    differentiable = op not in ("sign", "floor", "ceil", "round", "trunc")
    case(op, "float32", {"input": domain}, grad=G if differentiable else ())
    case(op + "_", "float32", {"input": domain}, grad=G if differentiable else ())
for op in ("round", "floor", "ceil", "trunc", "frac", "sign", "abs"):
    case(op, "halves", {"input": halves})
for op in ("exp", "sqrt", "sigmoid", "sin", "abs", "neg", "sign"):
    case(op, "int64", {"input": ints(0, 5, 6)})
for op in ("exp", "tanh", "sqrt"):
    case(op, "float64-non-contiguous", {"input": randn(4, 3, dtype=torch.float64).abs()}, views={"input": [1, 0]}, grad=G)
case("log", "zero-and-negative", {"input": torch.tensor([0.0, -1.0, 1.0])})
case("pow", "scalar-2", {"input": randn(3, 4)}, {"exponent": 2}, grad=G)
case("pow", "scalar-half", {"input": positive}, {"exponent": 0.5}, grad=G)
case("pow", "tensor", {"input": positive, "exponent": randn(4)}, grad=["input", "exponent"])
case("pow", "int64-int", {"input": ints(-4, 4, 6)}, {"exponent": 3})
case("pow_", "scalar", {"input": randn(3, 4)}, {"exponent": 3}, grad=G)
case("clamp", "both", {"input": randn(3, 4) * 2}, {"min": -0.5, "max": 0.75}, grad=G)
case("clamp", "min-only", {"input": randn(3, 4)}, {"min": 0}, grad=G)
case("clamp", "max-only-int64", {"input": ints(-9, 9, 6)}, {"max": 3})
case("clamp", "tensor-bounds", {"input": randn(3, 4), "min": randn(4) - 0.5, "max": randn(3, 1) + 0.5}, grad=["input", "min", "max"])
case("clamp", "nan", {"input": special}, {"min": -1, "max": 1})
case("clamp_", "both", {"input": randn(3, 4)}, {"min": -0.2, "max": 0.2}, grad=G)
case("lerp", "scalar-weight", {"input": randn(3, 4), "end": randn(3, 4)}, {"weight": 0.3}, grad=["input", "end"])
case("lerp", "tensor-weight", {"input": randn(3, 4), "end": randn(4), "weight": torch.rand(3, 4, generator=gen)}, grad=["input", "end", "weight"])
case("lerp_", "scalar-weight", {"input": randn(3, 4), "end": randn(3, 4)}, {"weight": 0.75}, grad=["input", "end"])
case("addcmul", "value", {"input": randn(3, 4), "tensor1": randn(3, 4), "tensor2": randn(4)}, {"value": 0.5}, grad=["input", "tensor1", "tensor2"])
case("addcdiv", "default-value", {"input": randn(3, 4), "tensor1": randn(3, 4), "tensor2": positive}, grad=["input", "tensor1", "tensor2"])
case("addcdiv", "value", {"input": randn(3, 4), "tensor1": randn(3, 4), "tensor2": positive}, {"value": -2}, grad=["input", "tensor1", "tensor2"])
case("addcmul_", "value", {"input": randn(3, 4), "tensor1": randn(3, 4), "tensor2": randn(3, 4)}, {"value": 0.1}, grad=["input", "tensor1", "tensor2"])

# ---------------------------------------------------------------------------
# shapes

case("stack", "dim0", {"a": randn(2, 3), "b": randn(2, 3), "c": randn(2, 3)}, {"dim": 0}, grad=["a", "b", "c"])
case("stack", "dim-1", {"a": randn(2, 3), "b": randn(2, 3), "c": randn(2, 3)}, {"dim": -1}, grad=["a", "b", "c"])
case("stack", "int64", {"a": ints(0, 9, 4), "b": ints(0, 9, 4), "c": ints(0, 9, 4)}, {"dim": 1})
case("split", "size", {"input": randn(7, 2)}, {"splitSize": 3}, grad=G)
case("split", "sections-dim1", {"input": randn(2, 6)}, {"splitSize": [1, 0, 5], "dim": 1}, grad=G)
case("chunk", "uneven", {"input": randn(2, 7)}, {"chunks": 3, "dim": -1}, grad=G)
case("chunk", "more-than-size", {"input": randn(3)}, {"chunks": 5})
case("unbind", "dim1", {"input": randn(2, 3)}, {"dim": 1}, grad=G)
case("expand", "batch", {"input": randn(3, 1)}, {"sizes": [2, 3, 4]}, grad=G)
case("expand", "keep-minus-one", {"input": randn(1, 4)}, {"sizes": [3, -1]}, grad=G)
case("expandAs", "basic", {"input": randn(1, 4), "other": randn(3, 4)}, grad=G)
case("repeat", "tile", {"input": randn(2, 3)}, {"repeats": [2, 1, 3]}, grad=G)
case("flip", "dims", {"input": randn(2, 3, 4)}, {"dims": [0, -1]}, grad=G)
case("flip", "bool", {"input": ints(0, 2, 5).bool()}, {"dims": [0]})
case("roll", "flat", {"input": randn(3, 4)}, {"shifts": 5}, grad=G)
case("roll", "dims", {"input": randn(3, 4)}, {"shifts": [1, -2], "dims": [0, 1]}, grad=G)
case("t", "2d", {"input": randn(3, 4)}, grad=G)
case("t", "1d", {"input": randn(3)}, grad=G)
case("mm", "basic", {"input": randn(3, 5), "mat2": randn(5, 2)}, grad=["input", "mat2"])
case("mm", "non-contiguous", {"input": randn(5, 3), "mat2": randn(5, 2)}, views={"input": [1, 0]}, grad=["input", "mat2"])
case("bmm", "basic", {"input": randn(2, 3, 5), "mat2": randn(2, 5, 4)}, grad=["input", "mat2"])
case("movedim", "chw-hwc", {"input": randn(3, 4, 5)}, {"source": 0, "destination": -1}, grad=G)
case("movedim", "lists", {"input": randn(2, 3, 4, 5)}, {"source": [0, 1], "destination": [3, 0]}, grad=G)
case("squeeze", "negative-dim", {"input": randn(3, 1)}, {"dim": -1}, grad=G)
case("squeeze", "not-size-1-is-kept", {"input": randn(3, 2)}, {"dim": 0}, grad=G)
case("unsqueeze", "negative", {"input": randn(3, 2)}, {"dim": -1}, grad=G)
case("transpose", "non-contiguous", {"input": randn(3, 4, 2)}, {"dim0": 0, "dim1": 2}, views={"input": [2, 0, 1]}, grad=G)

# ---------------------------------------------------------------------------
# creation, filling, dtypes, lists

case("zerosLike", "int32", {"input": ints(0, 9, 2, 3, dtype=torch.int32)})
case("onesLike", "dtype-float64", {"input": randn(2, 3)}, {"dtype": "float64"})
case("fullLike", "float", {"input": randn(2, 3)}, {"value": -0.1})
case("fullLike", "int64-truncates", {"input": ints(0, 9, 4)}, {"value": 2.7})
case("randLike", "seeded", {"input": randn(3, 4)}, seed=11)
case("randnLike", "seeded-float64", {"input": randn(5)}, {"dtype": "float64"}, seed=12)
case("fill_", "float", {"input": randn(2, 3)}, {"value": 0.3}, grad=G)
case("fill_", "int64", {"input": ints(0, 9, 4)}, {"value": -7})
case("zero_", "float", {"input": randn(2, 3)}, grad=G)
for op in ("float", "double", "half", "long", "int", "bool"):
    case(op, "from-float32", {"input": randn(6) * 5})
case("float", "from-int64", {"input": ints(-9, 9, 4)})
case("toList", "float32-2d", {"input": randn(2, 3)})
case("toList", "int64", {"input": ints(-9, 9, 2, 2)})
case("toList", "bool", {"input": ints(0, 2, 3).bool()})
case("toList", "0d", {"input": torch.tensor(2.5)})
case("toList", "empty", {"input": torch.zeros(2, 0)})
case("toList", "non-contiguous", {"input": randn(2, 3)}, views={"input": [1, 0]})
case("size", "negative", {"input": randn(2, 3, 4)}, {"dim": -1})

factories = []


def factory(fn, args, options=None, seed=None):
    options = options or {}
    kw = {"dtype": DTYPES[options["dtype"]]} if "dtype" in options else {}
    if seed is not None:
        torch.manual_seed(seed)
    if fn == "logspace":
        t = torch.logspace(*args, base=options.get("base", 10.0), **kw)
    else:
        t = getattr(torch, fn)(*args, **kw)
    factories.append({"fn": fn, "args": args, "options": options, "seed": seed,
                      "output": ref("factory-%02d-%s" % (len(factories), fn), t)})


factory("eye", [3])
factory("eye", [2, 4], {"dtype": "int64"})
factory("linspace", [0, 1, 5])
factory("linspace", [-1.5, 2.25, 7], {"dtype": "float64"})
factory("linspace", [0, 10, 1])
factory("linspace", [3, 3, 0])
factory("logspace", [-3, 0, 4])
factory("logspace", [0, 3, 4], {"base": 2})
factory("randint", [0, 10, [4, 3]], seed=3)
factory("randint", [-5, 5, [7]], {"dtype": "int32"}, seed=4)
factory("randint", [6, [5]], seed=5)

# ---------------------------------------------------------------------------
# functional

case("pad", "constant", {"input": randn(1, 2, 3, 3)}, {"pad": [1, 2, 0, 1]}, grad=G)
case("pad", "constant-value-negative-crop", {"input": randn(2, 5)}, {"pad": [-1, 2], "value": 0.5}, grad=G)
case("pad", "reflect", {"input": randn(1, 2, 4, 5)}, {"pad": [2, 1, 3, 0], "mode": "reflect"}, grad=G)
case("pad", "replicate", {"input": randn(1, 2, 4, 5)}, {"pad": [1, 3, 2, 2], "mode": "replicate"}, grad=G)
case("pad", "reflect-3d-input", {"input": randn(2, 3, 5)}, {"pad": [2, 2], "mode": "reflect"}, grad=G)
case("pad", "int64-constant", {"input": ints(0, 9, 2, 2)}, {"pad": [1, 1], "value": 3})
case("dropout", "p0.5", {"input": randn(4, 8)}, {"p": 0.5}, seed=21, grad=G)
case("dropout", "p0.2-float64", {"input": randn(50, dtype=torch.float64)}, {"p": 0.2}, seed=22, grad=G)
case("dropout", "eval", {"input": randn(3, 3)}, {"p": 0.5, "training": False}, grad=G)
case("dropout", "p1", {"input": randn(3, 3)}, {"p": 1.0}, seed=23, grad=G)
case("softmax", "dim0", {"input": randn(3, 4)}, {"dim": 0}, grad=G)
case("logSoftmax", "dim-1-non-contiguous", {"input": randn(4, 3)}, {"dim": -1}, views={"input": [1, 0]}, grad=G)
case("avgPool2d", "k2", {"input": randn(1, 2, 6, 6)}, {"kernelSize": 2}, grad=G)
case("gelu", "exact", {"input": randn(3, 4) * 3}, grad=G)
case("gelu", "tanh", {"input": randn(3, 4) * 3}, {"approximate": "tanh"}, grad=G)
case("silu", "basic", {"input": randn(3, 4) * 3}, grad=G)
case("leakyRelu", "default", {"input": randn(3, 4)}, grad=G)
case("leakyRelu", "slope0.2", {"input": randn(3, 4)}, {"negativeSlope": 0.2}, grad=G)
case("hardtanh", "default", {"input": randn(3, 4) * 2}, grad=G)
case("hardtanh", "relu6-range", {"input": randn(3, 4) * 5}, {"minVal": 0.0, "maxVal": 6.0}, grad=G)
for red in ("mean", "sum", "none"):
    case("mseLoss", red, {"input": randn(4, 3), "target": randn(4, 3)}, {"reduction": red}, grad=["input", "target"])
    case("l1Loss", red, {"input": randn(4, 3), "target": randn(4, 3)}, {"reduction": red}, grad=["input", "target"])
    case("nllLoss", red, {"input": torch.log_softmax(randn(5, 4), 1), "target": ints(0, 4, 5), "weight": None}, {"reduction": red}, grad=G)
    case("binaryCrossEntropyWithLogits", red, {"input": randn(4, 3) * 3, "target": torch.rand(4, 3, generator=gen),
                                               "weight": None, "posWeight": None}, {"reduction": red}, grad=["input", "target"])
case("mseLoss", "broadcast-target", {"input": randn(4, 3), "target": randn(3)}, grad=["input", "target"])
case("nllLoss", "weight-ignore", {"input": torch.log_softmax(randn(6, 4), 1), "target": torch.tensor([0, 3, 1, 1, 2, 3]),
                                  "weight": torch.rand(4, generator=gen) + 0.5}, {"ignoreIndex": 1}, grad=G)
case("nllLoss", "spatial", {"input": torch.log_softmax(randn(2, 3, 4, 4), 1), "target": ints(0, 3, 2, 4, 4), "weight": None}, grad=G)
case("binaryCrossEntropyWithLogits", "weights", {"input": randn(4, 3) * 3, "target": ints(0, 2, 4, 3).float(),
                                                 "weight": torch.rand(3, generator=gen), "posWeight": torch.rand(3, generator=gen) * 3},
     grad=["input", "target"])
case("oneHot", "infer", {"input": torch.tensor([0, 3, 1, 3])})
case("oneHot", "num-classes-2d", {"input": torch.tensor([[0, 2], [1, 1]])}, {"numClasses": 5})
case("oneHot", "empty", {"input": torch.zeros(0, dtype=torch.int64)}, {"numClasses": 3})
case("normalize", "dim1", {"input": randn(4, 5)}, grad=G)
case("normalize", "p1-dim0-with-zero-row", {"input": torch.cat([randn(3, 2), torch.zeros(3, 1)], 1)}, {"p": 1, "dim": 1}, grad=G)
case("cosineSimilarity", "dim1", {"x1": randn(4, 5), "x2": randn(4, 5)}, grad=["x1", "x2"])
case("cosineSimilarity", "broadcast-dim0", {"x1": randn(5, 3), "x2": randn(5, 1)}, {"dim": 0}, grad=["x1", "x2"])

write_manifest(out, {"threads": THREADS, "cases": cases, "factories": factories})
print("ops_surface.py: %d cases, %d factories" % (len(cases), len(factories)))
