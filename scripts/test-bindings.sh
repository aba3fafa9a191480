#!/usr/bin/env bash
# Runs the binding tests of synchro-ffi in Python (pytest), Kotlin/JVM (kotlinc + JNA +
# JUnit 4) and Swift (swift test in a Debian trixie chroot), each against its own Radicale
# (scripts/radicale-for-bindings.py) and SyncEvolution SyncML server
# (scripts/syncevo-for-bindings.py) on 127.0.0.1, stopped after each runner. Installs what they need on a fresh Debian 12
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

# Starts server script $2 (with arguments $4...) for runner $1; waits for its URL file, then
# sets SERVER_URL and SERVER_PID (the script's pid: SIGTERM stops it and all it started).
start_server() {
  local url_file="$CACHE/$1.url" script="$2" what="$3"
  shift 3
  rm -f "$url_file"
  /usr/bin/python3 "$script" --url-file "$url_file" "$@" &
  SERVER_PID=$!
  for _ in $(seq 900); do
    [ -s "$url_file" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$what did not start" >&2; return 1; }
    sleep 0.1
  done
  [ -s "$url_file" ] || { echo "$what did not start" >&2; return 1; }
  SERVER_URL="$(cat "$url_file")"
}
# The servers of one runner: SYNCHRO_TEST_SERVER (Radicale), SYNCHRO_TEST_SYNCML.
start_servers() {
  start_server "radicale-$1" scripts/radicale-for-bindings.py radicale --calendars 30
  RADICALE_PID=$SERVER_PID
  export SYNCHRO_TEST_SERVER="$SERVER_URL"
  start_server "syncevo-$1" scripts/syncevo-for-bindings.py syncevolution --phones 3 --seed 2
  SYNCEVO_PID=$SERVER_PID
  export SYNCHRO_TEST_SYNCML="$SERVER_URL"
}
stop_servers() {
  local pid
  for pid in "${RADICALE_PID:-}" "${SYNCEVO_PID:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  RADICALE_PID=""
  SYNCEVO_PID=""
}
cleanup() {
  stop_servers
  return 0
}
trap cleanup EXIT

SUMMARY=()
FAILED=0

section "python"
start_servers python
set +e
PYTHONPATH="$GEN/python" "$CACHE/venv/bin/python" -m pytest -q -p no:cacheprovider \
  bindings/tests/python 2>&1 | tee "$CACHE/python.log"
rc=${PIPESTATUS[0]}
set -e
stop_servers
SUMMARY+=("python: $(grep -E '(passed|failed|error)' "$CACHE/python.log" | tail -n 1)")
[ "$rc" -eq 0 ] || FAILED=1

section "kotlin"
start_servers kotlin
rm -rf "$CACHE/kotlin-build" && mkdir -p "$CACHE/kotlin-build"
set +e
"$KOTLIN/bin/kotlinc" -nowarn -cp "$CLASSPATH_JARS:$KOTLIN/lib/kotlin-test.jar" \
  "$GEN/kotlin" bindings/tests/kotlin -d "$CACHE/kotlin-build/tests.jar" \
  && java -Djna.library.path="$GEN/kotlin" \
    -cp "$CACHE/kotlin-build/tests.jar:$CLASSPATH_JARS:$KOTLIN/lib/kotlin-stdlib.jar:$KOTLIN/lib/kotlin-test.jar" \
    org.junit.runner.JUnitCore org.synchro.ffi.test.SyncAgentTest \
    org.synchro.ffi.test.AccountsBackupsSyncMlTest 2>&1 | tee "$CACHE/kotlin.log"
rc=${PIPESTATUS[0]}
set -e
stop_servers
SUMMARY+=("kotlin: $(grep -E '^(OK \(|Tests run:)' "$CACHE/kotlin.log" | tail -n 1 || echo 'did not run')")
[ "$rc" -eq 0 ] || FAILED=1

section "swift"
start_servers swift
# A package folder per checkout: checkouts may share the chroot.
PKG_NAME="SynchroFFI-$(printf '%s' "$ROOT" | sha1sum | cut -c1-8)"
PKG="$SWIFT_ROOT/src/$PKG_NAME"
rm -rf "$PKG" && mkdir -p "$PKG/lib" "$PKG/Sources/synchro_ffiFFI" "$PKG/Sources/SynchroFFI"
cp -r bindings/tests/swift/. "$PKG/"
cp "$GEN/swift/libsynchro_ffi.so" "$PKG/lib/"
cp "$GEN/swift/synchro_ffiFFI.h" "$PKG/Sources/synchro_ffiFFI/"
cp "$GEN/swift/synchro_ffiFFI.modulemap" "$PKG/Sources/synchro_ffiFFI/module.modulemap"
cp "$GEN/swift/synchro_ffi.swift" "$PKG/Sources/SynchroFFI/"
set +e
# The chroot's /proc (swift's loader needs it) is mounted in a mount namespace of this run
# only: gone when the run ends, and no other run sharing the chroot can unmount it meanwhile.
unshare --mount --propagation private -- sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' \
  sh "$SWIFT_ROOT" env SYNCHRO_TEST_SERVER="$SYNCHRO_TEST_SERVER" \
  SYNCHRO_TEST_SYNCML="$SYNCHRO_TEST_SYNCML" HOME=/root sh -c \
  "cd /src/$PKG_NAME && LD_LIBRARY_PATH=/src/$PKG_NAME/lib swift test --disable-swift-testing" \
  2>&1 | tee "$CACHE/swift.log"
rc=${PIPESTATUS[0]}
set -e
stop_servers
SUMMARY+=("swift: $(grep -E 'Executed [0-9]+ tests?' "$CACHE/swift.log" | tail -n 1 | sed 's/^[[:space:]]*//' || echo 'did not run')")
[ "$rc" -eq 0 ] || FAILED=1

section "summary"
printf '%s\n' "${SUMMARY[@]}"
exit "$FAILED"
