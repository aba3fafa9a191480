#!/usr/bin/env bash
# Builds the iOS app on a Mac with Xcode 15+ (and `brew install xcodegen`): the Rust library
# for devices (aarch64-apple-ios) and the simulators (aarch64-apple-ios-sim, x86_64-apple-ios,
# joined with lipo), the XCFramework ios/SynchroKit/synchro_ffiFFI.xcframework, the Swift
# bindings in ios/SynchroKit/Sources/SynchroFFI, then ios/Synchro.xcodeproj with XcodeGen.
# Open that project in Xcode to run the app or archive it.
#
# It cannot run on Linux (no xcrun, iPhoneOS SDK, lipo, xcodebuild): there,
# scripts/test-ios.sh type-checks and tests everything that does not import an Apple-only
# framework.
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
  echo "build-ios.sh needs macOS with Xcode; on Linux run: bash scripts/test-ios.sh" >&2
  exit 2
fi
for tool in cargo rustup xcodebuild lipo xcodegen; do
  command -v "$tool" >/dev/null || { echo "build-ios.sh: $tool is missing" >&2; exit 2; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
KIT="$ROOT/ios/SynchroKit"
OUT="$ROOT/target/ios"
DEVICE=aarch64-apple-ios
SIMS=(aarch64-apple-ios-sim x86_64-apple-ios)

rustup target add "$DEVICE" "${SIMS[@]}"
for t in "$DEVICE" "${SIMS[@]}"; do
  cargo build -p synchro-ffi --release --target "$t"
done

rm -rf "$OUT" && mkdir -p "$OUT/sim" "$OUT/headers" "$OUT/swift"
SIM_LIBS=()
for t in "${SIMS[@]}"; do SIM_LIBS+=("target/$t/release/libsynchro_ffi.a"); done
lipo -create "${SIM_LIBS[@]}" -output "$OUT/sim/libsynchro_ffi.a"

# The bindings come from the device library; they are the same for every target.
cargo build -p uniffi-bindgen
target/debug/uniffi-bindgen generate "target/$DEVICE/release/libsynchro_ffi.a" \
  --language swift --out-dir "$OUT/swift" --no-format
cp "$OUT/swift/synchro_ffiFFI.h" "$OUT/headers/"
cp "$OUT/swift/synchro_ffiFFI.modulemap" "$OUT/headers/module.modulemap"

rm -rf "$KIT/synchro_ffiFFI.xcframework"
xcodebuild -create-xcframework \
  -library "target/$DEVICE/release/libsynchro_ffi.a" -headers "$OUT/headers" \
  -library "$OUT/sim/libsynchro_ffi.a" -headers "$OUT/headers" \
  -output "$KIT/synchro_ffiFFI.xcframework"
mkdir -p "$KIT/Sources/SynchroFFI"
cp "$OUT/swift/synchro_ffi.swift" "$KIT/Sources/SynchroFFI/"

(cd ios && xcodegen generate)
echo "ios/Synchro.xcodeproj is ready: open it in Xcode (scheme Synchro)."
