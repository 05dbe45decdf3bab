/// The roles one xsell process plays; `xsell run` plays all of them.
public struct Roles: OptionSet, Sendable {
    public let rawValue: Int

    /// Creates a role set.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Kafka → event log.
    public static let ingest = Roles(rawValue: 1)
    /// Event log → projection → scoring worker.
    public static let serve = Roles(rawValue: 2)
    /// Everything in one process.
    public static let all: Roles = [.ingest, .serve]
}

extension Roles {
    /// The role names, for logs and the readiness line.
    public var names: [String] {
        var names: [String] = []
        if contains(.ingest) { names.append("ingest") }
        if contains(.serve) { names.append("serve") }
        return names
    }
}
