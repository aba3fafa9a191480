#!/usr/bin/env bash
# Tests the iOS app's logic on Linux: builds the host library and the Swift bindings, copies
# ios/SynchroKit into the swiftlang chroot (.cache/swift-root, scripts/swift-chroot.sh) with
# them, starts a Radicale on 127.0.0.1 for the end-to-end tests and runs
# `swift test --disable-swift-testing` there. The Apple-only adapters (EventKit, SwiftUI,
# BackgroundTasks, Keychain) are behind `#if canImport(...)` and are not compiled here.
# Mounts /proc in the chroot only when it is not mounted, and unmounts only what it mounted;
# stops Radicale on every exit. Last line: `ios: Executed N tests, with F failures ...`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="$ROOT/.cache/ios"
GEN="$CACHE/gen"
mkdir -p "$CACHE"

section() { echo "== ios: $*"; }

section "tools"
SWIFT_ROOT="$(bash scripts/swift-chroot.sh | tail -n 1)"
if [ -z "${SYNCHRO_RADICALE_PYPI:-}" ]; then
  bash scripts/install-peers.sh >/dev/null
fi

section "generate bindings"
rm -rf "${GEN:?}"
bash scripts/bindings.sh swift "$GEN" >/dev/null

RADICALE_PID=""
MOUNTED_PROC=""
cleanup() {
  if [ -n "$RADICALE_PID" ]; then
    kill "$RADICALE_PID" 2>/dev/null || true
    wait "$RADICALE_PID" 2>/dev/null || true
  fi
  if [ -n "$MOUNTED_PROC" ]; then umount "$SWIFT_ROOT/proc" 2>/dev/null || true; fi
  return 0
}
trap cleanup EXIT

section "radicale"
URL_FILE="$CACHE/radicale.url"
rm -f "$URL_FILE"
/usr/bin/python3 scripts/radicale-for-bindings.py --calendars 40 --url-file "$URL_FILE" &
RADICALE_PID=$!
for _ in $(seq 300); do
  [ -s "$URL_FILE" ] && break
  kill -0 "$RADICALE_PID" 2>/dev/null || { echo "radicale did not start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$URL_FILE" ] || { echo "radicale did not answer" >&2; exit 1; }
SERVER="$(cat "$URL_FILE")"

section "swift test"
if ! mountpoint -q "$SWIFT_ROOT/proc"; then
  mount -t proc proc "$SWIFT_ROOT/proc"
  MOUNTED_PROC=1
fi
# The package's build folder is kept between runs; its sources are replaced.
PKG="$SWIFT_ROOT/src/SynchroIOS"
mkdir -p "$PKG"
rm -rf "$PKG/Sources" "$PKG/Tests" "$PKG/lib" "$PKG/Package.swift"
cp -r ios/SynchroKit/Package.swift ios/SynchroKit/Sources ios/SynchroKit/Tests "$PKG/"
mkdir -p "$PKG/lib" "$PKG/Sources/synchro_ffiFFI" "$PKG/Sources/SynchroFFI"
cp "$GEN/libsynchro_ffi.so" "$PKG/lib/"
cp "$GEN/synchro_ffiFFI.h" "$PKG/Sources/synchro_ffiFFI/"
cp "$GEN/synchro_ffiFFI.modulemap" "$PKG/Sources/synchro_ffiFFI/module.modulemap"
cp "$GEN/synchro_ffi.swift" "$PKG/Sources/SynchroFFI/"
set +e
chroot "$SWIFT_ROOT" env SYNCHRO_TEST_SERVER="$SERVER" HOME=/root sh -c \
  'cd /src/SynchroIOS && LD_LIBRARY_PATH=/src/SynchroIOS/lib swift test --disable-swift-testing' \
  2>&1 | tee "$CACHE/swift.log"
rc=${PIPESTATUS[0]}
set -e

line="$(grep -E 'Executed [0-9]+ tests?' "$CACHE/swift.log" | tail -n 1 | sed 's/^[[:space:]]*//' || true)"
echo "ios: ${line:-did not run (see .cache/ios/swift.log)}"
exit "$rc"
