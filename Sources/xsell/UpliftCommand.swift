import Analytics
import ArgumentParser
import Projection
import XSellCore

/// `xsell uplift`.
struct Uplift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplift",
        abstract: "Report CATE, μ_T, μ_C, segment and sample sizes per offer.",
        discussion: """
            Rebuilds the projection from the log under --data-dir and prints, per offer, the \
            serving model's labelled treated and control exposures in the lookback and its μ_T, \
            μ_C and τ averaged over those exposures, with the segment of the averages. With \
            --customer, also the estimates for that customer's current attributes; with \
            --profiles, for every profile event of the file (customer.profile.v1 lines, as in \
            topics/examples/tutorial-customers.jsonl).
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Only this offer.") var offer: String?
    @Option(help: "Also estimate τ for this customer's current attributes.") var customer: String?
    @Option(help: "Also estimate τ for each profile event of this JSONL file.") var profiles: String?
    @OptionGroup var output: ReportOutput

    func validate() throws {
        if customer != nil && profiles != nil { throw ValidationError("give --customer or --profiles, not both") }
    }

    func run() async throws {
        let config = try CommandSetup.config(common)
        if let offer, config.offer(id: offer) == nil { throw ValidationError("--offer \(offer): no such offer in the configuration") }
        let state = try ReportSupport.rebuild(common).state
        var subjects: [(name: String, features: [String: AttributeValue])] = []
        if let customer {
            guard let known = state.customer(customer) else {
                throw ValidationError("--customer \(customer): the log never mentions this customer")
            }
            subjects.append((customer, known.attributes))
        }
        if let profiles {
            for (number, line) in try Publish.lines(of: profiles) {
                let event: DomainEvent
                do {
                    event = try EventCodec.decode(topic: XSellTopic.profile.rawValue, value: Array(line.utf8), schema: config.schema)
                } catch {
                    throw ValidationError("\(profiles):\(number): not a valid profile event: \(error)")
                }
                guard case .profile(let profile) = event else { continue }
                subjects.append((profile.customerId, profile.attributes))
            }
        }
        try output.write(Reports.uplift(state, offerId: offer, subjects: subjects))
    }
}
