// The memory behind tensors: one aligned allocation, owned by a class so tensors can share it.

/// An aligned, zero-initialised block of bytes. Alignment of 64 lets kernels use full vector loads.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int) {
        self.byteCount = byteCount
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
    }

    deinit { pointer.deallocate() }

    func copy() -> TensorStorage {
        let copy = TensorStorage(byteCount: byteCount)
        copy.pointer.copyMemory(from: pointer, byteCount: byteCount)
        return copy
    }
}
