#!/usr/bin/env bash
# Assembles, signs and verifies the debug APK of the Android app from what
# scripts/test-android.sh compiled (android/target/classes and the jars Maven copied):
# D8 (Maven Central's com.android.tools:r8) turns the classes, the Kotlin standard library
# and JNA into classes.dex; Debian's aapt packages the manifest and resources against the
# framework's resources; the Rust library goes in lib/ABI/ for each Android ABI built by
# scripts/build-android-libs.sh (none on a machine without the NDK), with JNA's
# libjnidispatch.so for the same ABIs; zipalign, then apksigner with a debug key generated
# once under .cache/android. Last line: `apk: verified PATH (BYTES bytes; ...)`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
APP="$ROOT/android"
T="$APP/target"
CACHE="$ROOT/.cache/android"
OUT="$T/apk"
FRAMEWORK_RES=/usr/share/android-framework-res/framework-res.apk
[ -d "$T/classes/org/synchro/android" ] || { echo "build-apk: run scripts/test-android.sh first (no compiled classes)" >&2; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT/dex" "$OUT/jna" "$OUT/stage"

# JNA for Android: the classes and the native dispatch library of each ABI, from its AAR.
(cd "$OUT/jna" && unzip -q "$T"/apk-libs/jna-*.aar)
(cd "$T/classes" && jar cf "$OUT/app.jar" org)
java -cp "$T"/tools/r8-*.jar com.android.tools.r8.D8 --release --min-api 26 \
  --lib "$T"/tools/android-all-*.jar --output "$OUT/dex" \
  "$OUT/app.jar" "$T"/apk-libs/kotlin-stdlib-*.jar "$OUT/jna/classes.jar"

aapt package -f -M "$APP/AndroidManifest.xml" -S "$APP/res" -I "$FRAMEWORK_RES" -F "$OUT/unsigned.apk"
cp "$OUT/dex/classes.dex" "$OUT/stage/"
ABIS=()
for pair in arm64-v8a:aarch64-linux-android armeabi-v7a:armv7-linux-androideabi x86_64:x86_64-linux-android; do
  abi="${pair%%:*}"
  lib="$ROOT/target/${pair#*:}/release/libsynchro_ffi.so"
  if [ -f "$lib" ] && [ -f "$OUT/jna/jni/$abi/libjnidispatch.so" ]; then
    mkdir -p "$OUT/stage/lib/$abi"
    cp "$lib" "$OUT/jna/jni/$abi/libjnidispatch.so" "$OUT/stage/lib/$abi/"
    ABIS+=("$abi")
  fi
done
(cd "$OUT/stage" && aapt add -f "$OUT/unsigned.apk" $(find . -type f -printf '%P\n' | sort) >/dev/null)

zipalign -f -p 4 "$OUT/unsigned.apk" "$OUT/aligned.apk"
KEYSTORE="$CACHE/debug.keystore"
if [ ! -f "$KEYSTORE" ]; then
  mkdir -p "$CACHE"
  keytool -genkeypair -keystore "$KEYSTORE" -storepass android -keypass android \
    -alias androiddebugkey -keyalg RSA -keysize 2048 -validity 10000 \
    -dname "CN=Android Debug,O=Android,C=US" >/dev/null 2>&1
fi
APK="$OUT/synchro-debug.apk"
apksigner sign --ks "$KEYSTORE" --ks-pass pass:android --key-pass pass:android --out "$APK" "$OUT/aligned.apk"
apksigner verify "$APK"
DEX_CLASSES="$(unzip -l "$APK" | grep -c 'classes.dex' || true)"
ABI_TEXT="${ABIS[*]:-no Rust library: build it with scripts/build-android-libs.sh where the NDK is}"
echo "apk: verified ${APK#"$ROOT"/} ($(stat -c %s "$APK") bytes; $DEX_CLASSES dex; ABIs: $ABI_TEXT)"
