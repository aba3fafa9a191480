#!/usr/bin/env bash
# Generates the bindings of synchro-ffi: `bash scripts/bindings.sh LANG OUT_DIR`, LANG one of
# python, kotlin (JVM, JNA), kotlin-android (android = true), swift. Writes the generated
# sources and the host library libsynchro_ffi.so into OUT_DIR, ready to import:
#   python:          OUT_DIR/synchro_ffi.py            (`import synchro_ffi`, OUT_DIR on sys.path)
#   kotlin*:         OUT_DIR/org/synchro/ffi/synchro_ffi.kt
#   swift:           OUT_DIR/synchro_ffi.swift, synchro_ffiFFI.h, synchro_ffiFFI.modulemap
# The library: PROFILE=release-ffi (or release) for the one the apps ship (cargo profile
# release-ffi: size-tuned, stripped, under 5 MB; see README "Bindings"); default debug, quick
# to rebuild for the binding tests. The sources are generated from the debug build either
# way (they do not depend on the profile).
set -euo pipefail

usage() { echo "usage: $0 python|kotlin|kotlin-android|swift OUT_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
LANG_ARG="$1"
OUT="$2"
case "$LANG_ARG" in
  python | swift | kotlin) LANGUAGE="$LANG_ARG"; CONFIG=() ;;
  kotlin-android) LANGUAGE=kotlin; CONFIG=(--config bindings/uniffi-android.toml) ;;
  *) usage ;;
esac
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROFILE="${PROFILE:-debug}"
case "$PROFILE" in
  debug) ;;
  release | release-ffi) PROFILE=release-ffi ;;
  *) echo "PROFILE must be debug, release or release-ffi" >&2; exit 2 ;;
esac
# Built together, so both share one feature set of uniffi (built apart, each rebuilds it).
cargo build --quiet -p synchro-ffi -p uniffi-bindgen
if [ "$PROFILE" != debug ]; then cargo build --quiet -p synchro-ffi --profile "$PROFILE"; fi
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

"$TARGET_DIR/debug/uniffi-bindgen" generate "$TARGET_DIR/debug/libsynchro_ffi.so" \
  --language "$LANGUAGE" "${CONFIG[@]}" --out-dir "$OUT" --no-format >/dev/null
cp "$TARGET_DIR/$PROFILE/libsynchro_ffi.so" "$OUT/libsynchro_ffi.so"
echo "$LANG_ARG bindings and libsynchro_ffi.so in $OUT"
