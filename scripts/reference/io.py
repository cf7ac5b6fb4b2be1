"""Checkpoint I/O reference (lib/io): files Python writes for TS to read, and checks of files TS wrote.

    io.py OUTDIR                  fixtures: .pth (torch.save), .safetensors (a hand-written writer:
                                  Debian's torch has no safetensors package), .npy (numpy.save), the
                                  raw bytes of every tensor, and bad files only torch can make
    io.py --check SPEC.json       loads the files TS saved, compares them with the reference, prints JSON

Raw bytes: every reference tensor is also written as <name>.bin (C order, little-endian;
bfloat16/float16 as their 16-bit patterns) and described in tensors.json, so TS can compare
bit for bit without going through any loader.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch
import torchvision

from common import THREADS

DTYPE_NAMES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
    torch.uint8: "uint8", torch.bool: "bool",
}
ST_NAMES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
}
ST_DTYPES = {v: k for k, v in ST_NAMES.items()}


def raw_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def from_raw(data, dtype, shape):
    if dtype in (torch.bfloat16, torch.float16):
        return torch.from_numpy(np.frombuffer(data, dtype=np.int16).copy()).view(dtype).reshape(shape)
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    return torch.from_numpy(np.frombuffer(data, dtype=np_dtype).copy()).reshape(shape)


def write_safetensors(path, tensors, metadata=None):
    """A safetensors writer by the spec: u64 header length, JSON header, then the tensors' bytes."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        b = raw_bytes(t)
        header[name] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """The matching reader, for checking files TS wrote (strict: tensors tile the buffer)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    out = collections.OrderedDict()
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        spans.append((b, e))
        out[name] = from_raw(buf[b:e], ST_DTYPES[info["dtype"]], info["shape"])
    pos = 0
    for b, e in sorted(spans):
        assert b == pos, "hole or overlap in the safetensors buffer"
        pos = e
    assert pos == len(buf), "bytes after the last tensor"
    return out, header.get("__metadata__")


def reference_tensors():
    """One tensor of every supported dtype, plus the awkward shapes and values."""
    g = torch.Generator().manual_seed(0)
    t = collections.OrderedDict()
    t["f32"] = torch.randn(3, 4, generator=g)
    t["f64"] = torch.randn(2, 3, generator=g, dtype=torch.float64)
    t["f16"] = torch.randn(5, generator=g).to(torch.float16)
    t["bf16"] = torch.randn(2, 2, 2, generator=g).to(torch.bfloat16)
    t["i64"] = torch.tensor([0, 1, -1, 2**53 + 1, -(2**62), 2**63 - 1], dtype=torch.int64)
    t["i32"] = torch.tensor([[0, -7], [2**31 - 1, -(2**31)]], dtype=torch.int32)
    t["u8"] = torch.arange(0, 256, dtype=torch.uint8)
    t["bool"] = torch.tensor([True, False, True, True])
    t["scalar"] = torch.tensor(3.5)
    t["empty"] = torch.zeros(0, 3)
    # Bit patterns that a lossy path would change.
    t["special"] = torch.tensor([float("nan"), float("inf"), float("-inf"), -0.0, 1e-45, 3.4028235e38])
    t["special_f16"] = torch.tensor([0x7C01, 0xFC00 - 65536, 0x8000 - 65536, 0x0001, 0x7BFF], dtype=torch.int16).view(torch.float16)
    t["special_bf16"] = torch.tensor([0x7FC1, 0xFF80 - 65536, 0x8000 - 65536, 0x0001], dtype=torch.int16).view(torch.bfloat16)
    t["conv.weight"] = torch.randn(8, 3, 3, 3, generator=g)
    return t


def save_reference(out, tensors, prefix):
    manifest = {}
    for name, t in tensors.items():
        fname = f"{prefix}{name}.bin"
        with open(os.path.join(out, fname), "wb") as f:
            f.write(raw_bytes(t))
        manifest[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "file": fname}
    return manifest


def make_views():
    """Tensors that are views: offsets, strides and storages shared as torch.save keeps them."""
    base = torch.arange(20, dtype=torch.float32).reshape(4, 5)
    return collections.OrderedDict(
        base=base,
        rows=base[1:3],            # storage offset 5
        transposed=base.t(),       # strides (1, 5)
        column=base[:, 2],         # offset 2, stride 5
        expanded=torch.tensor([7.0]).expand(3, 2),  # stride 0
    )


def rezip(src, dst, edit):
    """Copies a zip archive record by record, letting `edit(name, data)` change or drop records."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            result = edit(info.filename, data)
            if result is None:
                continue
            name, data, compress = result
            zout.writestr(zipfile.ZipInfo(name), data, compress_type=compress)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/libtorch-resnet-pwned",))


