// Invocations waiting for an idle runtime, first in first out, with the bytes their events hold.
import NIOCore

/// Invocations waiting for a runtime. The bytes of their events bound how much work the emulator
/// takes on before callers get 429 (each event may be 6 MB). Used on the emulator's loop only.
struct InvocationQueue: Sequence {
    private var waiting = CircularBuffer<PendingInvocation>()
    private(set) var bytes = 0

    var isEmpty: Bool { waiting.isEmpty }

    mutating func append(_ invocation: PendingInvocation) {
        waiting.append(invocation)
        bytes += invocation.event.count
    }

    /// Puts back at the front an invocation that could not be handed over.
    mutating func prepend(_ invocation: PendingInvocation) {
        waiting.prepend(invocation)
        bytes += invocation.event.count
    }

    mutating func removeFirst() -> PendingInvocation {
        remove(at: 0)
    }

    /// Takes out the invocation `position` places from the front (one whose turn came before those
    /// ahead of it: see `LambdaEmulator.nextHandOver`).
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
