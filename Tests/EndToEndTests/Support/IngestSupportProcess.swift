#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EventLog
import Foundation
import Synchronization
import XSellTestSupport

/// A child process started by a test, with its output in a file. Only this process is ever
/// signalled, by its pid.
final class ChildProcess: Sendable {
    /// How a process ended.
    struct Exit: Sendable, Equatable, CustomStringConvertible {
        var status: Int32
        var bySignal: Bool
        var description: String { bySignal ? "killed by signal \(status)" : "exit status \(status)" }
    }

    let pid: Int32
    let outputPath: String
    private let ended: EndFlag
    private let exits: Mutex<AsyncStream<Exit>?>
    /// Kept alive until the process ends; never touched after `run()`.
    private let process: Process

    init(executable: String, arguments: [String], outputPath: String, environment: [String: String]? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if !FileManager.default.fileExists(atPath: outputPath) {
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        let (stream, continuation) = AsyncStream<Exit>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let ended = EndFlag()
        process.terminationHandler = { process in
            ended.value.store(true, ordering: .releasing)
            continuation.yield(Exit(
                status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal))
            continuation.finish()
        }
        try process.run()
        try? output.close()  // the child holds its own descriptor
        self.process = process
        self.pid = process.processIdentifier
        self.outputPath = outputPath
        self.ended = ended
        self.exits = Mutex(stream)
    }

    /// Whether the process has ended.
    var hasEnded: Bool { ended.value.load(ordering: .acquiring) }

    /// Sends `signal` to this process.
    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the process to end (call once).
    func waitForExit(timeout: Duration) async throws -> Exit {
        guard let stream = exits.withLock({ current in defer { current = nil }; return current }) else {
            throw TestFailure("waitForExit called twice for pid \(pid)")
        }
        let pid = self.pid
        return try await withTimeout(timeout, "process \(pid) to exit") {
            guard let exit = await stream.first(where: { _ in true }) else { throw TestFailure("no exit status for \(pid)") }
            return exit
        }
    }

    /// The last `count` characters of the process's output, for failure messages.
    func outputTail(_ count: Int = 3000) -> String {
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return String(text.suffix(count))
    }
}

/// Set once by the termination handler.
private final class EndFlag: Sendable {
    let value = Atomic(false)
}

/// `xsell ingest` as a separate process against `broker`, logging to `<dataDir>/ingest.out`.
struct IngestProcess: Sendable {
    let child: ChildProcess
    let dataDirectory: String
    /// The `--instance-id` of every ingest process of the tests.
    static let instanceId = "ingest-test"
    /// Its consumer group (one per instance, docs/scaling.md).
    static let group = "xsell-ingest-" + instanceId

    static func start(broker: IngestBroker, dataDirectory: String, extraArguments: [String] = []) throws -> IngestProcess {
        var arguments = [
            "ingest", "--bootstrap-servers", broker.bootstrapServers, "--data-dir", dataDirectory,
            "--metrics-listen", "127.0.0.1:0",  // tests run in parallel: no fixed port
            "--config", PackagePaths.root + "/config/cross-sell.yaml", "--instance-id", instanceId,
        ]
        for (key, value) in IngestBroker.ingestProperties.sorted(by: { $0.key < $1.key }) {
            arguments += ["-X", "\(key)=\(value)"]
        }
        arguments += extraArguments
        let child = try ChildProcess(
            executable: try PackagePaths.xsell(), arguments: arguments, outputPath: dataDirectory + "/ingest.out")
        return IngestProcess(child: child, dataDirectory: dataDirectory)
    }

    var logDirectory: String { dataDirectory + "/log" }

    /// SIGTERM (graceful: the batch in hand is finished and committed) and the exit.
    func stop() async throws -> ChildProcess.Exit {
        child.signal(SIGTERM)
        return try await child.waitForExit(timeout: .seconds(60))
    }

    /// SIGKILL and the exit: a crash at whatever point ingest had reached.
    func crash() async throws -> ChildProcess.Exit {
        child.signal(SIGKILL)
        return try await child.waitForExit(timeout: .seconds(30))
    }
}

/// Polls `condition` until it holds or `timeout` passes. Only for state with no event to
/// await, such as another process's log files.
func eventually(
    _ what: String, timeout: Duration = .seconds(90), every interval: Duration = .milliseconds(10),
    _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}

/// Reading the event log of another process.
enum LogFiles {
    /// The number of complete records in the log at `directory` (0 while it does not exist).
    static func count(_ directory: String) -> UInt64 {
        guard FileManager.default.fileExists(atPath: directory) else { return 0 }
        return (try? EventLogReader(directory: directory).endPosition()) ?? 0
    }

    /// Every record of the log at `directory`, from position 0.
    static func records(_ directory: String) throws -> [LogRecord] {
        let reader = EventLogReader(directory: directory)
        var records: [LogRecord] = []
        while true {
            let batch = try reader.read(from: UInt64(records.count), limit: 10_000)
            if batch.isEmpty { return records }
            records += batch
        }
    }
}
