// Large tensor storage straight from the kernel: its pages read as zero until written and take
// memory only once something writes them. Zeroed by hand, as smaller storage is, every page of it
// would be resident from the start, written or not.
import Glibc

enum ZeroPageMapping {
    /// Storage of this many bytes or more is mapped on its own (open-nsfw's engine benchmark at batch
    /// 16 with 2 threads: peak RSS 228–236 → 189–190 MB, speed unchanged within this machine's noise).
    static let threshold = 2 << 20

    /// Zeroed, page-aligned memory of `byteCount` bytes; nil below the threshold or when the map fails.
    static func map(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= threshold,
              let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else { return nil }
        return mapped
    }

    static func unmap(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        munmap(pointer, byteCount)
    }
}
