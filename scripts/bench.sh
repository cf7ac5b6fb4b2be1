#!/usr/bin/env bash
# `npm run bench`: this library (exact path, and the fast mode when the build has
# optimizeForInference), PyTorch eager and frozen, and onnxruntime-node, side by side on this
# machine. The Python reference (LTR_PYTHON, else /usr/bin/python3) saves seeded weights, the
# inputs and an ONNX export of the same weights into .cache/bench/assets once; every contender
# loads those. The report is printed and written to .cache/bench/last.md (raw figures: last.json).
#
#   npm run bench                      # everything, 3 rounds (long: tens of minutes on 2 cores)
#   npm run bench -- --quick           # a few cases, 1 round
#   npm run bench -- --list            # the case ids; --cases 'r50-224-b8-*,cold-*' selects
#   npm run bench -- --help
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
case " $* " in *" --list "* | *" --help "*) exec node dist/scripts/bench/main.js "$@" ;; esac
python="${LTR_PYTHON:-/usr/bin/python3}"
"$python" scripts/bench/prepare.py .cache/bench/assets
if ! ls .cache/bench/assets/resnet{18-224,18-32,50-224}.onnx >/dev/null 2>&1 && [ "$python" != /usr/bin/python3 ] && [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 scripts/bench/prepare.py .cache/bench/assets --onnx-only || true
fi
source scripts/bench/ort.sh
node dist/scripts/bench/main.js "$@"
