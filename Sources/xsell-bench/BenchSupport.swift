import Foundation

extension Duration {
    /// Seconds as a floating-point number.
    var benchSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
    /// Milliseconds as a floating-point number.
    var benchMilliseconds: Double { benchSeconds * 1000 }
}

/// The `p` quantile (nearest rank) of `samples` in milliseconds; NaN when there are none.
func percentileMilliseconds(_ samples: [Duration], _ p: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))].benchMilliseconds
}

/// The executable `name` beside the running benchmark (the same build products directory).
func siblingExecutable(_ name: String) -> String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
}

/// Starts `executable` with `arguments`; its standard output and error are appended to the file
/// `output` (created if absent), so a restarted child adds to the output of the one before it.
func launchChild(_ executable: String, _ arguments: [String], output: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !FileManager.default.fileExists(atPath: output) { _ = FileManager.default.createFile(atPath: output, contents: nil) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    handle.seekToEndOfFile()
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
}
