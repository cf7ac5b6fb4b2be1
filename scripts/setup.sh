#!/usr/bin/env bash
# Makes a fresh Debian 12 checkout ready: installs the system packages that
# are missing, installs the npm dependencies when they changed, builds the
# native addon (incrementally) and compiles the TypeScript. Safe to run again:
# on a ready machine it only checks, and finishes in seconds.
#
#   LIBTORCH=/path bash scripts/setup.sh   # build against another libtorch
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# libtorch-dev: the C++ library and headers we build against (CPU, 1.13).
# python3-torch / python3-torchvision: the reference the parity tests compare
#   with; it loads the same libtorch_cpu.so, which is why results match exactly.
# libopenblas0-openmp: without an optimized BLAS, libtorch's matmul is ~30x slower.
# dataset-fashion-mnist: the data set the training demo uses.
# ccache: keeps rebuilds of the addon short.
# libgloo-dev: Gloo's headers, for torch.distributed's process group (native/distributed.cc).
# libdnnl-dev: oneDNN's headers, for the fast mode's executor (native/inference_onednn.cc; the
#   libdnnl2 it links is libtorch's own).
PACKAGES=(libtorch-dev python3-torch python3-torchvision python3-numpy libopenblas0-openmp dataset-fashion-mnist ccache cmake ninja-build g++ libgloo-dev libdnnl-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm dependencies, at the locked versions, only when the lock file is newer
# than the install. (`npm install --no-save` rather than `npm ci`: npm 11.19
# leaves other platforms' optional packages (rollup's) out of the lock file and
# then refuses its own lock in `npm ci`.)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm install --no-save --no-audit --no-fund
fi

# Native addon. A different LIBTORCH than last time needs a clean configure.
stamp=build/.libtorch
want="${LIBTORCH:-system}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$want" ]; then
  say "libtorch changed ($(cat "$stamp") -> $want): reconfiguring"
  rm -rf build
fi
mkdir -p build .cache
# One build at a time: parallel `npm test` runs share build/.
exec 9>.cache/build-lock
flock 9
# The log lives outside build/, so nothing that cleans build/ can take it.
log=.cache/setup-build.log
# With CCACHE_BASEDIR, compile lines use relative paths, so other checkouts and
# the prebuild folders (build-<tag>/) share ccache's entries.
if ! CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" node scripts/cmake.mjs >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: the native build failed (the compiler's messages are above; also in $log)" >&2
  exit 1
fi
grep -qE 'Building CXX|Linking CXX' "$log" && say "native addon built"
mkdir -p build
printf '%s' "$want" > "$stamp"
flock -u 9

# TypeScript -> dist/ (so plain `node` can import the package).
npx --no-install tsc -p tsconfig.json
say "ready (libtorch: $want)"
