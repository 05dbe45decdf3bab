import EventLog
import Foundation
import Testing

/// One test per row of the recovery table (`RecoveryRule`).
@Suite struct RecoveryTests {
    static let count = 6

    /// A closed log of `count` records in one segment, and the byte offset of each record.
    private func fixture() throws -> (TemporaryDirectory, starts: [Int]) {
        let dir = try TemporaryDirectory()
        let writer = try EventLogWriter.open(directory: dir.path)
        let records = sampleRecords(0..<Self.count)
        try writer.append(records)
        try writer.close()
        let starts = records.indices.map { records[..<$0].map(frameSize).reduce(0, +) }
        return (dir, starts)
    }

    @Test func everyRuleHasTheDocumentedAction() {
        let table = Dictionary(uniqueKeysWithValues: RecoveryRule.allCases.map { ($0, $0.action) })
        #expect(table == [
            .tornTail: .truncateToLastValidRecord,
            .corruptionBeforeTail: .refuseToOpen,
            .corruptLastRecord: .refuseToOpen,
            .corruptSealedSegment: .refuseToOpen,
            .positionGap: .refuseToOpen,
            .missingIndex: .rebuildIndex,
            .invalidIndex: .rebuildIndex,
            .staleIndex: .rebuildIndex,
        ])
    }

    /// tornTail: cut the last record at every byte; recovery keeps the records before it.
    @Test func cutAtEveryByteOfTheLastRecordTruncates() throws {
        let (fixture, starts) = try fixture()
        defer { fixture.remove() }
        let log = try fileBytes(fixture.file(segmentName(0)))
        let lastStart = starts.last!
        for cut in lastStart..<log.count {
            let dir = try fixture.copy()
            defer { dir.remove() }
            try writeBytes(Array(log[..<cut]), to: dir.file(segmentName(0)))
            let writer = try EventLogWriter.open(directory: dir.path)
            let rules = writer.recoveryEvents.map(\.rule)
            #expect(writer.nextPosition == UInt64(Self.count - 1), "cut at \(cut)")
            if cut > lastStart {
                #expect(rules.contains(.tornTail), "cut at \(cut)")
                #expect(writer.recoveryEvents.first { $0.rule == .tornTail }?.byteOffset == Int64(lastStart))
            }
            #expect(try writer.append([sampleRecord(99)]) == UInt64(Self.count - 1)...UInt64(Self.count - 1))
            try writer.close()
            let read = try readAll(EventLogReader(directory: dir.path))
            #expect(read.map(\.input) == sampleRecords(0..<(Self.count - 1)) + [sampleRecord(99)], "cut at \(cut)")
        }
    }

    /// Zeroed (never written) bytes at the end of the last segment are a torn tail too.
    @Test func zeroFilledTailTruncates() throws {
        let (dir, starts) = try fixture()
        defer { dir.remove() }
        let path = dir.file(segmentName(0))
        var log = try fileBytes(path)
        for i in starts.last!..<log.count { log[i] = 0 }
        try writeBytes(log + [UInt8](repeating: 0, count: 4096), to: path)
        let writer = try EventLogWriter.open(directory: dir.path)
        #expect(writer.nextPosition == UInt64(Self.count - 1))
        #expect(writer.recoveryEvents.map(\.rule) == [.tornTail, .staleIndex])
        try writer.close()
    }

    /// Bit flips: before the last record → refuse, naming file and byte; in the complete last
    /// record → refuse too (corruptLastRecord: it was durable and its offset committed), except
    /// in its length field (byte 5), which makes it look incomplete: a torn tail, truncated.
    @Test(arguments: [
        (5, 0), (5, 2), (5, 5), (5, 8), (5, 12), (5, 20), (5, 29), (5, 40), (5, 150), (5, 240),
        (0, 0), (0, 5), (0, 7), (0, 8), (0, 12), (0, 31), (0, 100),
        (2, 0), (2, 4), (2, 6), (2, 9), (2, 200), (4, 240),
    ])
    func bitFlip(record: Int, byte: Int) throws {
        let (dir, starts) = try fixture()
        defer { dir.remove() }
        let path = dir.file(segmentName(0))
        var log = try fileBytes(path)
        log[starts[record] + byte] ^= 0x10
        try writeBytes(log, to: path)
        if record == Self.count - 1 && byte == 5 {
            let writer = try EventLogWriter.open(directory: dir.path)
            #expect(writer.nextPosition == UInt64(Self.count - 1))
            #expect(writer.recoveryEvents.first?.rule == .tornTail)
            try writer.close()
        } else if record == Self.count - 1 {
            let error = #expect(throws: EventLogError.self) { try EventLogWriter.open(directory: dir.path) }
            guard case let .corruption(rule, file, offset, _) = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(rule == .corruptLastRecord && file == path && offset == Int64(starts[record]))
            #expect(String(describing: error!).contains("at byte \(starts[record])"))
        } else {
            let error = #expect(throws: EventLogError.self) { try EventLogWriter.open(directory: dir.path) }
            guard case let .corruption(rule, file, offset, _) = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(rule == .corruptionBeforeTail)
            #expect(file == path)
            #expect(offset == Int64(starts[record]))
            let message = String(describing: error!)
            #expect(message.contains(path) && message.contains("at byte \(starts[record])"))
            // A standalone reader refuses too, once it reaches the damage.
            let reader = EventLogReader(directory: dir.path)
            #expect(try reader.read(from: 0, limit: record).count == record)
            #expect(throws: EventLogError.self) { try reader.read(from: 0, limit: 100) }
        }
    }

    /// corruptSealedSegment: damage anywhere in a segment that is not the last, even its last record.
    @Test(arguments: [true, false])
    func damageInSealedSegmentRefuses(lastRecordOfSegment: Bool) throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path, options: EventLogOptions(segmentBytes: 1024))
            try writer.append(sampleRecords(0..<12))
            try writer.close()
            let path = dir.file(segmentName(0))
            var log = try fileBytes(path)
            let perSegment = log.count / frameSize(sampleRecord(0))
            let target = lastRecordOfSegment ? perSegment - 1 : 0
            let start = sampleRecords(0..<target).map(frameSize).reduce(0, +)
            log[start + 50] ^= 1
            try writeBytes(log, to: path)
            #expect(throws: EventLogError.corruption(
                rule: .corruptSealedSegment, file: path, byteOffset: Int64(start), detail: "CRC mismatch")) {
                try EventLogWriter.open(directory: dir.path)
            }
        }
    }

    /// positionGap: a missing segment in the middle.
    @Test func missingMiddleSegmentRefuses() throws {
        try withTemporaryDirectory { dir in
            let writer = try EventLogWriter.open(directory: dir.path, options: EventLogOptions(segmentBytes: 1024))
            try writer.append(sampleRecords(0..<20))
            try writer.close()
            let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path)
                .filter { $0.hasSuffix(".log") }.sorted()
            #expect(segments.count >= 3)
            try FileManager.default.removeItem(atPath: dir.file(segments[1]))
            let error = #expect(throws: EventLogError.self) { try EventLogWriter.open(directory: dir.path) }
            guard case let .corruption(rule, file, _, _) = error else { return }
            #expect(rule == .positionGap)
            #expect(file == dir.file(segments[2]))
        }
    }

    /// missingIndex, invalidIndex, staleIndex: rebuilt, byte for byte, and reads are unchanged.
    @Test(arguments: [RecoveryRule.missingIndex, .invalidIndex, .staleIndex])
    func indexIsRebuilt(rule: RecoveryRule) throws {
        try withTemporaryDirectory { dir in
            let options = EventLogOptions(segmentBytes: 8192, indexIntervalBytes: 512)
            var writer = try EventLogWriter.open(directory: dir.path, options: options)
            try writer.append(sampleRecords(0..<10))
            try writer.close()
            let indexPath = dir.file("00000000000000000000.index")
            let earlyIndex = try fileBytes(indexPath)
            writer = try EventLogWriter.open(directory: dir.path, options: options)
            try writer.append(sampleRecords(10..<60))
            try writer.close()
            let goodIndex = try fileBytes(indexPath)
            let expected = try readAll(EventLogReader(directory: dir.path))

            switch rule {
            case .missingIndex: try FileManager.default.removeItem(atPath: indexPath)
            case .invalidIndex: try writeBytes(Array(goodIndex.dropLast(3)) + [1, 2, 3], to: indexPath)
            default: try writeBytes(earlyIndex, to: indexPath)
            }
            let fresh = EventLogReader(directory: dir.path)
            #expect(try readAll(fresh, batch: 3) == expected)
            #expect(try fresh.read(from: 41, limit: 2) == Array(expected[41...42]))

            writer = try EventLogWriter.open(directory: dir.path, options: options)
            #expect(writer.recoveryEvents.map(\.rule) == [rule])
            #expect(try fileBytes(indexPath) == goodIndex)
            #expect(try readAll(writer.makeReader()) == expected)
            try writer.close()
        }
    }
}
