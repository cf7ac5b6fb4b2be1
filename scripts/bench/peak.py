"""The machine's peak GFLOP/s assumption of `npm run bench`: a measured sgemm.

usage: peak.py THREADS...
torch.mm on 2048x2048 float32 (libtorch's BLAS, OpenBLAS here), 2 * n^3 flops per call, at each
thread count; the best of 10 calls after 2 warm-up calls (the best, because the FLOP bound is a
bound: noise from other processes only makes calls slower). Prints one JSON line:
{"method": ..., "gflops": {"1": ..., "2": ...}, "nominal": ...}, where nominal is the per-core
figure from /proc/cpuinfo: the clock it states x the fp32 FLOPs per cycle of two FMA units at the
widest vector width the flags list (a rough cross-check: turbo clocks exceed it, and not every
core with avx512f has two 512-bit FMA units).
"""
import json
import os
import sys
import time

import torch

n = 2048
a, b = torch.randn(n, n), torch.randn(n, n)
gflops = {}
for threads in map(int, sys.argv[1:]):
    torch.set_num_threads(threads)
    for _ in range(2):
        torch.mm(a, b)
    best = float("inf")
    for _ in range(10):
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
    gflops[str(threads)] = 2 * n**3 / best / 1e9
# BLAS_INFO=generic is a system libblas.so.3 (Debian's alternatives pick the implementation);
# otherwise the build names its own (mkl for PyPI's wheels).
config = torch.__config__.show()
blas = config.split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in config else "unknown"
if blas == "generic" and os.path.exists("/usr/lib/x86_64-linux-gnu/libblas.so.3"):
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
method = f"best of 10 torch.mm {n}x{n} float32 (torch {torch.__version__}, BLAS {blas})"
nominal = None
try:
    with open("/proc/cpuinfo") as f:
        info = f.read()
    flags = set(next(l for l in info.splitlines() if l.startswith("flags")).split(":")[1].split())
    mhz = float(next(l for l in info.splitlines() if l.startswith("cpu MHz")).split(":")[1])
    width = 16 if "avx512f" in flags else 8 if "avx2" in flags and "fma" in flags else 4
    nominal = {"gflops": 2 * 2 * width * mhz / 1000, "how": f"2 FMA units x {width} fp32 lanes x 2 x {mhz:.0f} MHz"}
except (OSError, StopIteration, ValueError):
    pass
print(json.dumps({"method": method, "gflops": gflops, "nominal": nominal}))
