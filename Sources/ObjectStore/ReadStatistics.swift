// Counters a reader keeps, so callers (and benchmarks) can see how much of an object was fetched.

/// How a reader has been used so far.
public struct ReadStatistics: Equatable, Sendable {
    /// Requests sent to the backing store (ranged GETs, or read calls on a file).
    public var requests = 0
    /// Bytes that came from the backing store, read-ahead included.
    public var bytesFetched: Int64 = 0
    /// Bytes handed to the caller.
    public var bytesRead: Int64 = 0
    /// Caller reads served entirely from the block cache.
    public var cacheHits = 0

    public init() {}
}
