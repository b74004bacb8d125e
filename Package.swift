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
        .library(name: "PorticoServer", targets: ["PorticoServer"]),
        .library(name: "PorticoClient", targets: ["PorticoClient"]),
        .library(name: "PorticoControllers", targets: ["PorticoControllers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
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
            dependencies: ["PorticoAPI", "PorticoEtcd", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "PorticoEtcd",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "PorticoServer",
            dependencies: [
                "PorticoAPI",
                "PorticoEtcd",
                "PorticoClient",
                "PorticoRegistry",
                "PorticoStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "PorticoClient",
            dependencies: [
                "PorticoAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(name: "CPorticoSandbox"),
        // zlib with a preset dictionary, for SPDY/3.1 header blocks (links the system's libz).
        .target(name: "CPorticoZlib"),
        .target(
            name: "PorticoStreams",
            dependencies: ["CPorticoZlib", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PorticoSystem",
            dependencies: [
                "CPorticoSandbox",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // nftables as values (IR, text, parser, evaluator), transactions and the one way to
        // send them (`NFTablesRunner`: `nft -f`, or `NFTablesFake` in memory).
        .target(
            name: "PorticoNFTables",
            dependencies: ["PorticoAPI", "PorticoSystem"]
        ),
        .target(
            name: "PorticoProxy",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                "PorticoNFTables",
                "PorticoSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "PorticoLB",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                "PorticoNFTables",
                "PorticoSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MetalLB's speaker in L2 mode, run by the node agent.
        .target(
            name: "PorticoSpeaker",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                "PorticoSystem",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PorticoDNSWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "PorticoDNS",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                "PorticoDNSWire",
                "PorticoSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // libFuzzer target for the DNS decoder: built apart with `-sanitize=fuzzer` (scripts/fuzz-dns).
        .target(name: "CPorticoFuzz", path: "Fuzz/CPorticoFuzz"),
        .executableTarget(
            name: "PorticoDNSFuzz",
            dependencies: [
                "CPorticoFuzz", "PorticoDNSWire", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/PorticoDNSFuzz"
        ),
        .target(
            name: "PorticoLab",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                "PorticoImages",
                "PorticoLB",
                "PorticoNFTables",
                "PorticoSystem",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `portico bench`: every benchmark, each beside a reference measured in the same run.
        .target(
            name: "PorticoBench",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                "PorticoDNS",
                "PorticoDNSWire",
                "PorticoLab",
                "PorticoNFTables",
                "PorticoNode",
                "PorticoProxy",
                "PorticoRegistry",
                "PorticoServer",
                "PorticoStore",
                "PorticoSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PorticoNode",
            dependencies: [
                "CPorticoSandbox",
                "PorticoSystem",
                "PorticoProxy",
                "PorticoSpeaker",
                "PorticoStreams",
                "PorticoAPI",
                "PorticoClient",
                "PorticoImages",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PorticoImages",
            dependencies: [
                "PorticoAPI",
                "PorticoSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PorticoControllers",
            dependencies: [
                "PorticoAPI",
                "PorticoClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "portico",
            dependencies: [
                "CPorticoSandbox",
                "PorticoAPI",
                "PorticoBench",
                "PorticoEtcd",
                "PorticoImages",
                "PorticoLab",
                "PorticoNode",
                "PorticoClient",
                "PorticoControllers",
                "PorticoDNS",
                "PorticoLB",
                "PorticoRegistry",
                "PorticoServer",
                "PorticoSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "PorticoTestSupport", path: "Tests/PorticoTestSupport"),
        .testTarget(name: "StructureTests", dependencies: ["PorticoTestSupport"]),
        .testTarget(name: "PorticoControllersTests", dependencies: ["PorticoControllers", "PorticoAPI"]),
        .testTarget(name: "PorticoDNSTests", dependencies: ["PorticoDNS", "PorticoDNSWire", "PorticoAPI", "PorticoTestSupport",
                                                         .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "PorticoStreamsTests", dependencies: ["PorticoStreams", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "PorticoLBTests", dependencies: ["PorticoLB", "PorticoNFTables", "PorticoAPI"]),
        .testTarget(name: "PorticoNFTablesTests", dependencies: ["PorticoNFTables"]),
        .testTarget(name: "PorticoSystemTests", dependencies: ["PorticoSystem"]),
        .testTarget(name: "PorticoProxyTests", dependencies: ["PorticoProxy", "PorticoNFTables", "PorticoAPI"]),
        .testTarget(name: "PorticoLabTests", dependencies: ["PorticoLab", "PorticoAPI", "PorticoClient", "PorticoSystem", "PorticoTestSupport"]),
        .testTarget(name: "PorticoNodeTests", dependencies: ["PorticoNode", "PorticoImages", "PorticoSystem", "PorticoAPI", "PorticoTestSupport"]),
        .testTarget(name: "PorticoAPITests", dependencies: ["PorticoAPI"]),
        .testTarget(name: "PorticoRegistryTests", dependencies: ["PorticoRegistry", "PorticoAPI"]),
        .testTarget(name: "PorticoStoreTests", dependencies: ["PorticoStore", "PorticoEtcd", "PorticoAPI", "PorticoTestSupport",
                                                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PorticoServerTests", dependencies: ["PorticoServer", "PorticoStore", "PorticoEtcd", "PorticoRegistry", "PorticoAPI",
                                                            "PorticoClient", "PorticoControllers", "PorticoTestSupport",
                                                            "PorticoProxy", "PorticoLB", "PorticoNFTables", "PorticoSystem",
                                                            .product(name: "Logging", package: "swift-log"),
                                                            .product(name: "NIOCore", package: "swift-nio"),
                                                            .product(name: "NIOHTTP1", package: "swift-nio"),
                                                            .product(name: "NIOEmbedded", package: "swift-nio")],
                    exclude: ["python"]),
    ]
)
