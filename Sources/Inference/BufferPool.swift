// Storage for intermediate tensors, returned when a value's last reader has run and handed out again.

/// Free storages by size. After the first run of a plan the pool holds every buffer the plan needs,
/// so later runs allocate nothing but the outputs they return.
final class BufferPool {
    private var free: [TensorStorage] = []

    /// The smallest free storage of at least `byteCount` bytes, or a new one.
    func take(_ byteCount: Int) -> TensorStorage {
        var best: Int? = nil
        for (index, storage) in free.enumerated() where storage.byteCount >= byteCount {
            if best == nil || storage.byteCount < free[best!].byteCount { best = index }
        }
        if let best, free[best].byteCount <= byteCount * 2 + 4096 { return free.remove(at: best) }
        return TensorStorage(byteCount: byteCount)
    }

    func giveBack(_ storage: TensorStorage) { free.append(storage) }

    /// The arena planned values live in: at least `byteCount` bytes, kept between runs and grown
    /// (replaced) when a plan needs more. Checked against the memory this process may use.
    func arena(_ byteCount: Int) throws(InferenceError) -> TensorStorage {
        if let arena = planned, arena.byteCount >= byteCount { return arena }
        guard byteCount <= MemoryLimit.bytes else {
            throw MemoryLimit.exceeded("the plan's intermediate tensors", needed: byteCount)
        }
        planned = nil
        let arena = TensorStorage(byteCount: byteCount)
        planned = arena
        return arena
    }
    private var planned: TensorStorage?

    var heldBytes: Int { free.reduce(0) { $0 + $1.byteCount } + (planned?.byteCount ?? 0) }
}
