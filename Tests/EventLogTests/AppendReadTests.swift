import EventLog
import Foundation
import Testing

@Suite struct AppendReadTests {
    @Test func emptyLogHasNothingToRead() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            #expect(writer.nextPosition == 0)
            #expect(try writer.append([]) == nil)
            #expect(try EventLogReader(directory: dir.path).read(from: 0, limit: 10).isEmpty)
            #expect(try EventLogReader(directory: dir.path).endPosition() == 0)
            try writer.close()
        }
    }

    @Test func appendAndReadAcrossSegmentRolls() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path, options: EventLogOptions(segmentBytes: 4096))
            var expected: [LogRecordInput] = []
            for batch in 0..<20 {
                let records = sampleRecords(batch * 10..<(batch * 10 + 10 + batch % 3))
                let range = try writer.append(records)
                #expect(range == UInt64(expected.count)...UInt64(expected.count + records.count - 1))
                expected += records
            }
            #expect(writer.nextPosition == UInt64(expected.count))
            let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path)
                .filter { $0.hasSuffix(".log") }.sorted()
            #expect(segments.count > 10)
            #expect(segments.first == segmentName(0))
            for name in segments {
                let size = try FileManager.default.attributesOfItem(atPath: dir.file(name))[.size] as? Int ?? 0
                #expect(size <= 4096)
            }

            for reader in [writer.makeReader(), EventLogReader(directory: dir.path)] {
                let all = try readAll(reader, batch: 7)
                #expect(all.map(\.input) == expected)
                #expect(all.map(\.position) == (0..<UInt64(expected.count)).map { $0 })
                for position in stride(from: 0, to: expected.count, by: 17).reversed() {
                    let one = try reader.read(from: UInt64(position), limit: 1)
                    #expect(one.map(\.input) == [expected[position]])
                }
                #expect(try reader.read(from: UInt64(expected.count), limit: 5).isEmpty)
                #expect(try reader.endPosition() == UInt64(expected.count))
                #expect(try reader.tail(count: 3).map(\.eventId) == expected.suffix(3).map(\.eventId))
            }
            try writer.close()
        }
    }

    @Test func reopenContinuesPositionsAndOffsets() throws {
        try withTemporaryDirectory { dir in
            let options = EventLogOptions(segmentBytes: 2048)
            var writer = try EventLogWriter.open(directory: dir.path, options: options)
            try writer.append(sampleRecords(0..<25))
            let offsets = writer.highestOffsets()
            try writer.close()

            writer = try EventLogWriter.open(directory: dir.path, options: options)
            #expect(writer.recoveryEvents.isEmpty)
            #expect(writer.nextPosition == 25)
            #expect(writer.highestOffsets() == offsets)
            #expect(offsets[TopicPartitionKey(topic: "decision.made.v1", partition: 2)] == 23)
            #expect(offsets[TopicPartitionKey(topic: "interaction.recorded.v1", partition: 1)] == 19)
            #expect(try writer.append(sampleRecords(25..<30)) == 25...29)
            try writer.close()

            writer = try EventLogWriter.open(directory: dir.path, options: options)
            #expect(writer.highestOffsets()[TopicPartitionKey(topic: "interaction.recorded.v1", partition: 2)] == 29)
            #expect(try readAll(writer.makeReader()).map(\.input) == sampleRecords(0..<30))
            try writer.close()
        }
    }

    @Test func recordLargerThanASegmentGetsItsOwnSegment() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path, options: EventLogOptions(segmentBytes: 1024))
            let records = [sampleRecord(0), sampleRecord(1, payloadSize: 5000), sampleRecord(2)]
            try writer.append(records)
            #expect(try readAll(EventLogReader(directory: dir.path)).map(\.input) == records)
            try writer.close()
        }
    }

    @Test func secondWriterIsRefused() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            #expect(throws: EventLogError.locked(directory: dir.path)) {
                try EventLogWriter.open(directory: dir.path)
            }
            try writer.close()
            try EventLogWriter.open(directory: dir.path).close()
        }
    }

    @Test func closedWriterRefusesAppends() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            try writer.close()
            #expect(throws: EventLogError.closed) { try writer.append([sampleRecord(0)]) }
        }
    }

    @Test func oversizedFieldsAreRejectedBeforeWriting() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path)
            var record = sampleRecord(0)
            record.eventId = String(repeating: "x", count: 70_000)
            #expect(throws: EventLogError.fieldTooLong(field: "eventId", bytes: 70_000)) {
                try writer.append([sampleRecord(1), record])
            }
            #expect(writer.nextPosition == 0)
            #expect(try writer.append([sampleRecord(1)]) == 0...0)
            try writer.close()
        }
    }
}
