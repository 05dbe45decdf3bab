/// A binary min-heap: O(log n) insert and pop whatever the insertion order (the projection's
/// expiry queue; also used by benchmarks that merge streams).
public struct BinaryHeap<Element: Comparable> {
    private var items: [Element] = []

    /// An empty heap.
    public init() {}

    /// The number of elements.
    public var count: Int { items.count }

    /// Whether the heap is empty.
    public var isEmpty: Bool { items.isEmpty }

    /// The smallest element, if any.
    public var first: Element? { items.first }

    /// The elements in no particular order.
    public var unordered: [Element] { items }

    /// Adds `element`.
    public mutating func insert(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the smallest element.
    public mutating func popFirst() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let smallest = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { break }
            let right = left + 1
            let child = right < items.count && items[right] < items[left] ? right : left
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            parent = child
        }
        return smallest
    }
}

extension BinaryHeap: Sendable where Element: Sendable {}
