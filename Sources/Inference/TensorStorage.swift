// The memory behind tensors: one aligned allocation, owned by a class so tensors can share it.

/// An aligned, zero-initialised block of bytes. Alignment of 64 lets kernels use full vector loads.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let byteCount: Int
    /// The storage whose bytes these are part of (a plan's arena), kept alive by this one; nil
    /// when this storage owns its bytes.
    let parent: TensorStorage?
    /// Mapped on its own (ZeroPageMapping) rather than allocated on the heap.
    private let mapped: Bool

    public init(byteCount: Int) {
        self.byteCount = byteCount
        parent = nil
        if let pages = ZeroPageMapping.map(byteCount) {
            pointer = pages
            mapped = true
            return
        }
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 1))
        mapped = false
    }

    /// `byteCount` bytes of `parent` from `offset` (a planned value's place in an arena): not
    /// zeroed, and not freed on their own.
    init(region offset: Int, byteCount: Int, of parent: TensorStorage) {
        precondition(offset >= 0 && offset + byteCount <= parent.byteCount, "region \(offset)+\(byteCount) outside \(parent.byteCount) bytes")
        pointer = parent.pointer + offset
        self.byteCount = byteCount
        self.parent = parent
        mapped = false
    }

    deinit {
        guard parent == nil else { return }
        if mapped { ZeroPageMapping.unmap(pointer, byteCount: byteCount) } else { pointer.deallocate() }
    }

    func copy() -> TensorStorage {
        let copy = TensorStorage(byteCount: byteCount)
        copy.pointer.copyMemory(from: pointer, byteCount: byteCount)
        return copy
    }
}
