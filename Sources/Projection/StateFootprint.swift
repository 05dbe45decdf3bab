extension ProjectionState {
    /// The heap bytes each part of the state holds, measured by releasing the parts one after
    /// the other and reading `heapInUse()` before and after each (for `xsell-bench fold`):
    /// customers' seen ids, ledgers, contacts, outcomes and attributes, then the customer map
    /// itself (keys and records), the pending exposures, the request index and the learners.
    /// Leaves the state empty.
    @_spi(Benchmarks)
    public mutating func releaseMeasuringParts(heapInUse: () -> Int) -> [(part: String, bytes: Int)] {
        var parts: [(part: String, bytes: Int)] = []
        var before = heapInUse()
        func release(_ part: String, _ body: (inout ProjectionState) -> Void) {
            body(&self)
            let now = heapInUse()
            parts.append((part, before - now))
            before = now
        }
        release("seen ids") { $0.customers.mutateValues { $0.seen = [:] } }
        release("ledgers") { $0.customers.mutateValues { $0.ledgers = Ledgers() } }
        release("contacts") { $0.customers.mutateValues { $0.contacts = Timeline() } }
        release("outcomes") { $0.customers.mutateValues { $0.outcomes = Timeline() } }
        release("attributes") { $0.customers.mutateValues { $0.attributes = AttributeHistory() } }
        release("customer map") { $0.customers = ShardedDictionary() }
        release("pending exposures") { $0.pending = PendingQueue() }
        release("request index") { $0.requests = RequestIndex() }
        release("learners") { $0.learners = [:] }
        return parts
    }
}
