// Idle libcurl handles kept between objects, so repeated reads from one host reuse its connection.
import Synchronization

/// A handle is used by one reader at a time; when the reader is done it comes back here with its
/// open (keep-alive) connection, and the next object from the same host skips the TLS handshake.
final class HTTPClientPool: Sendable {
    private let idle = Mutex<[HTTPClient]>([])
    /// Enough for one object's own connection, its parallel range requests (never on its own
    /// connection: reads may go on through it meanwhile) and one spare. A range request on a
    /// connection taken from an empty pool opens a new one.
    private let maximumIdle = HTTPRemoteObject.parallelFetches + 2

    func take() -> HTTPClient {
        idle.withLock { $0.popLast() } ?? HTTPClient()
    }

    func giveBack(_ client: HTTPClient) {
        idle.withLock { clients in
            if clients.count < maximumIdle { clients.append(client) }
        }
    }
}

/// A pooled client that returns to its pool when the last object using it goes away.
final class PooledHTTPClient {
    let client: HTTPClient
    private let pool: HTTPClientPool

    init(pool: HTTPClientPool) {
        self.pool = pool
        client = pool.take()
    }

    deinit { pool.giveBack(client) }

    /// Another client from the same pool, for a parallel request to the same host.
    func sibling() -> PooledHTTPClient { PooledHTTPClient(pool: pool) }
}

extension HTTPClient: @unchecked Sendable {}
