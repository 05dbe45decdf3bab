/// A lower bound on instants: `t > instant`, or `t ≥ instant` when `inclusive`.
public struct InstantBound: Sendable, Hashable {
    /// The boundary instant.
    public var instant: Timestamp
    /// Whether the boundary instant itself is inside.
    public var inclusive: Bool

    /// Creates a bound.
    public init(instant: Timestamp, inclusive: Bool) {
        self.instant = instant
        self.inclusive = inclusive
    }

    /// Whether `t` lies at or after the bound.
    @inlinable
    public func admits(_ t: Timestamp) -> Bool {
        inclusive ? t >= instant : t > instant
    }
}
