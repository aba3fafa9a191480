#!/usr/bin/env bash
# Tests the Android app (android/) on this machine and packages it: builds the host Rust
# library and its kotlin-android bindings, compiles the app against the real framework
# classes (org.robolectric:android-all) with plain Maven, runs the Robolectric tests (the
# Rust core through JNA, a real Radicale on 127.0.0.1 per test class), then builds and
# verifies the debug APK (scripts/build-apk.sh). Maven's repository is .cache/m2: filled on
# the first run, offline afterwards. Installs the Debian packages it needs when missing.
# Last lines: `android: Tests run: N, Failures: F, Errors: E, Skipped: S` and `apk: verified ...`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="$ROOT/.cache/android"
M2="$ROOT/.cache/m2"
mkdir -p "$CACHE" "$M2"
export DEBIAN_FRONTEND=noninteractive

section() { echo "== android: $*"; }

section "install tools"
need=()
for pair in maven:mvn openjdk-17-jdk-headless:javac aapt:aapt zipalign:zipalign apksigner:apksigner python3:python3; do
  command -v "${pair#*:}" >/dev/null || need+=("${pair%%:*}")
done
[ -f /usr/share/android-framework-res/framework-res.apk ] || need+=(android-framework-res)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if [ -z "${SYNCHRO_RADICALE_PYPI:-}" ]; then
  bash scripts/install-peers.sh >/dev/null
fi

section "host library and kotlin-android bindings"
rm -rf "$CACHE/gen"
bash scripts/bindings.sh kotlin-android "$CACHE/gen" >/dev/null

section "maven: compile and Robolectric tests"
MVN=(mvn -B -ntp -Dmaven.repo.local="$M2" -Dkotlin.compiler.daemon=false
  -Dsynchro.bindings.dir="$CACHE/gen" -Dsynchro.repo.root="$ROOT"
  -Dsynchro.screenshots="$CACHE/screenshots")
# Offline once the repository holds everything a full run needed.
[ -f "$M2/.synchro-complete" ] && MVN+=(-o)
# Maven and the servers its tests start run in their own process group, stopped on exit.
MVN_PID=""
cleanup() {
  if [ -n "$MVN_PID" ]; then kill -- -"$MVN_PID" 2>/dev/null || true; fi
  return 0
}
trap cleanup EXIT
set +e
(cd android && setsid "${MVN[@]}" clean test >"$CACHE/mvn.log" 2>&1) &
MVN_PID=$!
wait "$MVN_PID"
rc=$?
MVN_PID=""
set -e
grep -E '^\[(INFO|ERROR|WARNING)\] (Tests run|Running|BUILD|.*FAIL|.*ERROR)|^\[ERROR\]' "$CACHE/mvn.log" | tail -n 40 || true
SUMMARY="$(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$CACHE/mvn.log" | tail -n 1 | sed 's/^\[[A-Z]*\] //')"
if [ "$rc" -ne 0 ]; then
  echo "maven failed (exit $rc); log: $CACHE/mvn.log" >&2
  echo "android: ${SUMMARY:-Tests run: 0, Failures: 0, Errors: 1, Skipped: 0}"
  exit "$rc"
fi
touch "$M2/.synchro-complete"

section "debug APK"
APK_LINE="$(bash scripts/build-apk.sh | tail -n 1)"

echo "android: $SUMMARY"
echo "$APK_LINE"
