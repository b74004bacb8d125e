// swift-tools-version: 6.1
import PackageDescription

// Targets follow ../shared/DESIGN.md and docs/architecture.md: one module per room.
// PorticoAPI is pure (no I/O); PorticoRegistry holds the server-side Service registry
// (allocators and the create/update/delete flow); `portico` only wires commands.
let package = Package(
    name: "portico",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portico", targets: ["portico"]),
        .library(name: "PorticoAPI", targets: ["PorticoAPI"]),
        .library(name: "PorticoRegistry", targets: ["PorticoRegistry"]),
        .library(name: "PorticoStore", targets: ["PorticoStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "PorticoAPI",
            dependencies: [
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "PorticoRegistry",
            dependencies: ["PorticoAPI"]
        ),
        .target(
            name: "PorticoStore",
            dependencies: ["PorticoAPI", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "portico",
            dependencies: [
                "PorticoAPI",
                "PorticoRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "PorticoAPITests", dependencies: ["PorticoAPI"]),
        .testTarget(name: "PorticoRegistryTests", dependencies: ["PorticoRegistry", "PorticoAPI"]),
        .testTarget(name: "PorticoStoreTests", dependencies: ["PorticoStore", "PorticoAPI"]),
    ]
)