def make_fixtures(out):
    torch.set_num_threads(THREADS)
    os.makedirs(out, exist_ok=True)
    ref = reference_tensors()
    views = make_views()
    manifest = {"tensors": save_reference(out, ref, "ref_"), "views": save_reference(out, views, "view_")}

    # torch.save of a state dict (OrderedDict), protocol 2 as torch writes it, and protocol 4.
    torch.save(ref, os.path.join(out, "tensors.pth"))
    torch.save(ref, os.path.join(out, "tensors_p4.pth"), pickle_protocol=4)
    torch.save(views, os.path.join(out, "views.pth"))
    torch.save(collections.OrderedDict(w=torch.nn.Parameter(torch.randn(2, 3))), os.path.join(out, "parameter.pth"))
    write_safetensors(os.path.join(out, "tensors.safetensors"), ref, {"format": "pt", "source": "io.py"})
    write_safetensors(os.path.join(out, "empty.safetensors"), {})

    # resnet18 / resnet50 as torchvision makes them (random init stands in for the published weights:
    # same keys, same format as resnet50-0676ba61.pth). Running stats perturbed so they matter.
    torch.manual_seed(1)
    for arch in ("resnet18", "resnet50"):
        model = getattr(torchvision.models, arch)()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.1, 0.1)
                    m.running_var.uniform_(0.5, 1.5)
                    m.num_batches_tracked.fill_(5)
        model.eval()
        x = torch.randn(2, 3, 64, 64)
        with torch.no_grad():
            y = model(x)
        torch.save(model.state_dict(), os.path.join(out, f"{arch}.pth"))
        np.save(os.path.join(out, f"{arch}_input.npy"), x.numpy())
        np.save(os.path.join(out, f"{arch}_output.npy"), y.numpy())
        if arch == "resnet18":
            # A training checkpoint: model + optimizer (momentum buffers) + scalars, nested.
            opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            model.train()
            model(x).sum().backward()
            opt.step()
            ckpt = {
                "epoch": 7,
                "state_dict": model.state_dict(),
                "optimizer": opt.state_dict(),
                "best_acc": 0.8125,
                "arch": "resnet18",
                "history": [0.5, 0.75, 0.8125],
                "flags": (True, None, -3),
                "big": 2**70,
            }
            torch.save(ckpt, os.path.join(out, "checkpoint.pth"))
            torch.save({"model": model.state_dict(), "epoch": 1}, os.path.join(out, "checkpoint_model.pth"))
            manifest["checkpoint_momentum_0"] = save_reference(
                out, {"m0": opt.state_dict()["state"][0]["momentum_buffer"]}, "ckpt_")["m0"]
            manifest["checkpoint_fc_weight"] = save_reference(out, {"fc": model.state_dict()["fc.weight"]}, "ckpt_")["fc"]

    # numpy.save in the layouts numpy writes.
    g = torch.Generator().manual_seed(2)
    arrays = {
        "f32": torch.randn(3, 4, generator=g).numpy(),
        "f64": torch.randn(5, generator=g, dtype=torch.float64).numpy(),
        "f16": torch.randn(2, 3, generator=g).half().numpy(),
        "i64": np.array([[1, -2], [2**62, -(2**63)]], dtype=np.int64),
        "i32": np.array([5, -6, 7], dtype=np.int32),
        "u8": np.arange(10, dtype=np.uint8).reshape(2, 5),
        "bool": np.array([True, False, False]),
        "scalar": np.array(2.25, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }
    npy = {}
    for name, a in arrays.items():
        np.save(os.path.join(out, f"np_{name}.npy"), a)
        with open(os.path.join(out, f"np_{name}.bin"), "wb") as f:
            f.write(a.tobytes())
        npy[name] = {"dtype": {"float32": "float32", "float64": "float64", "float16": "float16", "int64": "int64",
                               "int32": "int32", "uint8": "uint8", "bool": "bool"}[str(a.dtype)],
                     "shape": list(a.shape), "file": f"np_{name}.bin"}
    with open(os.path.join(out, "np_v2.npy"), "wb") as f:
        np.lib.format.write_array(f, arrays["f32"], version=(2, 0))
    npy["v2"] = dict(npy["f32"], npy="np_v2.npy")
    manifest["npy"] = npy

    # Bad files only Python makes easily.
    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    np.save(os.path.join(bad, "fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    np.save(os.path.join(bad, "object.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(os.path.join(bad, "bigendian.npy"), np.arange(4, dtype=">f4"))
    np.save(os.path.join(bad, "int8.npy"), np.arange(4, dtype=np.int8))
    small = collections.OrderedDict(w=torch.randn(2, 2))
    torch.save(small, os.path.join(bad, "legacy.pth"), _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), os.path.join(bad, "torchscript.pt"))
    torch.save(torch.nn.Linear(2, 2), os.path.join(bad, "whole_module.pth"))
    torch.save({"w": torch.zeros(2, dtype=torch.int8)}, os.path.join(bad, "int8.pth"))
    torch.save({"w": torch.zeros(2, dtype=torch.complex64)}, os.path.join(bad, "complex.pth"))
    torch.save([torch.zeros(2), 3], os.path.join(bad, "list_top.pth"))
    torch.save({"a": torch.zeros(2), "epoch": 3}, os.path.join(bad, "mixed.pth"))
    good = os.path.join(bad, "_good.pth")
    torch.save(small, good)

    # A data.pkl that would run os.system under Python's plain pickle.
    def evil(name, data):
        if name.endswith("data.pkl"):
            return name, pickle.dumps({"w": Evil()}, protocol=2), zipfile.ZIP_STORED
        return name, data, zipfile.ZIP_STORED
    rezip(good, os.path.join(bad, "evil_os_system.pth"), evil)
    # Same archive, records deflated (torch.save never compresses).
    rezip(good, os.path.join(bad, "deflated.pth"), lambda n, d: (n, d, zipfile.ZIP_DEFLATED))
    # A byteorder record saying big-endian (PyTorch >= 2.1 writes this record).
    # A torch that writes the record already gets it rewritten; an older one gets it added.
    def big(name, data):
        return name, (b"big" if name.endswith("/byteorder") else data), zipfile.ZIP_STORED
    rezip(good, os.path.join(bad, "byteorder_big.pth"), big)
    with zipfile.ZipFile(os.path.join(bad, "byteorder_big.pth"), "a") as z:
        if not any(n.endswith("/byteorder") for n in z.namelist()):
            root = z.namelist()[0].split("/")[0]
            z.writestr(f"{root}/byteorder", "big")
    # A storage record missing.
    rezip(good, os.path.join(bad, "missing_storage.pth"), lambda n, d: None if "/data/" in n else (n, d, zipfile.ZIP_STORED))
    # A storage record shorter than the storage it claims.
    rezip(good, os.path.join(bad, "short_storage.pth"), lambda n, d: (n, d[:-4] if "/data/" in n else d, zipfile.ZIP_STORED))
    # A tensor whose size/stride reach past its storage.
    class BadView:
        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2, (FakeStorage(), 2, (2, 2), (2, 1), False, collections.OrderedDict()))
    class FakeStorage:
        pass
    def persistent_id(obj):
        if isinstance(obj, FakeStorage):
            return ("storage", torch.FloatStorage, "0", "cpu", 4)
        return None
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)
    p.persistent_id = persistent_id
    p.dump(collections.OrderedDict(w=BadView()))
    rezip(good, os.path.join(bad, "view_out_of_bounds.pth"),
          lambda n, d: (n, buf.getvalue() if n.endswith("data.pkl") else d, zipfile.ZIP_STORED))

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def check(spec_path):
    """Loads the files TS wrote and compares them with the reference: prints {"name": "ok" | problem}."""
    with open(spec_path) as f:
        spec = json.load(f)
    torch.set_num_threads(THREADS)
    results = {}

    def compare(label, got, want):
        if set(got.keys()) != set(want.keys()):
            results[label] = f"keys differ: {sorted(set(got) ^ set(want))}"
            return
        if list(got.keys()) != list(want.keys()):
            results[label] = "key order differs"
            return
        for k in want:
            a, b = got[k], want[k]
            if a.dtype != b.dtype or a.shape != b.shape:
                results[label] = f"{k}: {a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}"
                return
            if raw_bytes(a) != raw_bytes(b):
                results[label] = f"{k}: bytes differ"
                return
        results[label] = "ok"

    want = torch.load(spec["reference"])
    for label, path in spec.get("pth", {}).items():
        try:
            compare(label, torch.load(path), want)
            compare(label + ":weights_only", torch.load(path, weights_only=True), want)
        except Exception as e:  # noqa: BLE001 - reported to the test
            results[label] = f"{type(e).__name__}: {e}"
    for label, path in spec.get("safetensors", {}).items():
        try:
            got, meta = read_safetensors(path)
            compare(label, got, want)
            if meta != {"format": "pt"}:
                results[label] = f"metadata {meta}"
        except Exception as e:  # noqa: BLE001
            results[label] = f"{type(e).__name__}: {e}"
    for label, (path, key) in spec.get("npy", {}).items():
        try:
            a = torch.from_numpy(np.load(path))
            b = want[key]
            results[label] = "ok" if a.dtype == b.dtype and a.shape == b.shape and raw_bytes(a) == raw_bytes(b) else "differs"
        except Exception as e:  # noqa: BLE001
            results[label] = f"{type(e).__name__}: {e}"
    # A whole resnet: load strictly into torchvision, compare eval outputs with what TS computed.
    for label, item in spec.get("resnet", {}).items():
        try:
            if item["path"].endswith(".safetensors"):
                sd, _ = read_safetensors(item["path"])
            else:
                sd = torch.load(item["path"], weights_only=True)
            model = getattr(torchvision.models, item["arch"])()
            model.load_state_dict(sd, strict=True)
            model.eval()
            x = torch.from_numpy(np.load(item["input"]))
            with torch.no_grad():
                y = model(x)
            y_ts = torch.from_numpy(np.load(item["output"]))
            results[label] = "ok" if torch.equal(y, y_ts) else f"outputs differ by {(y - y_ts).abs().max().item()}"
        except Exception as e:  # noqa: BLE001
            results[label] = f"{type(e).__name__}: {e}"
    # Nested checkpoints: the values come back as Python types.
    for label, item in spec.get("checkpoint", {}).items():
        try:
            got = torch.load(item["path"], weights_only=item.get("weights_only", True))
            results[label] = {"repr": summarize(got)}
        except Exception as e:  # noqa: BLE001
            results[label] = f"{type(e).__name__}: {e}"
    print(json.dumps(results))


def summarize(v):
    """A JSON description of a loaded object (types kept: int vs float, tuple vs list)."""
    if isinstance(v, torch.Tensor):
        return {"tensor": DTYPE_NAMES.get(v.dtype, str(v.dtype)), "shape": list(v.shape), "values": v.double().flatten().tolist()[:8]}
    if isinstance(v, dict):
        return {"dict": [[summarize(k), summarize(x)] for k, x in v.items()]}
    if isinstance(v, (list, tuple)):
        return {type(v).__name__: [summarize(x) for x in v]}
    if isinstance(v, (bool, str)) or v is None:
        return v
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    return {type(v).__name__: repr(v)}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make_fixtures(sys.argv[1])
