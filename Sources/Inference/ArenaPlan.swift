// Where each intermediate tensor of a plan lives in one block of memory, decided before the first
// run from the values' sizes and lifetimes.

/// Offsets into one arena for the intermediate values whose sizes a plan knows. Two values share
/// bytes only when their lifetimes (the step that writes one through the last step that reads it)
/// do not overlap, so the arena is about the largest set of values alive at once.
///
/// A pool of buffers handed back and taken again (best fit, at most twice the size asked for) held
/// 70.7 MB for open-nsfw on 8 frames, whose live values peak at 32.1 MB: a buffer freed by a large
/// value was too large for the next few, which took new ones. Placing every value once, largest
/// first, against all the others' lifetimes packs them close to that peak.
struct ArenaPlan: Equatable {
    struct Value {
        let name: String
        let bytes: Int
        /// The step that writes it and the last step that reads it (the same when nothing reads it).
        let lifetime: ClosedRange<Int>
    }

    /// The byte offset of each placed value.
    let offsets: [String: Int]
    /// Bytes of each placed value as planned: a run-time type that needs more goes elsewhere.
    let sizes: [String: Int]
    /// The arena's size: the end of the highest placed value.
    let byteCount: Int

    /// Offsets are multiples of 64, the alignment kernels' vector loads expect.
    static let alignment = 64

    /// Lifetimes of at most this many steps are found through the steps they live in; longer ones
    /// are kept in one list by offset, which every value checks. (Through the steps alone, K values
    /// alive together over K steps cost K^3: a 20,000-branch model planned for minutes.)
    static let shortLifetime = 64

    init(_ values: [Value]) {
        var placed: [(offset: Int, bytes: Int, lifetime: ClosedRange<Int>)] = []
        var offsets: [String: Int] = [:], sizes: [String: Int] = [:]
        var end = 0
        // The short-lived placed values alive at each step, so that a value is checked against
        // those alive in its own lifetime only (a long chain of short lives stays linear).
        let steps = (values.map(\.lifetime.upperBound).max() ?? -1) + 1
        var aliveAt = [[Int]](repeating: [], count: steps)
        var lastSeen = [Int](repeating: -1, count: values.count)
        // The long-lived placed values, by offset.
        var longLived: [Int] = []
        // Largest first (then earliest): the large ones fix the layout, the small fill the gaps.
        let order = values.indices.sorted {
            (values[$0].bytes, -values[$0].lifetime.lowerBound) > (values[$1].bytes, -values[$1].lifetime.lowerBound)
        }
        for (number, index) in order.enumerated() {
            let value = values[index]
            let bytes = Self.aligned(max(value.bytes, 1))
            var shortOverlapping: [Int] = []
            for step in value.lifetime {
                for other in aliveAt[step] where lastSeen[other] != number {
                    lastSeen[other] = number
                    shortOverlapping.append(other)
                }
            }
            shortOverlapping.sort { placed[$0].offset < placed[$1].offset }
            // The lowest gap that holds this value between those alive at the same time, taken in
            // offset order: the two sorted lists merged.
            var offset = 0
            var short = 0, long = 0
            while true {
                let other: Int
                if short < shortOverlapping.count, long >= longLived.count || placed[shortOverlapping[short]].offset <= placed[longLived[long]].offset {
                    other = shortOverlapping[short]; short += 1
                } else if long < longLived.count {
                    other = longLived[long]; long += 1
                    guard placed[other].lifetime.overlaps(value.lifetime) else { continue }
                } else {
                    break
                }
                if offset + bytes <= placed[other].offset { break }
                offset = max(offset, placed[other].offset + placed[other].bytes)
            }
            let slot = placed.count
            placed.append((offset, bytes, value.lifetime))
            if value.lifetime.count <= Self.shortLifetime {
                for step in value.lifetime { aliveAt[step].append(slot) }
            } else {
                var low = 0, high = longLived.count
                while low < high {
                    let middle = (low + high) / 2
                    if placed[longLived[middle]].offset <= offset { low = middle + 1 } else { high = middle }
                }
                longLived.insert(slot, at: low)
            }
            offsets[value.name] = offset
            sizes[value.name] = value.bytes
            end = max(end, offset + bytes)
        }
        self.offsets = offsets
        self.sizes = sizes
        byteCount = end
    }

    static func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }
}
