// Freed blocks kept in the heap for the next allocation, so that each stage of loading a model (and
// the first inference) reuses the pages the stage before it touched instead of faulting in new ones.
import CMalloc

public enum FreedMemoryReuse {
    /// glibc maps every allocation from 128 KiB up (a threshold it raises only as such blocks are
    /// freed) on its own and unmaps it again on free, so the file, the decompressed model, the
    /// protobuf fields, the tensors, the folded weights and the first run's buffers each arrive on
    /// fresh pages. A first touch costs 2–3 µs per 4 KiB page on a VM like Lambda's: 60 ms of the
    /// 80–100 ms an open-nsfw load took went to the 23k pages it faulted in. Serving blocks up to
    /// 32 MiB (glibc's ceiling for this setting) from the heap and not trimming the heap lets each
    /// stage reuse what the last one freed. The process keeps its high-water mark, which a Lambda
    /// container is charged for anyway.
    static let enable: Void = {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
    }()

    /// Gives the pages the finished load freed back to the system, once, when it is done. They are
    /// left in small pieces between what stays (the weights), too small for the first run's large
    /// buffers (a 32 MB arena, the decoders' frames), which took new pages anyway: open-nsfw's load
    /// left 26 MB so, and 16 frames after it peaked at 193 MB kept, 176 MB given back.
    public static func returnFreedPages() {
        _ = malloc_trim(0)
    }
}
