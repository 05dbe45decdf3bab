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

/// Failures that explain themselves: each CLI misuse or missing dependency ends at once (or
/// within `--timeout`) with a message that names what is wrong.
@Suite struct CLIFailureTests {
    /// Runs `xsell arguments` to its end; its exit and its output (stdout and stderr).
    static func xsell(
        _ arguments: [String], environment: [String: String]? = nil, limit: Duration = .seconds(60)
    ) async throws -> (exit: ChildProcess.Exit, output: String) {
        let scratch = try ScratchDirectory("cli")
        defer { scratch.remove() }
        let child = try ChildProcess(
            executable: try PackagePaths.xsell(), arguments: arguments, outputPath: scratch.path + "/out",
            environment: environment)
        let exit = try await child.waitForExit(timeout: limit)
        return (exit, (try? String(contentsOfFile: scratch.path + "/out", encoding: .utf8)) ?? "")
    }

    static var config: [String] { ["--config", PackagePaths.root + "/config/cross-sell.yaml"] }

    /// Every command that talks to Kafka gives up after `--timeout` on an address where nothing
    /// listens, and says which address it could not reach.
    @Test(arguments: [
        ["topics", "create", "--topics", PackagePaths.root + "/topics"],
        ["publish", "customer.profile.v1", PackagePaths.root + "/topics/examples/tutorial-customers.jsonl"],
        ["recommend", "--customer", "cust_42", "--channel", "in_app"],
        ["ingest"], ["serve"], ["run"],
    ])
    func unreachableBrokerIsNamedWithinTheTimeout(command: [String]) async throws {
        let address = "127.0.0.1:\(try freeLoopbackPort())"
        let scratch = try ScratchDirectory("unreachable")
        defer { scratch.remove() }
        let (exit, output) = try await Self.xsell(
            command + Self.config + ["--bootstrap-servers", address, "--timeout", "2", "--data-dir", scratch.path],
            limit: .seconds(30))
        #expect(exit == ChildProcess.Exit(status: 1, bySignal: false), "\(output)")
        #expect(output.contains("cannot reach Kafka at \(address) (Connection refused) within 2 s"), "\(output)")
    }

    /// A topic that does not exist is refused before anything is sent, with the topics that do.
    @Test func publishingToAMisspelledTopicFails() async throws {
        let broker = try EmbeddedBroker(brokerCount: 1)
        defer { broker.shutdown() }
        try TopicSetup.create(try TopicSpec.loadAll(directory: PackagePaths.root + "/topics"), broker: broker)
        let (exit, output) = try await Self.xsell([
            "publish", "customer.profil.v1", PackagePaths.root + "/topics/examples/tutorial-customers.jsonl",
            "--bootstrap-servers", broker.bootstrapServers, "--timeout", "5",
        ])
        #expect(exit.status == 1, "\(output)")
        #expect(output.contains("has no topic customer.profil.v1"), "\(output)")
        #expect(output.contains("customer.profile.v1"), "the existing topics are listed: \(output)")
    }

