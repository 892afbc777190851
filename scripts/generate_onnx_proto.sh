#!/usr/bin/env bash
# Regenerate Sources/ONNX/Generated/onnx.pb.swift from onnx's onnx.proto.
#
# Usage: scripts/generate_onnx_proto.sh        (from anywhere; works relative to the repo root)
#
# Run by hand when the ONNX schema version or the swift-protobuf pin changes, then commit the
# output. CI never runs this: the generated file is checked in so that builds need neither protoc
# nor a from-source build of the protoc-gen-swift plugin.
set -euo pipefail

ONNX_VERSION=1.17.0   # keep in step with scripts/fetch_onnx_node_tests.sh
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WHEELS=.cache/wheels
OUT=Sources/ONNX/Generated/onnx.pb.swift
# Separate scratch path (ignored by .gitignore's .build-*/) so the plugin build neither shares
# nor invalidates the main package's .build.
PLUGIN_BUILD=.build-protoc-gen-swift
SWIFT_PROTOBUF=.build/checkouts/swift-protobuf

# protoc only parses the .proto and hands it to the plugin; any 3.x+ is fine for a proto2 file.
if ! command -v protoc >/dev/null; then
    echo "protoc not found; installing protobuf-compiler with apt-get" >&2
    SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update
    $SUDO apt-get install -y protobuf-compiler
fi

# Same interpreter choice as fetch_onnx_node_tests.sh: project venv first, system python otherwise.
if [[ -x .venv/bin/python ]] && .venv/bin/python -m pip --version >/dev/null 2>&1; then
    PY=.venv/bin/python
else
    PY=python3
fi

# The schema comes from the onnx wheel (a pinned PyPI download), not a clone of the onnx repo.
# --only-binary: never let pip build the sdist (cmake + protobuf) just to fetch it.
shopt -s nullglob
wheels=("$WHEELS"/onnx-"$ONNX_VERSION"-*.whl)
if (( ${#wheels[@]} == 0 )); then
    mkdir -p "$WHEELS"
    "$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        "onnx==$ONNX_VERSION" -d "$WHEELS"
    wheels=("$WHEELS"/onnx-"$ONNX_VERSION"-*.whl)
fi
(( ${#wheels[@]} > 0 )) || { echo "no onnx $ONNX_VERSION wheel in $WHEELS" >&2; exit 1; }

# The plugin must match the SwiftProtobuf runtime we link against (the generated code checks the
# API version at compile time), so build it from the very checkout Package.resolved pins.
[[ -d $SWIFT_PROTOBUF ]] || swift package resolve
PINNED=$("$PY" -c 'import json,sys
pins = json.load(open("Package.resolved"))["pins"]
print(next(p["state"]["version"] for p in pins if p["identity"] == "swift-protobuf"))')
CHECKOUT=$(git -C "$SWIFT_PROTOBUF" describe --tags --exact-match 2>/dev/null || echo unknown)
if [[ $CHECKOUT != "$PINNED" ]]; then
    echo "$SWIFT_PROTOBUF is at $CHECKOUT but Package.resolved pins $PINNED; run swift package resolve" >&2
    exit 1
fi
swift build -c release --package-path "$SWIFT_PROTOBUF" --scratch-path "$PLUGIN_BUILD" \
    --product protoc-gen-swift
PLUGIN="$PLUGIN_BUILD/release/protoc-gen-swift"
PLUGIN_VERSION=$("$PLUGIN" --version | awk '{print $NF}')
PROTOC_VERSION=$(protoc --version | awk '{print $NF}')

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Plain onnx.proto (proto2, package onnx, no ai.onnx.ml extras); ModelProto's wire format is the
# same as onnx-ml.proto's, and any ML-only field (TypeProto.opaque_type) is kept as unknown fields.
"$PY" - "${wheels[0]}" "$TMP/in" <<'EOF'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("onnx/onnx.proto", sys.argv[2])
EOF

mkdir -p "$TMP/out"
# Visibility=Public: the ONNX module's API (and its tests) use these types across module lines.
protoc --plugin=protoc-gen-swift="$PLUGIN" -I "$TMP/in" \
    --swift_out="$TMP/out" --swift_opt=Visibility=Public onnx/onnx.proto

mkdir -p "$(dirname "$OUT")"
{
    echo "// Generated from onnx $ONNX_VERSION's onnx/onnx.proto by protoc $PROTOC_VERSION and"
    echo "// protoc-gen-swift $PLUGIN_VERSION with scripts/generate_onnx_proto.sh. Do not edit;"
    echo "// rerun that script instead."
    echo
    cat "$TMP/out/onnx/onnx.pb.swift"
} > "$OUT"
echo "wrote $OUT ($(wc -l < "$OUT") lines)"
