#!/usr/bin/env bash
# Runs a command against a local S3 holding one file: starts moto_server on a free loopback port
# with signature checks on, uploads FILE as s3://bench/<its name>, exports the AWS_* variables the
# object store reads, runs the command, and stops the server (by its PID) however the command ends.
#
# Usage: bench/video/with_moto.sh VENV FILE COMMAND [ARGS...]
set -euo pipefail

venv=$1 file=$2
shift 2
python=$venv/bin/python
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/moto-bench-XXXXXX.log)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 300); do
    if "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then break; fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
done

endpoint=http://127.0.0.1:$port
keys=$("$python" scripts/s3_fixture.py "$endpoint" --bucket bench --put "bench/$(basename "$file")=$file" --enforce-auth)
AWS_ACCESS_KEY_ID=$("$python" -c 'import json, sys; print(json.load(sys.stdin)["accessKeyId"])' <<<"$keys")
AWS_SECRET_ACCESS_KEY=$("$python" -c 'import json, sys; print(json.load(sys.stdin)["secretAccessKey"])' <<<"$keys")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION=us-east-1 AWS_ENDPOINT_URL_S3=$endpoint
"$@"
