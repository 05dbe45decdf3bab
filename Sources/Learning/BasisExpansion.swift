/// What each coordinate of an input vector `x` is, so that a `BasisExpansion` can bend numerics
/// and cross categories with flags. The projection's feature encoder describes its own output
/// with one; `nil` layouts read every coordinate as numeric.
public struct InputLayout: Sendable, Codable, Equatable, Hashable {
    /// Coordinates holding a scaled numeric (`sign·log1p(|v|)/10` in xsell's encoder).
    public var numeric: [Int]
    /// Coordinates that are 0/1 flags (booleans).
    public var flags: [Int]
    /// One-hot groups of a categorical field (hashed `varchar` buckets), each a range of coordinates.
    public var categories: [Range<Int>]

    /// Creates a layout.
    public init(numeric: [Int], flags: [Int], categories: [Range<Int>]) {
        self.numeric = numeric
        self.flags = flags
        self.categories = categories
    }

    /// Every coordinate of `0..<d` numeric.
    public static func allNumeric(_ d: Int) -> InputLayout {
        InputLayout(numeric: Array(0..<d), flags: [], categories: [])
    }
}

/// A fixed, deterministic expansion of `x` into sparse features `(id, value)` for the
/// `SparseLogistic` learner (docs/adr/0004-bending-learners.md):
///
/// * the intercept (id 0) and every coordinate linearly;
/// * every numeric as a linear spline: hat functions on an even grid of `knotCount` knots from
///   `knotStart` with spacing `knotSpacing` (values outside the grid are clamped to its ends);
/// * crosses of every 0/1 coordinate (flags and category buckets) with every flag (each pair of
///   flags once), and with a coarse linear spline of every numeric (knots `coarseFactor` times
///   further apart): "tier × holding", "holding × tenure past a threshold".
///
/// Each feature id belongs to a block (`Block`) with its own prior precision. The expansion
/// visits only the non-zero features of an input and never allocates.
public struct BasisExpansion: Sendable, Codable, Equatable, Hashable {
    /// The kind of a feature, which sets its prior precision.
    public enum Block: Int, Sendable, Codable, CaseIterable {
        /// The constant.
        case intercept
        /// A coordinate's own value.
        case linear
        /// A hat function of a numeric.
        case spline
        /// A product of a 0/1 coordinate with a flag or a numeric.
        case cross
    }

    /// Length of the raw inputs.
    public let inputDimension: Int
    /// What the coordinates are.
    public let layout: InputLayout
    /// First knot of every numeric's spline.
    public let knotStart: Double
    /// Distance between knots.
    public let knotSpacing: Double
    /// Knots per numeric.
    public let knotCount: Int
    /// Knot spacing of the crosses' coarse splines, in fine knot spacings.
    public static let coarseFactor = 4
    /// Knots of a coarse spline.
    @usableFromInline let coarseCount: Int
    /// Every 0/1 coordinate: flags, then the category buckets in order.
    @usableFromInline let binaries: [Int]
    /// Ids: intercept 0, linear `1...d`, then splines, binary × flag, binary × numeric.
    @usableFromInline let splineBase: Int, flagCrossBase: Int, numericCrossBase: Int
    /// The number of feature ids.
    public let dimension: Int

    /// An expansion of inputs of `inputDimension` laid out as `layout`; the default grid covers
    /// encoded values 0…1.6 (`log1p` of 0…e¹⁶) every 0.05 (a factor of 1.65 in the raw value).
    public init(
        inputDimension: Int, layout: InputLayout, knotStart: Double = 0, knotSpacing: Double = 0.05, knotCount: Int = 33
    ) {
        precondition(knotSpacing > 0 && knotCount >= 2, "a spline needs at least two knots")
        let inRange = { (j: Int) in j >= 0 && j < inputDimension }
        let numeric = layout.numeric.filter(inRange)
        let flags = layout.flags.filter(inRange)
        let categories = layout.categories.map { $0.clamped(to: 0..<max(inputDimension, 0)) }
        self.inputDimension = inputDimension
        self.layout = InputLayout(numeric: numeric, flags: flags, categories: categories)
        self.knotStart = knotStart
        self.knotSpacing = knotSpacing
        self.knotCount = knotCount
        binaries = flags + categories.flatMap { Array($0) }
        splineBase = 1 + inputDimension
        flagCrossBase = splineBase + numeric.count * knotCount
        numericCrossBase = flagCrossBase + binaries.count * flags.count
        coarseCount = (knotCount - 1) / Self.coarseFactor + 2
        dimension = numericCrossBase + binaries.count * numeric.count * coarseCount
    }

    /// The block of feature `id`.
    public func block(_ id: Int) -> Block {
        if id == 0 { return .intercept }
        if id < splineBase { return .linear }
        if id < flagCrossBase { return .spline }
        return .cross
    }

    /// Calls `body(id, value)` for every non-zero feature of `x` in ascending id order.
    /// Missing or non-finite inputs read as 0.
    @inlinable
    public func forEach(_ x: [Double], _ body: (Int, Double) -> Void) {
        body(0, 1)
        for j in 0..<inputDimension {
            let v = Self.value(x, j)
            if v != 0 { body(1 + j, v) }
        }
        for (n, j) in layout.numeric.enumerated() {
            let (lower, fraction) = hat(Self.value(x, j), spacing: knotSpacing, count: knotCount)
            let base = splineBase + n * knotCount + lower
            if fraction < 1 { body(base, 1 - fraction) }
            if fraction > 0 { body(base + 1, fraction) }
        }
        let flagCount = layout.flags.count, numericCount = layout.numeric.count
        for (b, j) in binaries.enumerated() where Self.value(x, j) != 0 {
            let bv = Self.value(x, j)
            for (f, k) in layout.flags.enumerated() where k != j && (b >= flagCount || f > b) {
                let fv = Self.value(x, k)
                if fv != 0 { body(flagCrossBase + b * flagCount + f, bv * fv) }
            }
            for (n, k) in layout.numeric.enumerated() {
                let (lower, fraction) = hat(Self.value(x, k), spacing: knotSpacing * Double(Self.coarseFactor), count: coarseCount)
                let base = numericCrossBase + (b * numericCount + n) * coarseCount + lower
                if fraction < 1 { body(base, bv * (1 - fraction)) }
                if fraction > 0 { body(base + 1, bv * fraction) }
            }
        }
    }

    /// The lower knot of `v` on a grid of `count` knots from `knotStart`, and `v`'s fraction of
    /// the way to the next one (clamped to the grid).
    @inlinable
    func hat(_ v: Double, spacing: Double, count: Int) -> (Int, Double) {
        let clamped = min(max((v - knotStart) / spacing, 0), Double(count - 1))
        let lower = min(Int(clamped), count - 2)
        return (lower, clamped - Double(lower))
    }

    /// `x[j]` if present and finite, else 0.
    @inlinable
    static func value(_ x: [Double], _ j: Int) -> Double {
        guard j < x.count else { return 0 }
        let v = x[j]
        return v.isFinite ? v : 0
    }
}
