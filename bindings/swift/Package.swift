// swift-tools-version:5.9
// The Swift package an iOS app consumes, and the XCTest harness run by `cargo xtask test`.
// `cargo xtask bindings` generates Sources/CitizenWallet/CitizenWallet.swift and the C header in
// Sources/CitizenWalletFFI (not committed: always regenerated from the built library).
import Foundation
import PackageDescription

// Where the host-built libcitizen_wallet_mobile lives (set by xtask); an iOS app links the
// XCFramework instead.
let libDir = ProcessInfo.processInfo.environment["CITIZEN_WALLET_LIB_DIR"] ?? "../../target/debug"

let package = Package(
    name: "CitizenWallet",
    products: [.library(name: "CitizenWallet", targets: ["CitizenWallet"])],
    targets: [
        .systemLibrary(name: "CitizenWalletFFI", path: "Sources/CitizenWalletFFI"),
        .target(
            name: "CitizenWallet",
            dependencies: ["CitizenWalletFFI"],
            path: "Sources/CitizenWallet",
            linkerSettings: [
                .linkedLibrary("citizen_wallet_mobile"),
                .unsafeFlags(["-L", libDir]),
            ]
        ),
        .testTarget(name: "CitizenWalletTests", dependencies: ["CitizenWallet"], path: "Tests/CitizenWalletTests"),
    ]
)
