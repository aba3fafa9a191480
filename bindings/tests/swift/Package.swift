// swift-tools-version:5.9
// The Swift binding tests of synchro-ffi. scripts/test-bindings.sh copies this package into
// the swiftlang chroot and adds the generated sources (Sources/SynchroFFI, Sources/synchro_ffiFFI)
// and the host library (lib/libsynchro_ffi.so).
import PackageDescription

let package = Package(
    name: "SynchroFFI",
    targets: [
        .systemLibrary(name: "synchro_ffiFFI", path: "Sources/synchro_ffiFFI"),
        .target(
            name: "SynchroFFI", dependencies: ["synchro_ffiFFI"],
            linkerSettings: [.linkedLibrary("synchro_ffi"), .unsafeFlags(["-Llib"])]),
        .testTarget(name: "SynchroFFITests", dependencies: ["SynchroFFI"]),
    ]
)
