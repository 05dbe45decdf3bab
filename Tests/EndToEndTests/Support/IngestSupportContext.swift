#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import XSellTestSupport

/// What one ingest end-to-end test owns: a private broker, a scratch directory and the
/// processes it starts. ``run(_:_:_:)`` tears all of it down, also when the test fails
/// (printing the output of its processes then).
final class IngestTestContext: Sendable {
    let broker: IngestBroker
    let scratch: ScratchDirectory
    /// A label unique to this test run, for event ids, customer ids and group names.
    let label: String
    private let children = Mutex<[ChildProcess]>([])

    private init(broker: IngestBroker, scratch: ScratchDirectory, label: String) {
        self.broker = broker
        self.scratch = scratch
        self.label = label
    }

    /// The data directory of the ingest processes of this test.
    var dataDirectory: String { scratch.path + "/data" }

    /// Starts `xsell ingest` on this test's broker and data directory.
    func startIngest() throws -> IngestProcess {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let ingest = try IngestProcess.start(broker: broker, dataDirectory: dataDirectory)
        children.withLock { $0.append(ingest.child) }
        return ingest
    }

    /// Runs `body` with a fresh context on a broker of `kind`.
    static func run(
        _ kind: BrokerKind, _ name: String, _ body: (IngestTestContext) async throws -> Void
    ) async throws {
        let label = "\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        let scratch = try ScratchDirectory(label)
        let broker: IngestBroker
        do {
            broker = try await IngestBroker.start(kind, scratch: scratch)
        } catch {
            print("[\(label)] broker did not start: \(error)")
            scratch.remove()
            throw error
        }
        let context = IngestTestContext(broker: broker, scratch: scratch, label: label)
        var failure: (any Error)?
        do { try await body(context) } catch { failure = error }
        for child in context.children.withLock({ $0 }) {
            if failure != nil { print("[\(label)] output of pid \(child.pid):\n\(child.outputTail())") }
            if !child.hasEnded {
                child.signal(SIGKILL)
                _ = try? await child.waitForExit(timeout: .seconds(10))
            }
        }
        await broker.shutdown()
        scratch.remove()
        if let failure { throw failure }
    }
}
