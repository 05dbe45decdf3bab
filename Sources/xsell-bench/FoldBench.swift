import Analytics
import ArgumentParser
import CMalloc
import ConfigLoading
import EventLog
import Foundation
import Logging
@_spi(Benchmarks) import Projection
import Runtime
import XSellCore

/// `xsell-bench fold`: the projection at bank scale. For each size and arrival order, a child
/// process (`fold-run`) writes a synthetic bank stream straight into a fresh log, then times,
/// on that log, the read + decode pass (the baseline) and the replay (read + decode + fold +
/// settle), and reports its peak RSS; for the `time` order it also times a restart: cold
/// (`ProjectionRunner.restore` on the whole log) against snapshot + tail.
struct FoldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold", abstract: "Replay and restart of the projection on a synthetic bank stream.")

    @Option(help: "The tutorial configuration.") var config = "config/cross-sell.yaml"
    @Option(help: "Event counts (comma separated); customers = events / 2.") var sizes = "100000,1000000"
    @Option(help: "Arrival orders (comma separated): time, conversions-first, profiles-last, backfill.")
    var orders = BankStream.Order.allCases.map(\.rawValue).joined(separator: ",")
    @Flag(help: "Skip the restart measurement.") var noRestart = false
    @Option(help: "Directory for the temporary logs.") var directory: String = NSTemporaryDirectory()

    func run() async throws {
        let chosen = try orders.split(separator: ",").map { name in
            guard let order = BankStream.Order(rawValue: String(name)) else { throw ValidationError("unknown order \(name)") }
            return order
        }
        print("| events | customers | order | read + decode ev/s | replay ev/s | replay / read+decode | ns/event | peak RSS | RSS after | B/customer | digest | longest apply with a snapshot copy held | cold restart: state folded (learners settled) | snapshot + tail | snapshot write (size) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        var breakdowns: [String] = []
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            for order in chosen {
                let restart = !noRestart && order == .time
                var arguments = ["fold-run", "--config", config, "--events", "\(size)", "--order", order.rawValue, "--directory", directory]
                if restart { arguments.append("--restart") }
                let r = try Self.child(arguments)
                func n(_ k: String) -> Double { Double(r[k] ?? "") ?? .nan }
                let perCustomer = (n("rssAfter") - n("rssBefore")) / n("customers")
                var row = "| \(r["records"] ?? "?") | \(r["customers"] ?? "?") | \(order.rawValue) | "
                row += "\(Int(n("records") / n("readDecode"))) | \(Int(n("records") / n("replay"))) | "
                row += String(format: "%.2f | %.0f | ", n("readDecode") / n("replay"), n("replay") / n("records") * 1e9)
                row += String(format: "%.0f MB | %.0f MB | %.0f | ", n("hwm") / 1e6, n("rssAfter") / 1e6, perCustomer)
                row += "\(r["digest"] ?? "?") | " + String(format: "%.2f ms (median %.1f µs; alone %.1f µs) | ", n("snapshotStall") * 1e3, n("applyMedianCopyHeld") * 1e6, n("applyMedian") * 1e6)
                if restart {
                    row += String(
                        format: "%.2f s (settled %.2f s) | %.2f s (snapshot load %.2f s; settled %.2f s) | %.2f s (%.0f MB) |", n("cold"),
                        n("coldSettled"), n("warm"), n("snapshotLoad"), n("warmSettled"), n("snapshotWrite"), n("snapshotBytes") / 1e6)
                } else {
                    row += "— | — | — |"
                }
                print(row)
                breakdowns.append("| \(r["records"] ?? "?") | \(order.rawValue) | " + Self.perCustomer(r["heapParts"] ?? "", customers: n("customers")))
            }
        }
        print("")
        print("Heap bytes per customer by part (glibc in-use bytes freed when the part is released, after the replay):")
        print("")
        print("| events | order | " + Self.partNames.joined(separator: " | ") + " | total |")
        print("|---|---|" + String(repeating: "---|", count: Self.partNames.count + 1))
        for line in breakdowns { print(line) }
    }

    static let partNames = ["seen ids", "ledgers", "contacts", "outcomes", "attributes", "customer map", "pending exposures", "request index", "learners"]

    /// `part:bytes,…` as a table row of bytes per customer.
    static func perCustomer(_ parts: String, customers: Double) -> String {
        var bytes: [String: Double] = [:]
        for item in parts.split(separator: ",") {
            let kv = item.split(separator: ":")
            if kv.count == 2 { bytes[String(kv[0])] = Double(kv[1]) }
        }
        let cells = partNames.map { String(format: "%.0f", (bytes[$0] ?? .nan) / customers) }
        return cells.joined(separator: " | ") + String(format: " | %.0f |", bytes.values.reduce(0, +) / customers)
    }

    /// Runs this executable with `arguments` and parses its `key=value` output lines.
    static func child(_ arguments: [String]) throws -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("fold-run \(arguments) exited \(process.terminationStatus)") }
        var result: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            result[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return result
    }
}

