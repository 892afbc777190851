// Invocations waiting for a runtime, in the order they arrived, with the bytes their events hold.
import NIOCore

/// Invocations waiting for a runtime. The bytes of their events bound how much work the emulator
/// takes on before callers get 429 (each event may be 6 MB). Used on the emulator's loop only.
struct InvocationQueue: Sequence {
    private var waiting = CircularBuffer<PendingInvocation>()
    private(set) var bytes = 0

    var isEmpty: Bool { waiting.isEmpty }
    var count: Int { waiting.count }

    mutating func append(_ invocation: PendingInvocation) {
        waiting.append(invocation)
        bytes += invocation.event.count
    }

    /// Puts back an invocation that could not be handed over, in its place among those that arrived
    /// before and after it.
    mutating func putBack(_ invocation: PendingInvocation) {
        let place = waiting.firstIndex { $0.arrival > invocation.arrival } ?? waiting.endIndex
        waiting.insert(invocation, at: place)
        bytes += invocation.event.count
    }

    mutating func removeFirst() -> PendingInvocation {
        remove(at: 0)
    }

    /// Takes out the invocation `position` places from the front: with tenant isolation a later
    /// invocation may go before earlier ones that wait for a runtime of their own tenant.
    mutating func remove(at position: Int) -> PendingInvocation {
        let invocation = waiting.remove(at: waiting.index(waiting.startIndex, offsetBy: position))
        bytes -= invocation.event.count
        return invocation
    }

    /// Oldest first.
    func makeIterator() -> CircularBuffer<PendingInvocation>.Iterator { waiting.makeIterator() }

    /// Empties the queue and returns what it held.
    mutating func removeAll() -> [PendingInvocation] {
        let all = Array(waiting)
        waiting.removeAll()
        bytes = 0
        return all
    }
}
