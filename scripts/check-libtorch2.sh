#!/usr/bin/env bash
# Checks this tree against PyPI's torch 2.x, by hand (never in CI: it
# downloads ~3 GB). It
#   1. installs torch==$TORCH_VERSION, torchvision and numpy into a venv
#      (reused when already there);
#   2. in a copy of the working tree, builds the addon against that torch's
#      libtorch twice: CPU-only (torch_cpu + c10, no CUDA toolkit) and
#      CUDA-linked (torch_cuda + c10_cuda with --no-as-needed), and for each
#      prints `doctor` and runs the whole test suite with that torch's own
#      Python as the parity reference (LTR_PYTHON);
#   3. packs the npm tarball with prebuilds for both and checks that an
#      offline install loads the right one (CPU and CUDA-linked) and gives the
#      source build's exact logits.
#
#   bash scripts/check-libtorch2.sh                 # torch 2.15.0
#   TORCH_VERSION=2.15.0 VENV=/opt/torch2 bash scripts/check-libtorch2.sh
#   CHECK_ONLY=cpu bash scripts/check-libtorch2.sh  # one flavour only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TORCH_VERSION=${TORCH_VERSION:-2.15.0}
VENV=${VENV:-$ROOT/.cache/torch-$TORCH_VERSION-venv}
WORK=${WORK:-$ROOT/.cache/check-libtorch2}
FLAVOURS=${CHECK_ONLY:-cpu cuda}
say() { printf '\033[1mcheck-libtorch2:\033[0m %s\n' "$*"; }

# 1. The venv: torch's own Python is the parity reference for its libtorch.
if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$TORCH_VERSION' else 1)" 2>/dev/null; then
  say "installing torch==$TORCH_VERSION torchvision numpy into $VENV (~3 GB)"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "torch==$TORCH_VERSION" torchvision numpy
fi
PY="$VENV/bin/python"
TORCH_DIR=$("$PY" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
say "torch $("$PY" -c 'import torch; print(torch.__version__)') at $TORCH_DIR"

# 2. A copy of the working tree, so the development build/ stays as it is. It
# shares .cache/ (fixtures are keyed by torch version) and ccache's entries.
mkdir -p "$WORK"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | grep -zv '^\.cache/' | xargs -0 cp --parents -t "$WORK")
rsync -a --delete "$ROOT/node_modules/" "$WORK/node_modules/" 2>/dev/null || { rm -rf "$WORK/node_modules"; cp -a "$ROOT/node_modules" "$WORK/node_modules"; }
mkdir -p "$WORK/.cache" && ln -sfn "$ROOT/.cache/fixtures" "$WORK/.cache/fixtures"
cd "$WORK"
export LTR_PYTHON="$PY" CCACHE_BASEDIR="$WORK"
unset LTR_TORCH_VERSION
results=()
failed=0
for flavour in $FLAVOURS; do
  say "building the $flavour binary against $TORCH_DIR"
  LIBTORCH="$TORCH_DIR" node scripts/cmake.mjs --out build --flavour "$flavour"
  node node_modules/typescript/bin/tsc -p tsconfig.json
  node dist/cli/main.js doctor || true
  node --input-type=module -e "
    const t = await import('$WORK/dist/lib/index.js');
    const v = t.versions();
    if (v.builtWithCuda !== ('$flavour' === 'cuda')) throw new Error('builtWithCuda is ' + v.builtWithCuda + ' for the $flavour build');
    console.log('versions:', JSON.stringify({ ...v, parallel: undefined }));"
  say "running the whole suite against $PY ($flavour binary)"
  set +e
  LTR_FRESH_CLONE=1 node node_modules/vitest/vitest.mjs run 2>&1 | tee "$WORK/suite-$flavour.log" | grep -E '^ *(✓|×|↓) .*test\.ts|FAIL|tests: '
  status=${PIPESTATUS[0]}
  set -e
  results+=("$flavour binary: $(grep -E '^tests: ' "$WORK/suite-$flavour.log" | tail -1) (exit $status)")
  [ "$status" -eq 0 ] || failed=1
done

# 3. Prebuilds for this torch (CPU and CUDA-linked) in the tarball, installed
# offline, each giving the source build's logits (the last build above).
say "packing with prebuilds for $TORCH_DIR"
rm -f "$WORK"/*.tgz
LTR_PREBUILD_LIBTORCH="$TORCH_DIR" npm pack --pack-destination "$WORK" >/dev/null
project="$WORK/project"
rm -rf "$project" && mkdir -p "$project"
echo '{"name":"p","version":"1.0.0","type":"module","private":true}' >"$project/package.json"
(cd "$project" && npm install --offline --no-audit --no-fund "$WORK"/libtorch-resnet-*.tgz >/dev/null)
check='
const t = await import(process.argv[1]);
const { resnet18 } = await import(process.argv[2]);
t.setNumThreads(1); t.manualSeed(0);
const m = resnet18({ numClasses: 10 }); m.eval();
const y = t.noGrad(() => m.forward(t.randn([2, 3, 64, 64])));
const v = t.versions();
console.log(JSON.stringify({ sha: (await import("node:crypto")).createHash("sha256").update(Buffer.from(y.toArray().buffer)).digest("hex"), prebuilt: v.prebuilt, builtWithCuda: v.builtWithCuda, cudaAvailable: v.cudaAvailable, libtorch: v.libtorch }));'
source_sha=$(node --input-type=module -e "$check" "$WORK/dist/lib/index.js" "$WORK/dist/resnet/index.js")
for flavour in cpu cuda; do
  pkg="$project/node_modules/libtorch-resnet"
  got=$(cd "$project" && LIBTORCH_USE_PYTORCH=1 LTR_FLAVOUR=$([ "$flavour" = cpu ] && echo cpu || echo auto) \
        node --input-type=module -e "$check" "$pkg/dist/lib/index.js" "$pkg/dist/resnet/index.js")
  same=$([ "$(echo "$got" | sed 's/.*"sha":"\([0-9a-f]*\)".*/\1/')" = "$(echo "$source_sha" | sed 's/.*"sha":"\([0-9a-f]*\)".*/\1/')" ] && echo "equal to the source build" || echo "DIFFERENT from the source build")
  results+=("prebuilt $flavour binary (offline install): $got, logits $same")
  [ "$same" = "equal to the source build" ] || failed=1
done
say "results"
printf '  %s\n' "${results[@]}"
exit $failed
