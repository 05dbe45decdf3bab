import Hummingbird
import Logging
import NIOCore
import Prometheus
import Runtime
import ServiceLifecycle

/// Where the operations endpoint listens: `HOST:PORT` (port 0 picks a free one), or `off`.
public struct OperationsAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host or IP address to bind.
    public var host: String
    /// The TCP port (0: any free port).
    public var port: Int

    /// The default: loopback, the port Prometheus exporters of this kind conventionally use.
    public static let `default` = OperationsAddress(host: "127.0.0.1", port: 9464)

    /// An address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (IPv6 as `[::1]:PORT`); nil for `off`; throws a message naming the
    /// option and what it expects.
    public static func parse(_ text: String, option: String = "--metrics-listen") throws(AddressError) -> OperationsAddress? {
        if text == "off" { return nil }
        guard let colon = text.lastIndex(of: ":") else {
            throw AddressError(description: "\(option) \(text): expected HOST:PORT (e.g. 127.0.0.1:9464) or off")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw AddressError(description: "\(option) \(text): expected HOST:PORT with a port in 0...65535, or off")
        }
        return OperationsAddress(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A malformed ``OperationsAddress``.
public struct AddressError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, naming the option.
    public var description: String
}

/// The operations endpoint of a node, over HTTP/1.1:
/// - `GET /metrics`: every metric in the Prometheus text format;
/// - `GET /healthz`: 200 while the process runs (liveness);
/// - `GET /readyz`: 200 when the node is ready, else 503 with the unmet conditions, one a line.
public enum OperationsServer {
    /// The endpoint as a service of the node's group; `onListening` gets the bound address.
    public static func service(
        address: OperationsAddress, registry: PrometheusCollectorRegistry, health: NodeHealth, logger: Logger,
        onListening: @escaping @Sendable (OperationsAddress) -> Void = { _ in }
    ) -> some Service {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("healthz") { _, _ -> String in "alive\n" }
        router.get("readyz") { _, _ -> Response in
            let readiness = health.readiness
            let text = readiness.isReady ? "ready\n" : "not ready\n" + readiness.unmet.map { "- \($0)\n" }.joined()
            return Response(
                status: readiness.isReady ? .ok : .serviceUnavailable,
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .notice)  // no line per request
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { channel in
                onListening(OperationsAddress(host: address.host, port: channel.localAddress?.port ?? address.port))
            },
            logger: quiet)
        return Endpoint(application: application, address: address)
    }

    /// The application, with failures (a port in use, say) naming the option and the address.
    private struct Endpoint<Wrapped: Service>: Service {
        let application: Wrapped
        let address: OperationsAddress

        func run() async throws {
            do {
                try await application.run()
            } catch {
                throw AddressError(description: "--metrics-listen \(address): \(error)")
            }
        }
    }
}

extension OperationsServer {
    /// A metrics factory that records into `registry`, with histogram buckets that fit each
    /// duration: microseconds for a decision, milliseconds for fsync and request→reply.
    public static func metricsFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let micro: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500].map { .microseconds($0) }
        let milli: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000]
            .map { .microseconds(Int64($0 * 1_000)) }
        factory.durationHistogramBuckets = [
            MetricName.decision: micro + milli.prefix(8),
            MetricName.logFsync: micro.suffix(4) + milli.prefix(12),
            MetricName.logAppend: micro.suffix(4) + milli.prefix(12),
            MetricName.requestToReply: milli,
        ]
        return factory
    }
}
