import Foundation

/// The brokers the broker-backed suites run against: always the librdkafka mock cluster, plus
/// tansu when `XSELL_TANSU_BOOTSTRAP` is set (`scripts/test.sh` sets it and puts librdkafka >= 2.2
/// on `LD_LIBRARY_PATH`; otherwise the tansu cases are not generated at all).
public enum BrokerKind: String, CustomStringConvertible, Sendable {
    case mock, tansu

    /// The kinds to generate test cases for.
    public static var available: [BrokerKind] {
        tansuBootstrap == nil ? [.mock] : [.mock, .tansu]
    }

    /// The shared tansu's address, when the test script started one.
    public static var tansuBootstrap: String? { ProcessInfo.processInfo.environment["XSELL_TANSU_BOOTSTRAP"] }

    public var description: String { rawValue }
}
