// Grow-only scratch memory for kernels, kept by a session between runs.

/// One float buffer that grows to the largest request and is then reused. A session runs one node
/// at a time, so kernels never hold it concurrently.
public final class Workspace: @unchecked Sendable {
    private var storage: TensorStorage?

    public init() {}

    /// At least `count` floats of scratch, zero-filled only when first allocated.
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        let count = max(count, 1)
        if storage == nil || storage!.byteCount < count * 4 {
            storage = TensorStorage(byteCount: count * 4)
        }
        return storage!.pointer.assumingMemoryBound(to: Float.self)
    }

    /// Bytes currently held.
    public var byteCount: Int { storage?.byteCount ?? 0 }
}
