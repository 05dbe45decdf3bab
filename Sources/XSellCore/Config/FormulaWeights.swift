/// The PRIE-U weights of the formula score method (guide §4.7).
public struct FormulaWeights: Sendable, Hashable {
    /// Wp.
    public var propensityWeight: Double
    /// Wr.
    public var relevanceWeight: Double
    /// Wi.
    public var impactWeight: Double
    /// We.
    public var emphasisWeight: Double
    /// Wu, in [0, 2]; 0 disables the uplift term.
    public var upliftWeight: Double

    /// Creates weights.
    public init(propensityWeight: Double, relevanceWeight: Double, impactWeight: Double, emphasisWeight: Double, upliftWeight: Double) {
        self.propensityWeight = propensityWeight
        self.relevanceWeight = relevanceWeight
        self.impactWeight = impactWeight
        self.emphasisWeight = emphasisWeight
        self.upliftWeight = upliftWeight
    }

    /// Wp + Wr + Wi + We (must be 1.0 ± 1e-6).
    public var coreSum: Double { propensityWeight + relevanceWeight + impactWeight + emphasisWeight }

    /// The weights as a JSON object.
    public var jsonValue: JSONValue {
        [
            "propensityWeight": .number(propensityWeight), "relevanceWeight": .number(relevanceWeight),
            "impactWeight": .number(impactWeight), "emphasisWeight": .number(emphasisWeight),
            "upliftWeight": .number(upliftWeight),
        ]
    }
}
