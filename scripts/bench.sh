#!/usr/bin/env bash
# The benchmark behind docs/BENCHMARKS.md (kept out of scripts/test.sh: it takes long).
#
#   bash scripts/bench.sh [--sizes 1000,10000,50000] [--runs 5] [--tools synchro,vdirsyncer,vstorage,curl,tokenfloor]
#                         [--scenarios first,nochange,onechange,upload,instructions]
#                         [--callgrind synchro,vstorage] [--upload-runs 3] [--merge] [--syncml]
#
# Quick run: bash scripts/bench.sh --sizes 1000 --runs 3 --upload-runs 1
# Installs what it needs into the repository: the servers (scripts/install-peers.sh),
# vdirsyncer and matplotlib in a venv under .cache/bench/py, the vstorage peer
# (bench/vstorage-peer, its own Cargo workspace) under .cache/bench/vstorage-target, and the
# shim that lets SyncEvolution's client run (bench/syncevo-client-shim.c). Then bench/run.py
# runs every server on 127.0.0.1 and stops them all before it returns.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH=.cache/bench

bash scripts/install-peers.sh

missing=()
for tool in /usr/bin/time:time /usr/bin/valgrind:valgrind /usr/bin/gcc:gcc; do
    [ -x "${tool%%:*}" ] || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$BENCH"
if [ ! -f "$BENCH/py/.installed" ]; then
    /usr/bin/python3 -m venv "$BENCH/py"
    "$BENCH/py/bin/pip" install --quiet "vdirsyncer==0.21.*" "matplotlib>=3.6"
    touch "$BENCH/py/.installed"
fi

cargo build --release --quiet -p synchro
cargo build --release --quiet --manifest-path bench/vstorage-peer/Cargo.toml \
    --target-dir "$BENCH/vstorage-target"
gcc -shared -fPIC -O2 -Wall -o "$BENCH/syncevo-client-shim.so" bench/syncevo-client-shim.c -ldl

export PYTHONDONTWRITEBYTECODE=1
exec "$BENCH/py/bin/python" bench/run.py "$@"
