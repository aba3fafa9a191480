#!/usr/bin/env bash
# Builds the Rust core for Android (libsynchro_ffi.so for arm64-v8a, armeabi-v7a and
# x86_64) with cargo-ndk, into target/<triple>/release/, where scripts/build-apk.sh picks
# them up. Needs the Android NDK (ANDROID_NDK_HOME), which cannot be installed on the
# project's Debian machines: run it on a machine that has it, then scripts/build-apk.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -z "${ANDROID_NDK_HOME:-}" ] || [ ! -d "${ANDROID_NDK_HOME}" ]; then
  echo "build-android-libs: set ANDROID_NDK_HOME to an installed Android NDK (r26 or later)" >&2
  exit 2
fi
command -v cargo-ndk >/dev/null || cargo install --locked cargo-ndk
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
cargo ndk --platform 26 -t arm64-v8a -t armeabi-v7a -t x86_64 build -p synchro-ffi --release
for t in aarch64-linux-android armv7-linux-androideabi x86_64-linux-android; do
  ls -l "target/$t/release/libsynchro_ffi.so"
done
