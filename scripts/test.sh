#!/usr/bin/env bash
# THE test command: installs the test peers, builds everything, checks formatting and lints,
# runs every test of the workspace (unit tests and the integration tests against real
# servers on 127.0.0.1), fuzzes every parser for a bounded time (scripts/fuzz.sh,
# FUZZ_SECONDS per target), then runs the binding tests in Python, Kotlin and Swift
# (scripts/test-bindings.sh) and the tests of the phone apps that run on Linux
# (scripts/test-android.sh, scripts/test-ios.sh). Works without a terminal (CI=true).
# Exit code 0 only if all pass.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TERM_PROGRESS_WHEN=never
# Each integration test starts its own servers: two at a time on two cores.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-2}"
# One build per run: incremental caches would only take disk (a gigabyte or more).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

section() { echo "== $*"; }

disk() { echo "disk: $(df -h --output=avail . | tail -n 1 | tr -d ' ') free ($1)"; }

disk "at the start"
section "hermetic: no path outside the repository"
bash scripts/check-hermetic.sh

section "install test peers"
bash scripts/install-peers.sh

section "rust toolchain"
if command -v rustup >/dev/null 2>&1; then
    installed="$(rustup component list --installed 2>/dev/null || true)"
    for c in rustfmt clippy; do
        if ! grep -q "^$c" <<<"$installed"; then
            echo "adding rustup component $c"
            rustup component add "$c" >/dev/null
        fi
    done
fi
cargo --version

section "build"
cargo build --workspace --all-targets --quiet

section "cargo fmt --check"
cargo fmt --all --check

section "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

section "cargo doc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

section "cargo test"
log="$(mktemp)"
trap 'rm -f "$log" "$log.bindings" "$log.apps"' EXIT
set +e
cargo test --workspace --no-fail-fast -- --test-threads "$RUST_TEST_THREADS" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

section "fuzz (bounded: every target, ${FUZZ_SECONDS:-20} s each)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}" 2>&1 | tee -a "$log"
frc=${PIPESTATUS[0]}
set -e
# The fuzz build (sanitizer flags, its own target folder) is not used again: a gigabyte back.
rm -rf fuzz/target
disk "after the Rust tests and fuzzing"

section "binding tests (Python, Kotlin, Swift)"
set +e
bash scripts/test-bindings.sh 2>&1 | tee "$log.bindings"
bindings_rc=${PIPESTATUS[0]}
set -e

# The phone apps: what runs on Linux (see README, "iOS app" and "Android app").
: >"$log.apps"
apps_rc=0
for app in android ios; do
    section "$app app"
    set +e
    bash "scripts/test-$app.sh" 2>&1 | tee -a "$log.apps"
    app_rc=${PIPESTATUS[0]}
    set -e
    [ "$app_rc" -eq 0 ] || apps_rc=$app_rc
done

section "summary"
disk "at the end"
grep -E '^test result:' "$log" || true
grep -E '^crash-safety: [0-9]+ cut points' "$log" || true
grep -E '^syncml-interruptions: [0-9]+ cut points' "$log" || true
grep -E '^fuzz: [a-z_]+: ' "$log" | awk '!seen[$0]++' || true
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed/) p += $i;
            if ($(i+1) ~ /^failed/) f += $i;
            if ($(i+1) ~ /^ignored/) s += $i;
        }
     }
     END { printf "total: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
grep -E '^(python|kotlin|swift): ' "$log.bindings" || true
grep -E '^(android|apk|ios): ' "$log.apps" || true
if [ "$rc" -eq 0 ] && [ "$frc" -ne 0 ]; then rc=$frc; fi
[ "$rc" -eq 0 ] || exit "$rc"
[ "$bindings_rc" -eq 0 ] || exit "$bindings_rc"
exit "$apps_rc"
