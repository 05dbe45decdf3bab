/// An array stored as fixed-size chunks, so that a write after a value copy (a snapshot taking
/// the state) copies one chunk of ``chunkSize`` elements and the list of chunk references, not
/// every element: an offer's stored examples grow with the lookback, and the fold appends to
/// them on every commit.
///
/// Every chunk holds ``chunkSize`` elements except the last (which may hold fewer) and the first
/// (whose first `head` elements were dropped by `removeFirst`).
struct ChunkedArray<Element: Sendable>: Sendable, RandomAccessCollection, MutableCollection {
    /// Elements per chunk.
    static var chunkSize: Int { 1024 }

    private var chunks: [[Element]] = []
    /// Elements dropped from the front of the first chunk.
    private var head = 0
    /// The number of elements.
    private(set) var count = 0

    /// An empty array.
    init() {}

    /// The elements of `elements`, in order.
    init(_ elements: some Sequence<Element>) {
        for e in elements { append(e) }
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    private func locate(_ i: Int) -> (chunk: Int, slot: Int) {
        precondition(i >= 0 && i < count, "ChunkedArray index \(i) out of range 0..<\(count)")
        let g = i + head
        let chunk = g / Self.chunkSize
        return (chunk, chunk == 0 ? i : g % Self.chunkSize)
    }

    subscript(i: Int) -> Element {
        get {
            let (c, s) = locate(i)
            return chunks[c][s]
        }
        set {
            let (c, s) = locate(i)
            chunks[c][s] = newValue
        }
    }

    /// Adds `element` at the end.
    mutating func append(_ element: Element) {
        if chunks.isEmpty || (chunks.count == 1 ? chunks[0].count + head : chunks[chunks.count - 1].count) == Self.chunkSize {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    /// Removes the first `n` elements (whole chunks are released, the first one is trimmed).
    mutating func removeFirst(_ n: Int) {
        precondition(n >= 0 && n <= count, "cannot remove \(n) of \(count) elements")
        guard n > 0 else { return }
        let g = head + n
        let whole = g / Self.chunkSize
        chunks.removeFirst(Swift.min(whole, chunks.count))
        head = g % Self.chunkSize
        // The new first chunk starts at global slot `whole × chunkSize` unless it was already
        // the first (then it starts at the old head): drop the slots before `g` from it.
        if !chunks.isEmpty { chunks[0].removeFirst(whole == 0 ? n : head) }
        count -= n
        if count == 0 {
            chunks = []
            head = 0
        }
    }
}

extension ChunkedArray: Equatable where Element: Equatable {
    static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }
}
