// Binary search over sorted times: where the ones at or before a time end.

extension RandomAccessCollection where Index == Int {
    /// The first index from `start` whose element is not `isBefore`, by binary search: every element
    /// that is must come before every one that is not (times sorted, `isBefore` = "at or before t").
    /// `endIndex` when all are.
    public func partitionIndex(from start: Int? = nil, where isBefore: (Element) -> Bool) -> Int {
        var low = start ?? startIndex, high = endIndex
        while low < high {
            let middle = (low + high) / 2
            if isBefore(self[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
