// swift-tools-version:5.9
// SynchroKit: the iOS app's logic in plain Swift (mapping to EventKit's shape, the device
// calendar, view models, scheduling policy, strings) over the generated Swift bindings of
// synchro-ffi, plus the Apple-only adapters (EventKit, SwiftUI, BackgroundTasks, Keychain)
// behind `#if canImport(...)`.
//
// The generated sources go into Sources/SynchroFFI (synchro_ffi.swift) and the C module into
// Sources/synchro_ffiFFI (header + module.modulemap): scripts/build-ios.sh on a Mac (with the
// XCFramework), scripts/test-ios.sh on Linux (with the host library in lib/).
import PackageDescription

#if os(Linux)
let ffi: Target = .systemLibrary(name: "synchro_ffiFFI", path: "Sources/synchro_ffiFFI")
let ffiLink: [LinkerSetting] = [.linkedLibrary("synchro_ffi"), .unsafeFlags(["-Llib"])]
#else
let ffi: Target = .binaryTarget(name: "synchro_ffiFFI", path: "synchro_ffiFFI.xcframework")
let ffiLink: [LinkerSetting] = []
#endif

let package = Package(
    name: "SynchroKit",
    defaultLocalization: "en",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [.library(name: "SynchroKit", targets: ["SynchroKit"])],
    targets: [
        ffi,
        .target(name: "SynchroFFI", dependencies: ["synchro_ffiFFI"], linkerSettings: ffiLink),
        .target(name: "SynchroKit", dependencies: ["SynchroFFI"]),
        .testTarget(name: "SynchroKitTests", dependencies: ["SynchroKit"]),
    ]
)
