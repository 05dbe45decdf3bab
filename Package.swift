// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "xsell",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xsell", targets: ["xsell"]),
        .executable(name: "xsell-bench", targets: ["xsell-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "Crdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "KafkaClient",
            dependencies: ["Crdkafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "EventLog", swiftSettings: swiftSettings),
        .target(
            name: "XSellCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(name: "Learning", dependencies: ["XSellCore"], swiftSettings: swiftSettings),
        .target(name: "Projection", dependencies: ["XSellCore", "Learning"], swiftSettings: swiftSettings),
        .target(
            name: "DecisionFlow",
            dependencies: ["XSellCore", "Learning", "Projection"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Services",
            dependencies: [
                "XSellCore", "Learning", "Projection", "DecisionFlow", "EventLog", "KafkaClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xsell",
            dependencies: [
                "Services", "XSellCore", "Learning", "Projection", "DecisionFlow", "EventLog", "KafkaClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xsell-bench",
            dependencies: [
                "Services", "XSellCore", "Learning", "Projection", "DecisionFlow", "EventLog", "KafkaClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient"], swiftSettings: swiftSettings),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog"], swiftSettings: swiftSettings),
        .testTarget(name: "XSellCoreTests", dependencies: ["XSellCore"], swiftSettings: swiftSettings),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "XSellCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProjectionTests",
            dependencies: ["Projection", "Learning", "XSellCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DecisionFlowTests",
            dependencies: ["DecisionFlow", "Projection", "Learning", "XSellCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Services", "KafkaClient", "EventLog", "XSellCore", "DecisionFlow", "Projection", "Learning"],
            swiftSettings: swiftSettings
        ),
    ]
)
