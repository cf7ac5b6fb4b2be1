#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of the addon's own code
# (issue #9), run under node with libasan preloaded (node itself and libtorch
# are not instrumented; ASan still checks every access our code makes, and
# UBSan every overflow, shift, bad cast and null/misaligned pointer in it).
#
#   bash scripts/sanitize.sh [vitest args...]
#   default: the test files that drive the addon hardest (error paths, tensor
#   conversions, io, hardening, the API fuzz test); pass test files to choose.
#
# The build goes to build-asan/ (the normal build/ is untouched). The tests
# run from a scratch copy of the package whose build/Release holds the
# sanitized addon, so the normal loader picks it up unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
test -d node_modules && test -f dist/lib/index.js || bash scripts/setup.sh

say() { printf '\033[1msanitize:\033[0m %s\n' "$*"; }
say "building the addon with -fsanitize=address,undefined into build-asan/"
node scripts/cmake.mjs --out build-asan -D LTR_SANITIZE=ON >build-asan.log 2>&1 || { cat build-asan.log >&2; exit 1; }
rm -f build-asan.log

LIBASAN=$(g++ -print-file-name=libasan.so)
LIBUBSAN=$(g++ -print-file-name=libubsan.so)
test -f "$LIBASAN" || { echo "sanitize: libasan not found (install g++'s libasan)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ltr-sanitize.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -r package.json tsconfig.json vitest.config.ts lib resnet cli scripts test dist "$WORK/"
ln -s "$ROOT/node_modules" "$WORK/node_modules"
test -e .cache && ln -s "$(readlink -f .cache)" "$WORK/.cache"
mkdir -p "$WORK/build/Release"
cp build-asan/Release/libtorch_resnet.node build-asan/Release/libtorch_resnet.json "$WORK/build/Release/"
cp -r build/.libtorch "$WORK/build/" 2>/dev/null || true

REPORTS=$WORK/reports
mkdir -p "$REPORTS"
# detect_leaks=0: node and V8 keep allocations until exit by design; what we
# want are invalid accesses and UB. halt_on_error=0 keeps the run going and
# logs every finding; each finding's file is printed at the end.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=0:abort_on_error=0:alloc_dealloc_mismatch=0:allocator_may_return_null=1:max_allocation_size_mb=3072:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0:log_path=$REPORTS/ubsan"
export LD_PRELOAD="$LIBASAN $LIBUBSAN"
export LTR_FRESH_CLONE=1
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(test/errors.test.ts test/tensor.test.ts test/io-bad-files.test.ts test/io.test.ts test/data.test.ts test/hardening.test.ts test/fuzz-api.test.ts test/smoke.test.ts)
fi
say "running ${files[*]} under ASan/UBSan"
set +e
(cd "$WORK" && npx --no-install vitest run "${files[@]}")
status=$?
set -e
unset LD_PRELOAD
# Only reports that involve our code count (libtorch_resnet.node / native/*.cc).
found=0
for f in "$REPORTS"/*; do
  [ -e "$f" ] || continue
  if grep -q 'native/\|libtorch_resnet' "$f"; then
    found=$((found + 1))
    echo "---- $(basename "$f")"; cat "$f"
  fi
done
say "tests exit status $status; sanitizer reports involving the addon: $found"
[ "$status" -eq 0 ] && [ "$found" -eq 0 ]
