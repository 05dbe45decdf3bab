import EventLog
import Foundation
import Testing

@Suite struct DurableFileWriterTests {
    @Test func replaceCreatesAndReplacesTheFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir.file("meta")
            let writer = DurableFileWriter()
            try writer.replace(path, with: [1, 2, 3])
            #expect(try fileBytes(path) == [1, 2, 3])
            try writer.replace(path, with: [9])
            #expect(try fileBytes(path) == [9])
            #expect(!FileManager.default.fileExists(atPath: DurableFileWriter.temporaryPath(for: path)))
        }
    }

    /// A failed write, fsync or rename names the call and the file and leaves the old content.
    @Test(arguments: [
        (FailingFileOperations.Call.write, "write", "meta.tmp"), (.sync, "fsync", "meta.tmp"), (.rename, "rename", "meta"),
    ])
    func aFailedCallKeepsTheOldFile(call: FailingFileOperations.Call, operation: String, file: String) throws {
        try withTemporaryDirectory { dir in
            let path = dir.file("meta")
            let operations = FailingFileOperations()
            let writer = DurableFileWriter(operations: operations)
            try writer.replace(path, with: [1, 2, 3])
            operations.fail(call)
            let error = #expect(throws: EventLogError.self) { try writer.replace(path, with: [7, 7]) }
            #expect(error == .io(operation: operation, path: dir.file(file), errno: EIO))
            #expect(try fileBytes(path) == [1, 2, 3])
            #expect(!FileManager.default.fileExists(atPath: DurableFileWriter.temporaryPath(for: path)))
        }
    }

    /// The writer's index files go through the injected operations too: a failed rename while
    /// rolling a segment fails the append, and reopening rebuilds the index from the segment.
    @Test func aFailedIndexRenameFailsTheAppendAndRecoveryRebuildsTheIndex() throws {
        try withTemporaryDirectory { dir in
            let operations = FailingFileOperations()
            let writer = try EventLogWriter.open(
                directory: dir.path, options: EventLogOptions(segmentBytes: 600, fileOperations: operations))
            try writer.append(sampleRecords(0..<2))
            operations.fail(.rename)
            let error = #expect(throws: EventLogError.self) { try writer.append(sampleRecords(2..<5)) }
            guard case let .io(operation, path, _) = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(operation == "rename")
            #expect(path.hasSuffix(".index"))
            #expect(throws: EventLogError.self) { try writer.append(sampleRecords(5..<6)) }
            try writer.close()

            let reopened = try EventLogWriter.open(directory: dir.path)
            #expect(reopened.recoveryEvents.contains { $0.rule.action == .rebuildIndex })
            let records = try readAll(reopened.makeReader())
            #expect(records.map(\.input) == sampleRecords(0..<records.count))
            #expect(records.count >= 2)
            try reopened.close()
        }
    }
}
