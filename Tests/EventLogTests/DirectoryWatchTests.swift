@testable import EventLog
import Foundation
import Testing

/// A standalone reader (`EventLogReader(directory:)`) waits on inotify: it checks the end of
/// the log once, sleeps until the directory changes, and wakes for a writer in this process or
/// bytes appended by another process.
@Suite struct DirectoryWatchTests {
    /// Long enough that a 10 ms poll would have checked the end many times.
    private static let idle: Duration = .milliseconds(300)

    @Test func standaloneReaderWakesOnAnAppendByAnotherProcess() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            try writer.append(sampleRecords(0..<3))
            try writer.close()
            let segment = dir.file(segmentName(0))
            let frame = try withTemporaryDirectory { other in
                let writer = try EventLogWriter.open(directory: other.path)
                try writer.append(sampleRecords(0..<4))
                try writer.close()
                return Array(try fileBytes(other.file(segmentName(0)))[try fileBytes(segment).count...])
            }
            let framePath = dir.path + "-frame"
            try writeBytes(frame, to: framePath)
            defer { try? FileManager.default.removeItem(atPath: framePath) }

            let reader = EventLogReader(directory: dir.path)
            let waiter = Task { try await reader.waitForMore(from: 3) }
            try await Task.sleep(for: Self.idle)
            #expect(reader.endChecks == 1)

            let append = Process()
            append.executableURL = URL(fileURLWithPath: "/bin/sh")
            append.arguments = ["-c", "cat \"$0\" >> \"$1\"", framePath, segment]
            try append.run()
            append.waitUntilExit()
            #expect(append.terminationStatus == 0)
            try await waiter.value
            #expect(try reader.read(from: 3, limit: 10).map(\.input) == [sampleRecord(3)])
        }
    }

    @Test func standaloneReaderWakesOnAnotherWriterInstance() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path, options: EventLogOptions(segmentBytes: 2048))
            let reader = EventLogReader(directory: dir.path)
            for round in 0..<3 {
                let start = reader.endChecks
                let position = UInt64(round * 12)
                let waiter = Task { try await reader.waitForMore(from: position) }
                try await Task.sleep(for: Self.idle)
                #expect(reader.endChecks == start + 1)
                try writer.append(sampleRecords((round * 12)..<(round * 12 + 12)))  // rolls segments
                try await waiter.value
            }
            #expect(try readAll(reader).map(\.input) == sampleRecords(0..<36))
            try writer.close()
        }
    }

    @Test(.timeLimit(.minutes(1))) func cancellingAWaitingStandaloneReaderReturnsPromptly() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            let reader = EventLogReader(directory: dir.path)
            let waiter = Task { try await reader.waitForMore(from: 0) }
            try await Task.sleep(for: Self.idle)
            #expect(reader.endChecks == 1)
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            try writer.close()
        }
    }
}
