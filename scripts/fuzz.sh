#!/usr/bin/env bash
# Fuzzes every parser and converter of synchro-core with cargo-fuzz (libFuzzer), each target
# for a bounded time, and prints per target `fuzz: <target>: <N> execs, <C> crashes`.
# Exit code 0 only if no target crashed.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default 45 s, every target)
#   scripts/fuzz.sh 3600 ical_parse                      (a long run of one target)
#
# Installs what it needs (a nightly toolchain, cargo-fuzz) when missing. Corpora start from
# the repository's fixtures (core/tests/fixtures: calendars, WebDAV answers, SyncML
# captures with their HTTP headers removed) plus fuzz/seeds/<target>; what a run learns stays
# in fuzz/corpus/<target> (not tracked) for the next run. A crashing input is saved in
# fuzz/artifacts/<target>/; add it to fuzz/seeds/<target>/ and as a unit test once fixed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export CARGO_TERM_PROGRESS_WHEN=never

SECONDS_PER_TARGET="${1:-45}"
shift || true
ALL_TARGETS=(ical_parse ical_roundtrip vcal_roundtrip webdav_multistatus syncml_xml
    syncml_wbxml devinf local_files)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "installing the nightly toolchain (cargo-fuzz needs it)"
    rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Seeds: fixture files by kind; HTTP captures (*.txt) cut to their bodies.
FIX="$ROOT/core/tests/fixtures"
seed() { # seed TARGET FILE...
    local dir="corpus/$1"
    shift
    mkdir -p "$dir"
    python3 - "$dir" "$@" <<'PY'
import hashlib, pathlib, sys
out = pathlib.Path(sys.argv[1])
for name in sys.argv[2:]:
    data = pathlib.Path(name).read_bytes()
    if name.endswith(".txt"):
        cut = data.find(b"\r\n\r\n")
        data = data[cut + 4:] if cut >= 0 else data
    if data:
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
PY
}
ICS=("$FIX"/ical/*.ics "$FIX"/vcal/*.ics)
VCS=("$FIX"/vcal/*.vcs)
SYNCML_XML=("$FIX"/syncml/*/*.xml "$FIX"/syncml/cli-session-plain-xml/*.txt
    "$FIX"/syncml/cli-session-vcalendar10-refresh/*.txt)
SYNCML_WBXML=("$FIX"/syncml/cli-session-wbxml-raw/*.txt)
for t in "${TARGETS[@]}"; do
    case "$t" in
        ical_parse | ical_roundtrip) seed "$t" "${ICS[@]}" "${VCS[@]}" ;;
        vcal_roundtrip) seed "$t" "${VCS[@]}" "${ICS[@]}" ;;
        webdav_multistatus) seed "$t" "$FIX"/caldav/*.xml ;;
        syncml_xml) seed "$t" "${SYNCML_XML[@]}" ;;
        syncml_wbxml) seed "$t" "${SYNCML_WBXML[@]}" ;;
        devinf) seed "$t" "${SYNCML_XML[@]}" "${SYNCML_WBXML[@]}" ;;
        local_files) seed "$t" "${ICS[@]}" ;;
        *) echo "unknown fuzz target $t" >&2; exit 2 ;;
    esac
    if [ -d "seeds/$t" ]; then cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true; fi
done

# Safe Rust (the crate forbids unsafe code): no sanitizer, so more executions per second.
FUZZ=(cargo +nightly fuzz)
BUILD_FLAGS=(--sanitizer none -O)
echo "building fuzz targets"
"${FUZZ[@]}" build "${BUILD_FLAGS[@]}"

failed=0
summary=()
for t in "${TARGETS[@]}"; do
    mkdir -p "artifacts/$t"
    before=$(find "artifacts/$t" -type f | wc -l)
    log="$(mktemp)"
    set +e
    "${FUZZ[@]}" run "${BUILD_FLAGS[@]}" "$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    after=$(find "artifacts/$t" -type f | wc -l)
    crashes=$((after - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1)
    if [ -z "$execs" ]; then
        execs=$(grep -Eo '^#[0-9]+' "$log" | tr -d '#' | tail -n 1)
    fi
    line="fuzz: $t: ${execs:-0} execs, $crashes crashes"
    echo "$line"
    summary+=("$line")
    if [ "$crashes" -ne 0 ]; then
        failed=1
        grep -E 'panicked at|^SUMMARY|Test unit written' "$log" | head -n 5 || true
    fi
    rm -f "$log"
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
