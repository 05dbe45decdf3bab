import Foundation
import KafkaClient
import Logging
import Testing
import XSellTestSupport

@testable import Runtime

/// The node's lifecycle: start once, then run once; misuse is a clear error, and a failed
/// start leaves a node that cannot run.
@Suite("node lifecycle")
struct NodeLifecycleTests {
    enum Step: Sendable, CustomStringConvertible {
        case beginStart, startSucceeded, startFailed, beginRun, runEnded
        var description: String { "\(self)" }
    }

    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let steps: [Step]
        /// The step index that must fail as a misuse (nil: none), and the state after all steps.
        let misuseAt: Int?
        let final: NodeLifecycle.State
    }

    static let cases: [Case] = [
        Case(description: "start, run, stop", steps: [.beginStart, .startSucceeded, .beginRun, .runEnded], misuseAt: nil, final: .stopped),
        Case(description: "run before start", steps: [.beginRun], misuseAt: 0, final: .built),
        Case(description: "start twice", steps: [.beginStart, .startSucceeded, .beginStart], misuseAt: 2, final: .started),
        Case(description: "run while starting", steps: [.beginStart, .beginRun], misuseAt: 1, final: .starting),
        Case(description: "run after a failed start", steps: [.beginStart, .startFailed, .beginRun], misuseAt: 2, final: .stopped),
        Case(description: "run twice", steps: [.beginStart, .startSucceeded, .beginRun, .runEnded, .beginRun], misuseAt: 4, final: .stopped),
    ]

    @Test("transitions", arguments: cases)
    func transitions(_ c: Case) {
        var machine = NodeLifecycle()
        for (index, step) in c.steps.enumerated() {
            do {
                switch step {
                case .beginStart: try machine.beginStart()
                case .startSucceeded: machine.startSucceeded()
                case .startFailed: #expect(machine.startFailed() == .closeClients)
                case .beginRun: try machine.beginRun()
                case .runEnded: machine.runEnded()
                }
                #expect(index != c.misuseAt, "step \(index) (\(step)) should have been refused")
            } catch {
                #expect(index == c.misuseAt, "step \(index) (\(step)) refused: \(error)")
            }
        }
        #expect(machine.state == c.final)
    }

    @Test("a node run without start fails at once with what to do")
    func runWithoutStart() async throws {
        let broker = try EmbeddedBroker(brokerCount: 1)
        defer { broker.shutdown() }
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-lifecycle-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = NodeSettings(
            kafka: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
            config: try RuntimeFixtures.tutorialConfig(), dataDirectory: directory,
            roles: .serve)
        let node = try await Node(settings: settings, logger: .test("xsell.lifecycle-test"))
        let misuse = await #expect(throws: NodeMisuse.self) { try await node.run() }
        #expect(misuse?.description.contains("before start()") == true, "\(String(describing: misuse))")
    }
}
