import EventLog
import Foundation
import Synchronization
import Testing

@Suite struct TailFollowTests {
    /// Reads records from 0 until `count` have been seen, waiting at the end of the log.
    private static func follow(_ reader: EventLogReader, count: Int) async throws -> [LogRecord] {
        var seen: [LogRecord] = []
        while seen.count < count {
            let next = try reader.read(from: UInt64(seen.count), limit: 16)
            if next.isEmpty {
                try await reader.waitForMore(from: UInt64(seen.count))
            }
            seen += next
        }
        return seen
    }

    @Test(arguments: [true, false])
    func readerSeesRecordsAppendedAfterItStarted(writerReader: Bool) async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path, options: EventLogOptions(segmentBytes: 2048))
            try writer.append(sampleRecords(0..<3))
            let reader = writerReader ? writer.makeReader() : EventLogReader(directory: dir.path)
            let follower = Task { try await Self.follow(reader, count: 60) }
            for batch in 0..<19 {
                try await Task.sleep(for: .milliseconds(2))
                try writer.append(sampleRecords((3 + batch * 3)..<(6 + batch * 3)))
            }
            let seen = try await follower.value
            #expect(seen.map(\.input) == sampleRecords(0..<60))
            try writer.close()
        }
    }

    @Test func endPositionsStreamReportsEachAppend() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            var ends = writer.endPositions().makeAsyncIterator()
            #expect(await ends.next() == 0)
            try writer.append(sampleRecords(0..<4))
            #expect(await ends.next() == 4)
            try writer.append(sampleRecords(4..<5))
            #expect(await ends.next() == 5)
            try writer.close()
            #expect(await ends.next() == nil)
        }
    }

    @Test func writerReaderStopsWaitingWhenTheWriterCloses() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            let reader = writer.makeReader()
            let waiter = Task { try await reader.waitForMore(from: 0) }
            try await Task.sleep(for: .milliseconds(20))
            try writer.close()
            await #expect(throws: EventLogError.closed) { try await waiter.value }
        }
    }

    @Test func waitingIsCancellable() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            for reader in [writer.makeReader(), EventLogReader(directory: dir.path)] {
                let waiter = Task { try await reader.waitForMore(from: 0) }
                try await Task.sleep(for: .milliseconds(20))
                waiter.cancel()
                await #expect(throws: CancellationError.self) { try await waiter.value }
            }
            try writer.close()
        }
    }

    /// A standalone reader racing a writer's appends sees only whole records and never takes a
    /// record still being written for damage (it once read a frame mid-append, then looked for
    /// valid frames after it in the file as it was a moment later, found the rest of the batch,
    /// and called the log corrupt).
    @Test func readerRacingTheWriterNeverReportsCorruption() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            let reader = EventLogReader(directory: dir.path)
            let total = 6_000
            let failure = Mutex<String?>(nil)
            let appender = Thread {
                do {
                    for start in stride(from: 0, to: total, by: 20) {
                        try writer.append(sampleRecords(start..<(start + 20), payloadSize: 3_000))
                    }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                }
            }
            appender.start()
            var seen = 0
            while seen < total, failure.withLock({ $0 }) == nil {
                let next = try reader.read(from: UInt64(seen), limit: 64)
                for record in next {
                    #expect(record.input == sampleRecord(Int(record.position), payloadSize: 3_000))
                }
                seen += next.count
                if next.isEmpty { await Task.yield() }
            }
            #expect(failure.withLock { $0 } == nil)
            #expect(seen == total)
            try writer.close()
        }
    }

    /// A standalone reader does not return a record whose bytes are only partly written.
    @Test func partialRecordAtTheEndIsNotRead() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            try writer.append(sampleRecords(0..<3))
            try writer.close()
            let path = dir.file(segmentName(0))
            let full = try fileBytes(path)
            let extra = try withTemporaryDirectory { other in
                let writer = try EventLogWriter.open(directory: other.path)
                try writer.append(sampleRecords(0..<4))
                try writer.close()
                return Array(try fileBytes(other.file(segmentName(0)))[full.count...])
            }
            let reader = EventLogReader(directory: dir.path)
            #expect(try reader.read(from: 0, limit: 10).count == 3)
            try writeBytes(full + extra.prefix(extra.count - 1), to: path)
            #expect(try reader.read(from: 3, limit: 10).isEmpty)
            #expect(try reader.endPosition() == 3)
            try writeBytes(full + extra, to: path)
            #expect(try reader.read(from: 3, limit: 10).map(\.input) == [sampleRecord(3)])
        }
    }
}
