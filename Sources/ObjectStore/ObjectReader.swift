// The contract between object stores and their readers: random-access bytes of one object.

/// Random-access reads of one immutable object (a local file, an HTTPS resource, an S3 object).
///
/// The video demuxer reads through this: it asks for the size once, then for scattered ranges as it
/// seeks, so implementations fetch only what is asked for (plus read-ahead), never the whole object
/// unless told to. Implementations are safe to call from one thread at a time; decoders that read one
/// object concurrently share it through a `SharedObjectReader`, which serialises the calls.
public protocol ObjectReader: AnyObject {
    /// The URI this reader was opened for, as the caller gave it (for error messages).
    var uri: String { get }

    /// The object's size in bytes, known once the reader is open.
    var size: Int64 { get }

    /// Copies up to `buffer.count` bytes starting at `offset` into `buffer` and returns how many were
    /// copied: fewer only at the end of the object, 0 at or past the end.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// What has been fetched from the backing store and read by the caller so far.
    var statistics: ReadStatistics { get }
    /// Fetches these byte ranges ahead of the reads that will need them (see the default below).
    func prefetch(_ ranges: [Range<Int64>]) throws
}

extension ObjectReader {
    /// Fetches these byte ranges ahead of the reads that will need them, where fetching has a cost
    /// worth hiding (remote objects); a no-op for readers that read on demand cheaply (files).
    public func prefetch(_ ranges: [Range<Int64>]) throws {}
}