    /// `topics create` on the embedded broker (topics made by `xsell run`) finishes at once.
    @Test func topicsCreateOnTheEmbeddedBroker() async throws {
        let broker = try EmbeddedBroker(brokerCount: 1)
        defer { broker.shutdown() }
        let specs = try TopicSpec.loadAll(directory: PackagePaths.root + "/topics")
        try TopicSetup.create(specs, broker: broker)
        let (exit, output) = try await Self.xsell([
            "topics", "create", "--topics", PackagePaths.root + "/topics", "--bootstrap-servers",
            broker.bootstrapServers, "--timeout", "5",
        ])
        #expect(exit.status == 0, "\(output)")
        #expect(output.contains("all \(specs.count) topics exist"), "\(output)")
        for spec in specs { #expect(output.contains("\(spec.name)\t\(spec.partitions) partitions"), "\(output)") }
    }

    /// The Kafka a test script provides (tansu), when there is one.
    static var independentBroker: [String] {
        ProcessInfo.processInfo.environment["XSELL_TANSU_BOOTSTRAP"].map { [$0] } ?? []
    }

    /// With the system's librdkafka 2.0.x against a KIP-482 broker (tansu), the error says so
    /// and how to fix it, instead of "broker version < 0.10".
    @Test(arguments: independentBroker)
    func oldLibrdkafkaAgainstANewBrokerIsExplained(address: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["LD_LIBRARY_PATH"] = nil  // the system's librdkafka (2.0.2 here)
        let version = try await Self.xsell(["--version"], environment: environment).output
        let (exit, output) = try await Self.xsell(
            ["topics", "create", "--bootstrap-servers", address, "--timeout", "3"], environment: environment)
        if version.contains("librdkafka 2.0.") || version.contains("librdkafka 2.1.") {
            #expect(exit.status == 1, "\(output)")
            #expect(output.contains("cannot talk to it"), "\(output)")
            #expect(output.contains("LD_LIBRARY_PATH"), "\(output)")
        } else {
            #expect(exit.status == 0, "a librdkafka ≥ 2.2 talks to \(address): \(output)")
        }
    }

    /// A data directory without a log says so, with the path (not "Input/output error").
    @Test(arguments: [["log", "verify"], ["log", "dump"], ["replay"]])
    func missingDataDirectoryIsNamed(command: [String]) async throws {
        let missing = NSTemporaryDirectory() + "xsell-missing-\(UUID().uuidString.prefix(8))"
        let (exit, output) = try await Self.xsell(command + Self.config + ["--data-dir", missing])
        #expect(exit.status == 1, "\(output)")
        #expect(output.contains("no event log at \(missing)/log"), "\(output)")
    }

    /// Out-of-range numbers (negative ones too) name the option and the range, under the
    /// subcommand's own usage; exit status 64 (usage).
    @Test(arguments: [
        (["recommend", "--customer", "c", "--channel", "in_app", "--limit", "-3"], "--limit -3: expected 1 or more",
         "xsell recommend"),
        (["log", "dump", "--limit", "-1"], "--limit -1: expected 0 or more", "xsell log dump"),
        (["topics", "create", "--partitions", "0"], "--partitions 0: expected 1 or more", "xsell topics create"),
        (["publish", "t", "f", "--timeout", "-2"], "--timeout -2.0: expected a number of seconds greater than 0",
         "xsell publish"),
        (["run", "--metrics-listen", "nowhere"], "--metrics-listen nowhere: expected HOST:PORT", "xsell run"),
        (["serve", "--ready-max-lag", "-5"], "--ready-max-lag -5: expected 0 or more", "xsell serve"),
        (["serve", "--request-ttl-seconds", "0"], "--request-ttl-seconds 0: expected 1 or more", "xsell serve"),
        (["run", "--instance-id", "r 1"], "--instance-id 'r 1': use 1 to 200 letters, digits", "xsell run"),
        (["serve", "--serve-group", ""], "--serve-group '': use 1 to 200 letters, digits", "xsell serve"),
    ])
    func rangeErrorsNameTheOptionAndTheRange(arguments: [String], message: String, usage: String) async throws {
        let (exit, output) = try await Self.xsell(arguments)
        #expect(exit.status == 64, "\(output)")
        #expect(output.contains(message), "\(output)")
        #expect(output.contains("Usage: \(usage)") || output.contains("USAGE: \(usage)"), "\(output)")
    }

    /// A metrics address in use stops the node with the option and the address.
    @Test func metricsPortInUseIsNamed() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        #expect(listening)
        let busy = "127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let scratch = try ScratchDirectory("busy")
        defer { scratch.remove() }
        let (exit, output) = try await Self.xsell(
            ["run", "--metrics-listen", busy, "--data-dir", scratch.path] + Self.config + ["--topics", PackagePaths.root + "/topics"])
        #expect(exit.status == 1, "\(output)")
        #expect(output.contains("Error: --metrics-listen \(busy): "), "\(output)")
        #expect(output.contains("Address already in use"), "\(output)")
    }

    /// `--version` names xsell's version and the librdkafka loaded.
    @Test func versionIsPrinted() async throws {
        let (exit, output) = try await Self.xsell(["--version"])
        #expect(exit.status == 0)
        #expect(output.hasPrefix("xsell 0.1.0 (librdkafka 2."), "\(output)")
    }
}
