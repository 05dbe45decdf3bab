#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ConfigLoading
import Foundation
import KafkaClient
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// A private broker for one test, holding the fixed xsell topics (6 partitions each, from
/// `topics/`): a mock cluster hosted by the test process, or a tansu process of its own.
///
/// Ingest consumes fixed topic names and produces to the one dead-letter topic, so tests
/// sharing a broker would re-ingest and re-dead-letter each other's messages; a broker per
/// test keeps "exactly one dead letter per bad message" checkable. The tansu binary is the one
/// `scripts/provision.sh` installs (`.tools/bin/tansu`, or `$XSELL_TANSU_BIN`).
final class IngestBroker: Sendable {
    let kind: BrokerKind
    let bootstrapServers: String
    private let embedded: EmbeddedBroker?
    private let tansu: ChildProcess?
    /// Partitions of every topic.
    static let partitions = 6

    private init(kind: BrokerKind, bootstrapServers: String, embedded: EmbeddedBroker?, tansu: ChildProcess?) {
        self.kind = kind
        self.bootstrapServers = bootstrapServers
        self.embedded = embedded
        self.tansu = tansu
    }

    /// Starts a broker of `kind` and creates the topics of `topics/` on it.
    static func start(_ kind: BrokerKind, scratch: ScratchDirectory) async throws -> IngestBroker {
        let specs = try TopicSpec.loadAll(directory: PackagePaths.root + "/topics")
        switch kind {
        case .mock:
            let embedded = try EmbeddedBroker(brokerCount: 1)
            try TopicSetup.create(specs, partitions: partitions, broker: embedded)
            return IngestBroker(kind: kind, bootstrapServers: embedded.bootstrapServers, embedded: embedded, tansu: nil)
        case .tansu:
            let address = "127.0.0.1:\(try freeLoopbackPort())"
            let process = try ChildProcess(
                executable: PackagePaths.tansu,
                arguments: ["broker", "--listener-url", "tcp://\(address)", "--advertised-listener-url", "tcp://\(address)"],
                outputPath: scratch.path + "/tansu.log")
            let broker = IngestBroker(kind: kind, bootstrapServers: address, embedded: nil, tansu: process)
            // librdkafka reconnects until tansu listens; CreateTopics then waits for its answer.
            let admin = try KafkaAdmin(configuration: broker.base.merging(["reconnect.backoff.max.ms": "100"]), logger: .test())
            try await TopicSetup.create(specs, partitions: partitions, admin: admin)
            return broker
        }
    }

    /// Stops the mock cluster or the tansu process (SIGKILL: its storage is memory only).
    func shutdown() async {
        embedded?.shutdown()
        if let tansu {
            tansu.signal(SIGKILL)
            _ = try? await tansu.waitForExit(timeout: .seconds(10))
        }
    }

    var base: KafkaConfiguration { KafkaConfiguration(bootstrapServers: bootstrapServers) }

    /// librdkafka properties for the ingest process: group joins in seconds rather than tens
    /// of seconds (tansu's default session timeout makes a join take ~20 s).
    static let ingestProperties = [
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "500",
        "max.poll.interval.ms": "7000",
    ]

    /// A producer for test traffic; accepts messages up to 4 MB (for the too-large case).
    func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: base.merging(["linger.ms": "2", "message.max.bytes": "4000000"]), logger: .test())
    }

    /// A consumer that reads assigned partitions (no group join) on behalf of `group`.
    func reader(group: String) throws -> KafkaConsumer {
        try KafkaConsumer(configuration: base.merging([
            "group.id": group, "enable.auto.commit": "false", "fetch.wait.max.ms": "5",
        ]), logger: .test())
    }
}

/// A temporary directory for one test, removed by ``remove()``.
struct ScratchDirectory: Sendable {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "xsell-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A failure of test plumbing (a timeout, a missing binary), with a readable message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A loopback TCP port that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