/// `xsell-bench fold-run`: one measurement of `fold`, in its own process (so peak RSS is its own).
struct FoldRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold-run", abstract: "One size and order of `fold` (prints key=value lines).", shouldDisplay: false)

    @Option var config = "config/cross-sell.yaml"
    @Option var events = 100_000
    @Option var order = BankStream.Order.time.rawValue
    @Option var directory: String = NSTemporaryDirectory()
    @Flag var restart = false

    func run() async throws {
        guard let order = BankStream.Order(rawValue: order) else { throw ValidationError("unknown order \(order)") }
        // One malloc arena, so that mallinfo2 (xsell_heap_in_use reads the main arena) sees every thread's heap.
        mallopt(M_ARENA_MAX, 1)
        let config = try ConfigLoader.load(path: config)
        let path = directory + "/xsell-bench-fold-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stream = BankStream(events: events, customers: events / 2, offers: config.offers.map(\.id))
        let clock = ContinuousClock()
        var t = clock.now
        let records = try Self.write(stream, order: order, to: path)
        report("generate", (clock.now - t).benchSeconds)
        report("records", records)
        report("customers", stream.customers)

        t = clock.now
        var decoded = 0
        try LogReplay.forEachEvent(directory: path) { event, _ in decoded += event.eventId.isEmpty ? 0 : 1 }
        report("readDecode", (clock.now - t).benchSeconds)
        guard decoded == records else { throw ValidationError("decoded \(decoded) of \(records)") }

        report("rssBefore", Self.status("VmRSS"))
        t = clock.now
        var replayed: LogReplay.Result? = try LogReplay.rebuild(config: config, directory: path)
        report("replay", (clock.now - t).benchSeconds)
        report("hwm", Self.status("VmHWM"))
        report("rssAfter", Self.status("VmRSS"))
        report("digest", String(replayed!.state.stateDigest, radix: 16))
        let stall = try Self.applyWithCopyHeld(&replayed!.state, stream: stream)
        report("snapshotStall", stall.longest)
        report("applyMedianCopyHeld", stall.median)
        report("applyMedian", stall.baseline)
        let parts = replayed!.state.releaseMeasuringParts { Int(xsell_heap_in_use()) }
        report("heapParts", parts.map { "\($0.part):\($0.bytes)" }.joined(separator: ","))
        replayed = nil
        if restart { try await measureRestart(config: config, stream: stream, log: path) }
    }

    /// What a snapshot costs the fold: `ProjectionRunner` takes a value copy of the state under
    /// its lock and encodes it elsewhere; while the copy lives, the fold's writes pay for
    /// whatever it shares (copy on write). The next 4,000 events (the days after the log:
    /// decisions, conversions and commits, so customers, examples, the expiry queue and the
    /// request index are all written) are applied one by one, the first half alone (the
    /// baseline: their median) and the second half with a copy held (their longest and median).
    static func applyWithCopyHeld(_ state: inout ProjectionState, stream: BankStream) throws -> (longest: Double, median: Double, baseline: Double) {
        var next: [DomainEvent] = []
        try stream.tail(fraction: 0.1).emit(.time, profiles: false) { if next.count < 4_000 { next.append($0) } }
        let clock = ContinuousClock()
        func apply(_ events: ArraySlice<DomainEvent>) -> [Double] {
            events.map { event in
                let t = clock.now
                state.apply(event, position: state.nextPosition)
                return (clock.now - t).benchSeconds
            }.sorted()
        }
        let alone = apply(next.prefix(next.count / 2))
        let copy = state
        let held = apply(next.dropFirst(next.count / 2))
        withExtendedLifetime(copy) {}
        func median(_ x: [Double]) -> Double { x.isEmpty ? 0 : x[x.count / 2] }
        return (held.last ?? 0, median(held), median(alone))
    }

    /// Cold restart vs snapshot + tail: a snapshot of the whole log, settled, is written, a tail
    /// of 10% more events (the days after) is appended, and both restarts fold the same log.
    private func measureRestart(config: XSellConfig, stream: BankStream, log: String) async throws {
        let logger = Logger.bench(level: .error)
        let clock = ContinuousClock()
        let snapshots = log + "-snapshots"
        defer { try? FileManager.default.removeItem(atPath: snapshots) }
        do {
            let runner = ProjectionRunner(config: config, reader: EventLogReader(directory: log), snapshotDirectory: snapshots, logger: logger)
            try await runner.restore()
            // A node that has caught up: its learners are settled when it writes the snapshot
            // (a snapshot does not learn: one written before that would leave the learning to the restart).
            await runner.learnUntilSettled()
            let t = clock.now
            try await runner.writeSnapshot()
            report("snapshotWrite", (clock.now - t).benchSeconds)
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []
        report("snapshotBytes", files.reduce(0) {
            $0 + ((try? FileManager.default.attributesOfItem(atPath: snapshots + "/" + $1)[.size] as? Int) ?? 0)
        })
        // The snapshot's share of a warm restart: reading and decoding the file alone.
        if let name = files.first(where: { $0.hasSuffix(".snapshot") }) {
            let t = clock.now
            let state = try ProjectionSnapshot.decode(try WholeFile.read(snapshots + "/" + name), settings: ProjectionSettings(config: config))
            report("snapshotLoad", (clock.now - t).benchSeconds)
            withExtendedLifetime(state) {}
        }
        let tail = stream.tail(fraction: 0.1)
        _ = try Self.write(tail, order: .time, to: log, profiles: false)
        for (key, directory) in [("cold", log + "-none"), ("warm", snapshots)] {
            let runner = ProjectionRunner(config: config, reader: EventLogReader(directory: log), snapshotDirectory: directory, logger: logger)
            let t = clock.now
            try await runner.restore()
            report(key, (clock.now - t).benchSeconds)
            await runner.learnUntilSettled()
            report(key + "Settled", (clock.now - t).benchSeconds)
        }
    }

    /// Appends `stream` in `order` to the log in `path`; returns the records written.
    static func write(_ stream: BankStream, order: BankStream.Order, to path: String, profiles: Bool = true) throws -> Int {
        let log = try EventLogWriter.open(directory: path)
        var offsets: [String: Int64] = [:]
        var batch: [LogRecordInput] = []
        var count = 0
        try stream.emit(order, profiles: profiles) { event in
            let topic: XSellTopic = switch event {
            case .profile: .profile
            case .decision: .decision
            case .interaction: .interaction
            }
            let partition = Int32(FNV1a64.hash(event.customerId.utf8) % 6)
            let key = "\(topic.rawValue)/\(partition)"
            let offset = offsets[key, default: log.highestOffsets()[TopicPartitionKey(topic: topic.rawValue, partition: partition)].map { $0 + 1 } ?? 0]
            offsets[key] = offset + 1
            batch.append(LogRecordInput(topic: topic.rawValue, partition: partition, offset: offset, eventId: event.eventId, payload: event.binaryEncoded()))
            count += 1
            if batch.count == 10_000 {
                try log.append(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try log.append(batch) }
        try log.close()
        return count
    }

    private func report(_ key: String, _ value: some CustomStringConvertible) { print("\(key)=\(value)") }

    /// A `/proc/self/status` field in bytes (0 where there is no procfs).
    static func status(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}
