import Foundation
import Testing

/// Issue 9 item 10: `-X group.id` used to be overridden in silence; secrets could only be
/// passed on the command line. Both are usage errors now, with a precise message and exit 64.
@Suite("CLI: Kafka properties")
struct KafkaOptionsCommandTests {
    /// Runs xsell; returns its exit status and standard error.
    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ReportFixtures.xsell())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func groupIdIsRefused() throws {
        let (status, errors) = try run(["ingest", "--bootstrap-servers", "127.0.0.1:1", "-X", "group.id=mine"])
        #expect(status == 64, "\(errors)")
        #expect(errors.contains("group.id cannot be set") && errors.contains("xsell-ingest"), "\(errors)")
    }

    @Test func propertiesFileLinesAreChecked() throws {
        let path = NSTemporaryDirectory() + "xsell-props-\(UUID().uuidString).properties"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "# secrets\nsasl.username=svc\nsasl.password\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (status, errors) = try run(["ingest", "--bootstrap-servers", "127.0.0.1:1", "--kafka-properties", path])
        #expect(status == 64 && errors.contains("\(path):3: expected key=value"), "\(errors)")
        // The same file through the environment; and group.id in a file is refused too.
        try "group.id=mine\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (fromEnvironment, message) = try run(
            ["ingest", "--bootstrap-servers", "127.0.0.1:1"], environment: ["XSELL_KAFKA_PROPERTIES": path])
        #expect(fromEnvironment == 64 && message.contains("group.id cannot be set"), "\(message)")
    }
}
