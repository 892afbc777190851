// A bound on the request bodies being received at once, across every connection of the emulator.
import Synchronization

/// Bytes of bodies still arriving (a request whose end has not come yet), shared by all
/// connections. Each connection keeps at most one body of Lambda's 6 MB, but nothing bounded the
/// number of connections: many callers sending slowly could make the emulator hold gigabytes. A
/// chunk that would pass the budget ends its request with 429, as Lambda throttles.
final class ReceivingBudget: Sendable {
    let limit: Int
    private let used = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// Takes `bytes` more for a body that holds `holding` already; false, taking nothing, when they
    /// do not fit. A body alone always fits, so a budget below one body still lets them in one at
    /// a time instead of refusing the largest for good.
    func reserve(_ bytes: Int, holding: Int) -> Bool {
        used.withLock { used in
            guard used == holding || bytes <= limit - used else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }

    var bytesInUse: Int { used.withLock { $0 } }
}
