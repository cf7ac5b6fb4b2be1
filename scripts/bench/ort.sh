# Sourced by scripts/bench.sh and scripts/bench-serve.sh: makes sure onnxruntime-node
# $ORT_VERSION is in the ignored cache folder .cache/bench-ort, installing it from npm on first
# use (its CPU binaries ship in the package; the CUDA download is skipped). It is never a
# dependency of the package and never part of npm test. Exports BENCH_ORT_DIR when it is there;
# leaves it unset, and says so, when it cannot be installed (the comparison is then skipped).
ORT_VERSION="${ORT_VERSION:-1.30.0}"
ort_dir=.cache/bench-ort
ort_installed=$(node -p "require('./$ort_dir/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
if [ "$ort_installed" != "$ORT_VERSION" ]; then
  mkdir -p "$ort_dir"
  ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --no-save --no-audit --no-fund --prefix "$ort_dir" \
    --onnxruntime-node-install-cuda=skip "onnxruntime-node@$ORT_VERSION" >/dev/null 2>&1 ||
    echo "onnxruntime-node $ORT_VERSION could not be installed into $ort_dir; skipping the onnxruntime comparison" >&2
fi
if [ -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  export BENCH_ORT_DIR="$PWD/$ort_dir"
else
  unset BENCH_ORT_DIR
fi
