/// Settings of the bending outcome learners (docs/adr/0004-bending-learners.md).
public struct BendingSettings: Sendable, Codable, Equatable, Hashable {
    /// What the input coordinates are (`nil`: every coordinate numeric).
    public var layout: InputLayout?
    /// One model of both arms, `logit μ = f(x) + t·g(x)`, with the treatment term `g` shrunk
    /// harder than the base `f` (`true`); or a model per arm (`false`, a T-learner).
    public var sharedBase: Bool
    /// Spline knot spacing, in encoded units.
    public var knotSpacing: Double
    /// Prior precision of the base (or per-arm) model's blocks: intercept, linear, spline, cross.
    public var precision: [Double]
    /// Prior precision of the treatment term's blocks (shared base only).
    public var treatmentPrecision: [Double]

    /// Creates settings; the defaults are the ones chosen by measurement.
    public init(
        layout: InputLayout? = nil, sharedBase: Bool = true, knotSpacing: Double = 0.05,
        precision: [Double] = [0.01, 1, 2, 2], treatmentPrecision: [Double] = [1, 1, 8, 8]
    ) {
        self.layout = layout
        self.sharedBase = sharedBase
        self.knotSpacing = knotSpacing
        self.precision = precision
        self.treatmentPrecision = treatmentPrecision
    }
}

/// μ_T and μ_C from `SparseLogistic` learners over a `BasisExpansion` of `x`: splines of the
/// numerics and crosses of categories and flags, with ridge shrinkage per block.
///
/// With `sharedBase`, one learner sees both arms: a control example has the base features `f(x)`,
/// a treated one also the treatment term's copy of them (ids offset by the expansion's
/// dimension), so μ_C = σ(f(x)) and μ_T = σ(f(x) + g(x)). The 90% treated exposures then teach
/// the shape of the base rate too, and the treatment term only has to learn the difference.
public struct BendingOutcomes: Sendable, Codable, Equatable {
    /// The feature expansion.
    public let expansion: BasisExpansion
    /// Whether one model serves both arms.
    public let sharedBase: Bool
    /// The shared model, or μ_T's.
    private(set) var primary: SparseLogistic
    /// μ_C's model (per-arm variant only).
    private(set) var control: SparseLogistic?

    /// Untrained learners for inputs of `inputDimension`.
    public init(inputDimension: Int, settings: BendingSettings) {
        let expansion = BasisExpansion(
            inputDimension: inputDimension, layout: settings.layout ?? .allNumeric(inputDimension),
            knotSpacing: settings.knotSpacing, knotCount: Int((1.6 / settings.knotSpacing).rounded()) + 1)
        func precisions(_ blocks: [Double]) -> [Double] {
            (0..<expansion.dimension).map { id in
                let b = expansion.block(id).rawValue
                return b < blocks.count ? blocks[b] : 1
            }
        }
        self.expansion = expansion
        self.sharedBase = settings.sharedBase
        if settings.sharedBase {
            primary = SparseLogistic(precisions: precisions(settings.precision) + precisions(settings.treatmentPrecision))
            control = nil
        } else {
            primary = SparseLogistic(precisions: precisions(settings.precision))
            control = primary
        }
    }

    /// μ_T(x). Allocation-free.
    public func muTreated(x: [Double]) -> Double {
        var z = 0.0
        let offset = expansion.dimension
        let shared = sharedBase
        expansion.forEach(x) { id, v in
            z += primary.weight(id) * v
            if shared { z += primary.weight(offset + id) * v }
        }
        return logistic(z)
    }

    /// μ_C(x). Allocation-free.
    public func muControl(x: [Double]) -> Double {
        var z = 0.0
        let model = control ?? primary
        expansion.forEach(x) { id, v in z += model.weight(id) * v }
        return logistic(z)
    }

    /// Learns one labelled exposure.
    mutating func learn(x: [Double], treated: Bool, y: Double, weight: Double) {
        var ids: [Int] = [], values: [Double] = []
        ids.reserveCapacity(128)
        values.reserveCapacity(128)
        expansion.forEach(x) { id, v in
            ids.append(id)
            values.append(v)
        }
        if sharedBase {
            if treated {
                let offset = expansion.dimension, m = ids.count
                for i in 0..<m {
                    ids.append(offset + ids[i])
                    values.append(values[i])
                }
            }
            primary.update(ids: ids, values: values, y: y, weight: weight)
        } else if treated {
            primary.update(ids: ids, values: values, y: y, weight: weight)
        } else {
            control?.update(ids: ids, values: values, y: y, weight: weight)
        }
    }
}
