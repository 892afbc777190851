// Grow-only scratch memory for kernels, kept by a session between runs.

/// One float buffer that grows to the largest request and is then reused. A session runs one node
/// at a time, so kernels never hold it concurrently.
public final class Workspace: @unchecked Sendable {
    private var storage: TensorStorage?

    public init() {}

    /// At least `count` floats of scratch, zero-filled only when first allocated. Scratch that would
    /// need more than the memory this process may use is an error, as for a tensor.
    func floats(_ count: Int) throws(InferenceError) -> UnsafeMutablePointer<Float> {
        let count = max(count, 1)
        guard count <= MemoryLimit.bytes / 4 else {
            throw MemoryLimit.exceeded("the kernel's scratch of \(count) floats", needed: count.multipliedSaturating(by: 4))
        }
        if storage == nil || storage!.byteCount < count * 4 {
            storage = TensorStorage(byteCount: count * 4)
        }
        return storage!.pointer.assumingMemoryBound(to: Float.self)
    }

    /// Bytes currently held.
    public var byteCount: Int { storage?.byteCount ?? 0 }
}
