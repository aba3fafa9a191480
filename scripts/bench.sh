#!/usr/bin/env bash
# Benchmark synchro against vdirsyncer and the curl floor on a real Radicale (see bench.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-peers.sh
if [ ! -x .peers/vdirsyncer/bin/vdirsyncer ]; then
    python3 -m venv .peers/vdirsyncer
    .peers/vdirsyncer/bin/pip install --quiet vdirsyncer
fi
cargo build --release --quiet -p synchro
exec .peers/tools/bin/python scripts/bench.py "$@"
