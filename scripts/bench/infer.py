"""The PyTorch side of `npm run bench` (eager, or frozen: torch.jit.freeze + optimize_for_inference).

usage: infer.py '{"mode": "eager"|"frozen", "arch", "weights", "input", "threads", "warmup",
                  "minIters", "maxIters", "budgetMs", "out"?, "cold"?}'
Same protocol as infer.ts: with "cold", prints FIRST as soon as the first output exists; otherwise
times forwards (warm-up calls first, then at least minIters and at most maxIters calls, stopping
once budgetMs has passed) and prints one JSON line {"ms", "median_ms", "maxrss_mb", "import_ms"}.
"""
import json
import resource
import sys
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

import_ms = (time.perf_counter() - t0) * 1000
job = json.loads(sys.argv[1])
torch.set_num_threads(job["threads"])
model = getattr(torchvision.models, job["arch"])()
model.load_state_dict(torch.load(job["weights"]))
model.eval()
x = torch.from_numpy(np.load(job["input"]))
if job["mode"] == "frozen":
    with torch.no_grad():
        model = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
elif job["mode"] != "eager":
    raise SystemExit(f"infer.py: unknown mode {job['mode']!r}")


def forward():
    with torch.no_grad():
        return model(x)


if job.get("cold"):
    forward()
    print("FIRST", flush=True)
    print(json.dumps({"import_ms": import_ms}))
    sys.exit(0)

for _ in range(job["warmup"]):
    forward()
times = []
start = time.perf_counter()
while len(times) < job["maxIters"] and (len(times) < job["minIters"] or (time.perf_counter() - start) * 1000 < job["budgetMs"]):
    t = time.perf_counter()
    y = forward()
    times.append((time.perf_counter() - t) * 1000)
if job.get("out"):
    np.save(job["out"], y.contiguous().numpy())
maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ms": times, "median_ms": sorted(times)[len(times) // 2], "maxrss_mb": maxrss_mb, "import_ms": import_ms,
                  "torch": torch.__version__}))
