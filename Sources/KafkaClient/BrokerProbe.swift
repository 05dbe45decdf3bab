import BlockingThreads
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Asks a cluster for its topics within a time limit, and when that fails says why in terms
/// an operator can act on: which address could not be reached, or that the librdkafka loaded
/// is too old for the broker.
public enum BrokerProbe {
    /// The first librdkafka that parses KIP-482 tagged fields in ApiVersions responses
    /// (librdkafka PR #4278); older ones fail against such brokers (tansu, Kafka ≥ 2.4 with v3).
    public static let minimumFlexibleVersion = (major: 2, minor: 2)

    /// The cluster's topics with their partition counts, or an error naming the address;
    /// librdkafka's lines about the attempt go to `logger`.
    public static func topics(_ configuration: KafkaConfiguration, timeout: Duration, logger: Logger) async throws
        -> [String: Int]
    {
        let servers = configuration["bootstrap.servers"] ?? ""
        let admin = try KafkaAdmin(configuration: configuration.merging([
            "socket.connection.setup.timeout.ms": String(max(1_000, timeout.milliseconds)),
        ]), logger: logger)
        do {
            return try await admin.listTopics(timeout: timeout)
        } catch let error as KafkaError {
            throw await diagnose(error, servers: servers, timeout: timeout)
        }
    }

    /// Which of `servers` accept a TCP connection decides the explanation of `error`.
    static func diagnose(_ error: KafkaError, servers: String, timeout: Duration) async -> KafkaError {
        let addresses = servers.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }
        let reachable = await withTaskGroup(of: (String, String?).self) { group in
            for address in addresses {
                group.addTask { (address, await TCPProbe.connect(address, timeout: min(timeout, .seconds(3)))) }
            }
            var results: [(String, String?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        let refused = reachable.filter { $0.1 != nil }
        if refused.count == reachable.count {
            let why = refused.map { "\($0.0) (\($0.1!))" }.joined(separator: ", ")
            return KafkaError(
                code: .transport,
                message: "cannot reach Kafka at \(why) within \(timeout.seconds) s; "
                    + "check --bootstrap-servers or XSELL_BOOTSTRAP_SERVERS")
        }
        if !isFlexibleVersionsCapable(Librdkafka.version) {
            return KafkaError(
                code: .transport,
                message: "Kafka at \(servers) accepts connections, but librdkafka \(Librdkafka.version) cannot talk "
                    + "to it: librdkafka before \(minimumFlexibleVersion.major).\(minimumFlexibleVersion.minor) "
                    + "misreads the KIP-482 ApiVersions response of newer brokers (it reports \"broker version "
                    + "< 0.10\"). Fix: load librdkafka ≥ 2.2, e.g. LD_LIBRARY_PATH=$PWD/.tools/lib (scripts/provision.sh "
                    + "puts one there). Underlying error: \(error.message)")
        }
        return KafkaError(
            code: error.code,
            message: "Kafka at \(servers) accepts connections but did not answer a metadata request within "
                + "\(timeout.seconds) s: \(error.message)")
    }

    /// Whether librdkafka `version` (`2.0.2`) parses flexible ApiVersions responses.
    static func isFlexibleVersionsCapable(_ version: String) -> Bool {
        let parts = version.split(separator: ".").compactMap { Int($0.prefix { $0.isNumber }) }
        guard parts.count >= 2 else { return true }
        return (parts[0], parts[1]) >= minimumFlexibleVersion
    }
}

extension Duration {
    /// Whole seconds, for messages.
    var seconds: Int64 { components.seconds }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

/// A plain TCP connect, to tell "nothing listens there" from "something listens but won't talk".
enum TCPProbe {
    /// nil when `address` (`host:port`, optionally `SCHEME://host:port`) accepts a connection
    /// within `timeout`, else why not.
    static func connect(_ address: String, timeout: Duration) async -> String? {
        var hostPort = Substring(address)
        if let slash = hostPort.lastIndex(of: "/") { hostPort = hostPort[hostPort.index(after: slash)...] }  // SCHEME://
        guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]) else {
            return "not HOST:PORT"
        }
        var bracketed = String(hostPort[..<colon])
        if bracketed.hasPrefix("["), bracketed.hasSuffix("]") { bracketed = String(bracketed.dropFirst().dropLast()) }
        let host = bracketed
        let worker = BlockingWorker(name: "tcp-probe")
        defer { worker.stop() }
        do {
            return try await worker.run { blockingConnect(host: host, port: port, timeout: timeout) }
        } catch {
            return "probe failed: \(error)"
        }
    }

    private static func blockingConnect(host: String, port: UInt16, timeout: Duration) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { return "cannot resolve \(host): \(String(cString: gai_strerror(status)))" }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            defer { close(fd) }
            var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
            lastError = errno
        }
        return lastError == EINPROGRESS || lastError == EAGAIN ? "no answer" : String(cString: strerror(lastError))
    }
}
