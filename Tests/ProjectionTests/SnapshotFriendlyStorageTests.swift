@testable import Projection
import Testing
import XSellCore

/// The containers that let a snapshot copy the state without stalling the fold (chunked
/// examples, sharded maps, the hourly expiry queue) behave exactly as the plain containers they
/// replace, and a write after a copy leaves the copy as it was.
@Suite struct SnapshotFriendlyStorageTests {
    /// A sequence number (ascending, never rewritten: the binary search's key) and a payload.
    struct Item: Equatable, Sendable {
        var sequence: Int
        var payload: Int
    }

    @Test("a chunked array is an array: appends, front removals and writes across chunk boundaries", arguments: [1, 2, 3])
    func chunkedArrayMatchesArray(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var chunked = ChunkedArray<Item>()
        var plain: [Item] = []
        var next = 0
        func append() {
            chunked.append(Item(sequence: next, payload: next))
            plain.append(Item(sequence: next, payload: next))
            next += 1
        }
        for step in 0..<3_000 {
            switch rng.next() % 10 {
            case 0...5:
                for _ in 0..<Int(rng.next() % 700) { append() }
            case 6, 7:
                let n = Int(rng.next() % UInt64(plain.count + 1))
                chunked.removeFirst(n)
                plain.removeFirst(n)
            case 8:
                guard !plain.isEmpty else { continue }
                let i = Int(rng.next() % UInt64(plain.count))
                chunked[i].payload = -step
                plain[i].payload = -step
            default:
                let copy = chunked
                let before = Array(copy)
                append()
                chunked[0].payload = -1
                plain[0].payload = -1
                #expect(Array(copy) == before, "a write after a copy changed the copy")
            }
            #expect(chunked.count == plain.count)
            if step % 50 == 0 { #expect(Array(chunked) == plain) }
            let pivot = Int(rng.next() % UInt64(next + 1))
            #expect(chunked.partitioningIndex { $0.sequence >= pivot } == (plain.firstIndex { $0.sequence >= pivot } ?? plain.count))
            if let last = plain.last { #expect(chunked.last == last && chunked.first == plain.first) }
        }
        #expect(Array(chunked) == plain)
        #expect(chunked == ChunkedArray(plain))
    }

    @Test("a sharded dictionary is a dictionary: sets, removals, counts, filters, equality")
    func shardedDictionaryMatchesDictionary() {
        var rng = SplitMix64(seed: 7)
        var sharded = ShardedDictionary<Int>()
        var plain: [String: Int] = [:]
        for step in 0..<20_000 {
            let key = "c-\(rng.next() % 5_000)"
            switch rng.next() % 4 {
            case 0, 1:
                #expect(sharded.updateValue(step, forKey: key) == plain.updateValue(step, forKey: key))
            case 2:
                #expect(sharded.removeValue(forKey: key) == plain.removeValue(forKey: key))
            default:
                sharded[key] = nil
                plain[key] = nil
            }
            #expect(sharded.count == plain.count)
            #expect(sharded[key] == plain[key])
            #expect(sharded.contains(key) == (plain[key] != nil))
        }
        #expect(Set(sharded.keys) == Set(plain.keys))
        for key in plain.keys { #expect(sharded[key] == plain[key]) }
        let copy = sharded
        sharded.removeAll { $0 % 3 == 0 }
        plain = plain.filter { $0.value % 3 != 0 }
        #expect(sharded.count == plain.count && Set(sharded.keys) == Set(plain.keys))
        #expect(copy != sharded, "the copy kept the removed entries")
        sharded.mutateValues { $0 += 1 }
        #expect(plain.allSatisfy { sharded[$0.key] == $0.value + 1 })
        #expect(copy.contains(where: { $0 % 3 == 0 }) && !sharded.contains(where: { $0 % 3 == 1 }))
    }

    @Test("the expiry queue pops in commit order across hours, days and negative times")
    func expiryQueueAcrossHours() {
        var rng = SplitMix64(seed: 5)
        let hour: Int64 = 3_600_000
        let items = (0..<2_000).map { i in
            PendingExposure(
                windowEnd: Int64(rng.next() % UInt64(100 * hour)) - 20 * hour, at: Int64(i % 9),
                decisionId: "d\(i)", offerId: "o\(i % 3)", customerId: "c")
        }
        var queue = PendingQueue()
        for p in items.shuffled(using: &rng) { queue.insert(p) }
        #expect(queue.elements == items.sorted())
        let copy = queue
        var popped: [PendingExposure] = []
        var t = -21 * hour
        while t <= 81 * hour {
            let due = queue.popDue(atMillis: t)
            #expect(due.allSatisfy { $0.windowEnd <= t })
            popped += due
            #expect(queue.elements.allSatisfy { $0.windowEnd > t })
            t += Int64(rng.next() % UInt64(3 * hour))
        }
        popped += queue.popDue(atMillis: .max)
        #expect(popped == items.sorted())
        #expect(queue.elements.isEmpty)
        #expect(copy.elements == items.sorted(), "popping changed a copy")
    }
}
