// One malloc arena for the whole process, set before a function starts its first thread.
import CMalloc

enum MallocArenas {
    /// glibc gives threads arenas of their own (up to 8 per core), and nothing freed is trimmed
    /// here (ONNX's FreedMemoryReuse keeps freed blocks for reuse), so each arena keeps the
    /// high-water mark of the threads that used it. A video's decoders run on whichever worker
    /// threads are free and range fetches on threads of their own, so over invocations arena after
    /// arena came to hold a decoder's frames: VmRSS 211–213 MB after five S3 invocations of the
    /// moderation function, 224–242 MB once range fetches ran beside decoding, 202 MB with one
    /// arena, at the same speed. Must run before any thread allocates: glibc gives a thread its
    /// arena at its first allocation, and keeps it.
    static let limitToOne: Void = {
        _ = mallopt(M_ARENA_MAX, 1)
    }()
}
