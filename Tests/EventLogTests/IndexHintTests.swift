@testable import EventLog
import Foundation
import Testing

/// Index entries are hints: a reader given a well-formed index with wrong offsets still reads right.
@Suite struct IndexHintTests {
    @Test(arguments: [Int64(3), 1000, 1_000_000])
    func wrongOffsetsInAValidIndexAreIgnored(shift: Int64) throws {
        try withTemporaryDirectory { dir in
            let options = EventLogOptions(indexIntervalBytes: 300)
            let writer = try EventLogWriter.open(directory: dir.path, options: options)
            try writer.append(sampleRecords(0..<40))
            try writer.close()
            let path = dir.file("00000000000000000000.index")
            var index = try #require(SegmentIndex.decode(try fileBytes(path)))
            #expect(index.entries.count > 10)
            index.entries = index.entries.map {
                IndexEntry(relativePosition: $0.relativePosition, byteOffset: UInt32(Int64($0.byteOffset) + shift))
            }
            try writeBytes(index.encoded(), to: path)
            let reader = EventLogReader(directory: dir.path)
            for position in [39, 20, 7, 33] {
                #expect(try reader.read(from: UInt64(position), limit: 2).map(\.input)
                    == sampleRecords(position..<min(position + 2, 40)))
            }
        }
    }
}
