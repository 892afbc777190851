#!/usr/bin/env bash
# Fetch the official ONNX backend node tests (model.onnx + test_data_set_*/{input,output}_N.pb)
# into CACHE_DIR/onnx-node-tests/<test_name>/.
#
# Usage: scripts/fetch_onnx_node_tests.sh [CACHE_DIR]   (default: .cache)
#
# The tests ship inside the onnx wheel, so we take them from there rather than cloning the onnx
# repository: a wheel is one pinned, checksummed download from PyPI, which is the only source
# of test data this machine can reach. Nothing is installed; the wheel is only unpacked.
set -euo pipefail

ONNX_VERSION=1.17.0   # must match the version the manifest (Tests/ONNXTests/node-tests.txt) was made from
CACHE_DIR=${1:-.cache}
WHEELS="$CACHE_DIR/wheels"
DEST="$CACHE_DIR/onnx-node-tests"
STAMP="$DEST/.onnx-$ONNX_VERSION"

# Idempotent: the stamp is written only after a complete extraction, so a half-finished run
# (interrupted download or unpack) is redone rather than trusted.
if [[ -f "$STAMP" ]]; then
    echo "ONNX $ONNX_VERSION node tests already in $DEST"
    exit 0
fi

# Prefer the project venv (same pip the rest of the tooling uses); fall back to the system
# python so the script also works before `make deps` has created .venv.
VENV_PY="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python"
if [[ -x "$VENV_PY" ]] && "$VENV_PY" -m pip --version >/dev/null 2>&1; then
    PY=$VENV_PY
else
    PY=python3
fi

# --only-binary: never fall back to the sdist, whose metadata pip would have to prepare with onnx's
# native build chain (cmake, protobuf) just to download it. The test data is the same in every
# platform's wheel, so whichever wheel pip picks for this interpreter will do.
mkdir -p "$WHEELS"
"$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
    "onnx==$ONNX_VERSION" -d "$WHEELS"

WHEEL=$(ls "$WHEELS"/onnx-"$ONNX_VERSION"-*.whl | head -n 1)

# Python's zipfile rather than unzip: unzip is not part of a minimal Debian image. Extract into a
# temporary directory and rename it into place so DEST never holds a partial set.
rm -rf "$DEST" "$DEST.tmp"
"$PY" - "$WHEEL" "$DEST.tmp" <<'PYEOF'
import os, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
prefix = "onnx/backend/test/data/node/"
count = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        # Guard against path traversal in archive member names.
        if rel.startswith("/") or ".." in rel.split("/"):
            sys.exit(f"unsafe path in wheel: {info.filename}")
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as out:
            out.write(src.read())
        count += 1
if count == 0:
    sys.exit(f"no files under {prefix} in {wheel}")
print(f"extracted {count} files")
PYEOF
mv "$DEST.tmp" "$DEST"
touch "$STAMP"
echo "ONNX $ONNX_VERSION node tests: $(find "$DEST" -mindepth 1 -maxdepth 1 -type d | wc -l) tests in $DEST"
