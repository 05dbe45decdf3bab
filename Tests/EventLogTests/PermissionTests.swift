import EventLog
import Foundation
import Testing

/// Issue 9: the log holds customer data, so its directory and files are the owner's only
/// (they were world-readable), whatever the umask.
@Suite struct PermissionTests {
    @Test func logDirectoryAndFilesAreOwnerOnly() throws {
        let parent = try TemporaryDirectory()
        defer { parent.remove() }
        let directory = parent.path + "/data/log"
        let writer = try EventLogWriter.open(directory: directory)
        try writer.append(sampleRecords(0..<3))
        try writer.close()
        func mode(_ path: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try mode(directory) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.contains(segmentName(0)))
        for file in files {
            #expect(try mode(directory + "/" + file) == 0o600, "\(file)")
        }
    }
}
