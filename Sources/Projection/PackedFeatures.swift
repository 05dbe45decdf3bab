import Learning

/// An encoded feature vector `x` as the projection stores it (in pending exposures and learner
/// examples): the numerics' bit patterns, then every flag as one bit and every categorical
/// field as the number of its set bucket (0: none), packed into 64-bit words. For the tutorial
/// schema (two numerics, five flags, one 16-bucket category) that is three words held inline,
/// 32 bytes with no allocation, where the 23 `Double`s took 216 bytes on the heap.
///
/// A vector that is not an encoder output (a flag other than exactly 0 or 1, a category with
/// two buckets set: only a damaged snapshot could hold one) is kept as its raw doubles, so
/// packing never changes a value.
struct PackedFeatures: Sendable, Equatable {
    enum Storage: Sendable, Equatable {
        /// Up to three words, inline.
        case small(UInt64, UInt64, UInt64)
        /// More words.
        case large([UInt64])
        /// The vector as it was given.
        case raw([Double])
    }

    var storage: Storage
}

/// The packing of one encoder's vectors (see ``PackedFeatures``).
struct FeaturePacking: Sendable, Equatable, Hashable {
    /// Length of `x`.
    let dimension: Int
    /// Coordinates stored as bit patterns, one word each.
    let numeric: [Int]
    /// Coordinates stored as one bit each.
    let flags: [Int]
    /// One-hot groups stored as `1 + bucket` (0: none) in `bitWidth(group.count)` bits each.
    let categories: [Range<Int>]

    init(encoder: FeatureEncoder) {
        let layout = encoder.layout
        dimension = encoder.dimension
        numeric = layout.numeric
        flags = layout.flags
        categories = layout.categories
    }

    private static func bits(_ group: Range<Int>) -> Int { Int.bitWidth - group.count.leadingZeroBitCount }

    /// `x` packed, or kept raw if it is not an encoder output.
    func pack(_ x: [Double]) -> PackedFeatures {
        guard x.count == dimension else { return PackedFeatures(storage: .raw(x)) }
        var words = numeric.map { x[$0].bitPattern }
        var word: UInt64 = 0, used = 0
        func put(_ value: UInt64, _ width: Int) {
            if used + width > UInt64.bitWidth {
                words.append(word)
                (word, used) = (0, 0)
            }
            word |= value << UInt64(used)
            used += width
        }
        for j in flags {
            switch x[j].bitPattern {
            case 0: put(0, 1)
            case Double(1).bitPattern: put(1, 1)
            default: return PackedFeatures(storage: .raw(x))
            }
        }
        for group in categories {
            var set: UInt64 = 0
            for (k, j) in group.enumerated() {
                switch x[j].bitPattern {
                case 0: continue
                case Double(1).bitPattern where set == 0: set = UInt64(k + 1)
                default: return PackedFeatures(storage: .raw(x))
                }
            }
            put(set, Self.bits(group))
        }
        if used > 0 { words.append(word) }
        switch words.count {
        case 0: return PackedFeatures(storage: .small(0, 0, 0))
        case 1: return PackedFeatures(storage: .small(words[0], 0, 0))
        case 2: return PackedFeatures(storage: .small(words[0], words[1], 0))
        case 3: return PackedFeatures(storage: .small(words[0], words[1], words[2]))
        default: return PackedFeatures(storage: .large(words))
        }
    }

    /// The vector `p` was packed from. Total: words missing from a damaged `p` read as 0 and a
    /// bucket number past its group as none (`isConsistent` tells such a `p` apart).
    func unpack(_ p: PackedFeatures) -> [Double] {
        let words: [UInt64]
        switch p.storage {
        case .raw(let x): return x
        case .large(let w): words = w
        case .small(let a, let b, let c): words = [a, b, c]
        }
        var x = [Double](repeating: 0, count: dimension)
        var next = 0
        func word() -> UInt64 { next < words.count ? words[next] : 0 }
        for j in numeric {
            x[j] = Double(bitPattern: word())
            next += 1
        }
        var used = 0
        func take(_ width: Int) -> UInt64 {
            if used + width > UInt64.bitWidth {
                next += 1
                used = 0
            }
            let value = (word() >> UInt64(used)) & ((1 << UInt64(width)) - 1)
            used += width
            return value
        }
        for j in flags where take(1) == 1 { x[j] = 1 }
        for group in categories {
            let set = Int(take(Self.bits(group)))
            if set > 0 && set <= group.count { x[group.lowerBound + set - 1] = 1 }
        }
        return x
    }

    /// Whether `p` is what `pack` gives for the vector it unpacks to (a snapshot's packed
    /// vectors are checked with it).
    func isConsistent(_ p: PackedFeatures) -> Bool { pack(unpack(p)) == p }
}
