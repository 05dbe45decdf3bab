import Logging

extension Logger {
    /// The benchmarks' logger for the nodes and Kafka clients they create: standard error (a
    /// bench's report is on standard output), `level` and worse.
    static func bench(_ label: String = "xsell-bench", level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}
