#!/usr/bin/env bash
# Runs the binding tests of synchro-ffi in Python (pytest), Kotlin/JVM (kotlinc + JNA +
# JUnit 4) and Swift (swift test in a Debian trixie chroot), each against its own Radicale on
# 127.0.0.1 (scripts/radicale-for-bindings.py). Installs what they need on a fresh Debian 12
# machine as root: apt packages, a Python venv with pytest, the npm `kotlin-compiler`, the
# JNA/JUnit jars from Maven Central and the swiftlang chroot, all under .cache/ (not tracked).
# Prints one summary line per runner; exit code 0 only if all three pass.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="$ROOT/.cache/bindings"
GEN="$CACHE/gen"
mkdir -p "$CACHE"
export DEBIAN_FRONTEND=noninteractive

KOTLIN_VERSION=2.4.20
MAVEN=https://repo1.maven.org/maven2
# group/artifact/version of the jars the Kotlin tests need.
JARS=(net/java/dev/jna/jna/5.17.0 junit/junit/4.13.2 org/hamcrest/hamcrest-core/1.3)

section() { echo "== bindings: $*"; }

section "install tools"
# Each tool by the command it provides (a machine may have it from elsewhere, e.g. nodejs
# with its own npm).
need=()
dpkg -s python3-venv >/dev/null 2>&1 || need+=(python3-venv)
for pair in default-jre-headless:java npm:npm curl:curl mmdebstrap:mmdebstrap; do
  command -v "${pair#*:}" >/dev/null || need+=("${pair%%:*}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -x "$CACHE/venv/bin/pytest" ]; then
  /usr/bin/python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q pytest
fi
KOTLIN="$CACHE/npm/node_modules/kotlin-compiler"
if [ ! -x "$KOTLIN/bin/kotlinc" ]; then
  mkdir -p "$CACHE/npm"
  (cd "$CACHE/npm" && echo '{"private":true}' >package.json \
    && npm install --silent --no-audit --no-fund "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
fi
mkdir -p "$CACHE/jars"
CLASSPATH_JARS=""
for gav in "${JARS[@]}"; do
  IFS=/ read -ra parts <<<"$gav"
  n=${#parts[@]}
  artifact=${parts[n-2]}
  version=${parts[n-1]}
  jar="$CACHE/jars/$artifact-$version.jar"
  if [ ! -s "$jar" ]; then
    url="$MAVEN/$gav/$artifact-$version.jar"
    curl -fsSL -o "$jar.tmp" "$url"
    want="$(curl -fsSL "$url.sha1" | cut -c1-40)"
    got="$(sha1sum "$jar.tmp" | cut -c1-40)"
    [ "$want" = "$got" ] || { echo "checksum mismatch for $url" >&2; exit 1; }
    mv "$jar.tmp" "$jar"
  fi
  CLASSPATH_JARS="$CLASSPATH_JARS:$jar"
done
CLASSPATH_JARS="${CLASSPATH_JARS#:}"
SWIFT_ROOT="$(bash scripts/swift-chroot.sh | tail -n 1)"
if [ -z "${SYNCHRO_RADICALE_PYPI:-}" ]; then
  bash scripts/install-peers.sh >/dev/null
fi

section "generate bindings"
for lang in python kotlin swift; do
  rm -rf "${GEN:?}/$lang"
  bash scripts/bindings.sh "$lang" "$GEN/$lang" >/dev/null
done

# Starts a Radicale for one runner; sets RADICALE_PID and SYNCHRO_TEST_SERVER.
start_radicale() {
  local url_file="$CACHE/radicale-$1.url"
  rm -f "$url_file"
  /usr/bin/python3 scripts/radicale-for-bindings.py --calendars 30 --url-file "$url_file" &
  RADICALE_PID=$!
  for _ in $(seq 300); do
    [ -s "$url_file" ] && break
    kill -0 "$RADICALE_PID" 2>/dev/null || { echo "radicale did not start" >&2; return 1; }
    sleep 0.1
  done
  SYNCHRO_TEST_SERVER="$(cat "$url_file")"
  export SYNCHRO_TEST_SERVER
}
stop_radicale() {
  kill "$RADICALE_PID" 2>/dev/null || true
  wait "$RADICALE_PID" 2>/dev/null || true
}
cleanup() {
  [ -n "${RADICALE_PID:-}" ] && stop_radicale
  mountpoint -q "$SWIFT_ROOT/proc" && umount "$SWIFT_ROOT/proc"
  return 0
}
trap cleanup EXIT

SUMMARY=()
FAILED=0

section "python"
start_radicale python
set +e
PYTHONPATH="$GEN/python" "$CACHE/venv/bin/python" -m pytest -q -p no:cacheprovider \
  bindings/tests/python 2>&1 | tee "$CACHE/python.log"
rc=${PIPESTATUS[0]}
set -e
stop_radicale
SUMMARY+=("python: $(grep -E '(passed|failed|error)' "$CACHE/python.log" | tail -n 1)")
[ "$rc" -eq 0 ] || FAILED=1

section "kotlin"
start_radicale kotlin
rm -rf "$CACHE/kotlin-build" && mkdir -p "$CACHE/kotlin-build"
set +e
"$KOTLIN/bin/kotlinc" -nowarn -cp "$CLASSPATH_JARS:$KOTLIN/lib/kotlin-test.jar" \
  "$GEN/kotlin" bindings/tests/kotlin -d "$CACHE/kotlin-build/tests.jar" \
  && java -Djna.library.path="$GEN/kotlin" \
    -cp "$CACHE/kotlin-build/tests.jar:$CLASSPATH_JARS:$KOTLIN/lib/kotlin-stdlib.jar:$KOTLIN/lib/kotlin-test.jar" \
    org.junit.runner.JUnitCore org.synchro.ffi.test.SyncAgentTest 2>&1 | tee "$CACHE/kotlin.log"
rc=${PIPESTATUS[0]}
set -e
stop_radicale
SUMMARY+=("kotlin: $(grep -E '^(OK \(|Tests run:)' "$CACHE/kotlin.log" | tail -n 1 || echo 'did not run')")
[ "$rc" -eq 0 ] || FAILED=1

section "swift"
start_radicale swift
mountpoint -q "$SWIFT_ROOT/proc" || mount -t proc proc "$SWIFT_ROOT/proc"
PKG="$SWIFT_ROOT/src/SynchroFFI"
rm -rf "$PKG" && mkdir -p "$PKG/lib" "$PKG/Sources/synchro_ffiFFI" "$PKG/Sources/SynchroFFI"
cp -r bindings/tests/swift/. "$PKG/"
cp "$GEN/swift/libsynchro_ffi.so" "$PKG/lib/"
cp "$GEN/swift/synchro_ffiFFI.h" "$PKG/Sources/synchro_ffiFFI/"
cp "$GEN/swift/synchro_ffiFFI.modulemap" "$PKG/Sources/synchro_ffiFFI/module.modulemap"
cp "$GEN/swift/synchro_ffi.swift" "$PKG/Sources/SynchroFFI/"
set +e
chroot "$SWIFT_ROOT" env SYNCHRO_TEST_SERVER="$SYNCHRO_TEST_SERVER" HOME=/root sh -c \
  'cd /src/SynchroFFI && LD_LIBRARY_PATH=/src/SynchroFFI/lib swift test --disable-swift-testing' \
  2>&1 | tee "$CACHE/swift.log"
rc=${PIPESTATUS[0]}
set -e
stop_radicale
SUMMARY+=("swift: $(grep -E 'Executed [0-9]+ tests?' "$CACHE/swift.log" | tail -n 1 | sed 's/^[[:space:]]*//' || echo 'did not run')")
[ "$rc" -eq 0 ] || FAILED=1

section "summary"
printf '%s\n' "${SUMMARY[@]}"
exit "$FAILED"
