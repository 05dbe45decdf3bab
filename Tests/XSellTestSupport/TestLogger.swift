import Foundation
import Logging

extension Logger {
    /// The tests' logger for the nodes and Kafka clients a test creates: standard error at
    /// `XSELL_TEST_LOG_LEVEL` (default `warning`), so a failing run shows what the clients said.
    public static func test(_ label: String = "xsell.test") -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = ProcessInfo.processInfo.environment["XSELL_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? .warning
        return logger
    }
}
