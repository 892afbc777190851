// How a caller will read a remote object, which sizes the blocks and read-ahead of its reader.

/// The granularity of ranged GETs. Large blocks suit reading a whole object (few requests);
/// small blocks suit scattered reads, such as a video demuxer seeking to a handful of GOPs, where
/// every byte of a block beyond what the decoder needs is fetched for nothing.
public struct ReadPattern: Sendable, Equatable {
    /// Bytes per cached block: the smallest unit one request fetches.
    public var blockSize: Int
    /// The most a run of sequential misses fetches at once (read-ahead doubles up to it).
    public var maximumReadAheadBytes: Int
    /// Bytes of blocks kept.
    public var cacheBytes: Int
    /// What the first request fetches (at least a block): the header a reader starts with.
    public var openingBytes: Int

    public init(blockSize: Int, maximumReadAheadBytes: Int, cacheBytes: Int = 32 << 20, openingBytes: Int = 0) {
        self.blockSize = blockSize
        self.maximumReadAheadBytes = maximumReadAheadBytes
        self.cacheBytes = cacheBytes
        self.openingBytes = openingBytes
    }

    /// Mostly forward reads of large parts of the object.
    public static let sequential = ReadPattern(blockSize: 256 << 10, maximumReadAheadBytes: 4 << 20)
    /// Jumps to many places, reading a little at each (video sampling). A demuxer first reads the
    /// container's header, though, all of it: an MP4's index of every sample (moov) is ~175 KB for
    /// 10 minutes at 25 fps, which in 32 KB blocks took three requests of doubling read-ahead
    /// (32, 64, 128 KB). 256 KB first gets it, and the first packets after it, in one.
    public static let scattered = ReadPattern(blockSize: 32 << 10, maximumReadAheadBytes: 4 << 20, openingBytes: 256 << 10)
}
