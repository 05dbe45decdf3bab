import Foundation

func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

let day: Int64 = 86_400_000

/// Bit-level equality of two arrays of doubles.
func bitIdentical(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
