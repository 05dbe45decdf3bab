#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// docs/publishing.md's Python client (docs/examples/xsell_client.py, confluent-kafka from
/// `.tools/venv`) against `xsell run` on its embedded broker: it publishes the tutorial's
/// profiles and gets cust_42's recommendation, matched by requestId.
@Suite struct PythonClientTests {
    static let python = PackagePaths.root + "/.tools/venv/bin/python"
    static let client = PackagePaths.root + "/docs/examples/xsell_client.py"

    static func runClient(_ arguments: [String], scratch: ScratchDirectory, name: String) async throws
        -> (ChildProcess.Exit, String)
    {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("no \(python): run scripts/provision.sh (scripts/test.sh does)")
        }
        let output = scratch.path + "/\(name).out"
        let child = try ChildProcess(executable: python, arguments: [client] + arguments, outputPath: output)
        let exit = try await child.waitForExit(timeout: .seconds(60))
        return (exit, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    @Test func publishAndRecommendFromPython() async throws {
        let scratch = try ScratchDirectory("python")
        defer { scratch.remove() }
        let node = try await NodeOperationsTests.RunningNode.start(bootstrap: nil, scratch: scratch)
        defer { node.child.signal(SIGTERM) }
        let customers = PackagePaths.root + "/topics/examples/tutorial-customers.jsonl"
        let profiles = try String(contentsOfFile: customers, encoding: .utf8).split(separator: "\n").count
        let (published, publishOutput) = try await Self.runClient(
            ["--bootstrap", node.bootstrap, "publish", "customer.profile.v1", customers], scratch: scratch, name: "publish")
        #expect(published.status == 0, "\(publishOutput)")
        #expect(publishOutput.contains("published \(profiles) messages to customer.profile.v1"), "\(publishOutput)")
        try await eventually("the \(profiles) profiles in the node's log") {
            LogFiles.count(node.dataDirectory + "/log") >= UInt64(profiles)
        }

        let (exit, output) = try await Self.runClient(
            ["--bootstrap", node.bootstrap, "recommend", "--customer", "cust_42", "--channel", "in_app"],
            scratch: scratch, name: "recommend")
        #expect(exit.status == 0, "\(output)")
        let reply = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect((reply?["requestId"] as? String)?.hasPrefix("py-") == true, "\(output)")
        #expect(reply?["customerId"] as? String == "cust_42")
        let offers = (reply?["decisions"] as? [[String: Any]])?.compactMap { $0["offerId"] as? String }
        #expect(offers == ["rewards-credit-card", "high-yield-savings"], "the tutorial's answer for cust_42: \(output)")
    }
}
