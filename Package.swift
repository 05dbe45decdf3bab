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
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    ],
    targets: [
        .systemLibrary(
            name: "Crdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        .target(name: "BlockingThreads", swiftSettings: swiftSettings),
        .target(
            name: "KafkaClient",
            dependencies: ["Crdkafka", "BlockingThreads", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "EventLog", swiftSettings: swiftSettings),
        .target(name: "XSellCore", swiftSettings: swiftSettings),
        .target(
            name: "ConfigLoading",
            dependencies: ["XSellCore", "EventLog", .product(name: "Yams", package: "Yams")],
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
            name: "Runtime",
            dependencies: [
                "XSellCore", "ConfigLoading", "Learning", "Projection", "DecisionFlow", "EventLog", "KafkaClient", "BlockingThreads",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Analytics",
            dependencies: ["XSellCore", "ConfigLoading", "Learning", "Projection", "DecisionFlow", "EventLog"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "XSellClient",
            dependencies: ["XSellCore", "KafkaClient", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Simulation",
            dependencies: [
                "XSellCore", "Learning", "Projection", "DecisionFlow", "Analytics", "XSellClient", "KafkaClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OperationsEndpoint",
            dependencies: [
                "Runtime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xsell",
            dependencies: [
                "Runtime", "Analytics", "Simulation", "XSellClient", "ConfigLoading", "OperationsEndpoint",
                "XSellCore", "Learning", "Projection", "DecisionFlow", "EventLog", "KafkaClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xsell-bench",
            dependencies: [
                "Runtime", "Analytics", "Simulation", "XSellClient", "ConfigLoading",
                "XSellCore", "Learning", "Projection", "DecisionFlow", "EventLog", "KafkaClient", "XSellTestSupport", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "XSellTestSupport",
            dependencies: ["KafkaClient", "Crdkafka", "XSellCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/XSellTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "Runtime", "KafkaClient", "EventLog", "XSellCore", "ConfigLoading", "Projection", "XSellTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BlockingThreadsTests", dependencies: ["BlockingThreads"], swiftSettings: swiftSettings),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "XSellTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog"], swiftSettings: swiftSettings),
        .testTarget(name: "XSellCoreTests", dependencies: ["XSellCore"], swiftSettings: swiftSettings),
        .testTarget(name: "ConfigLoadingTests", dependencies: ["ConfigLoading", "XSellCore"], swiftSettings: swiftSettings),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "XSellCore", "XSellTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProjectionTests",
            dependencies: ["Projection", "Learning", "XSellCore", "XSellTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DecisionFlowTests",
            dependencies: ["DecisionFlow", "Projection", "Learning", "XSellCore", "ConfigLoading", "XSellTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Runtime", "Analytics", "Simulation", "XSellClient", "ConfigLoading",
                "KafkaClient", "EventLog", "XSellCore", "DecisionFlow", "Projection", "Learning",
                "XSellTestSupport",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
