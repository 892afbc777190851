// One Runtime API address of a sandbox, and which of its processes it serves.
import NIOCore

/// A Runtime API listener of a slot. Each process the emulator starts in a slot after the first is
/// given a fresh one when it is ready, so that what a replaced process left behind (a child in a
/// session of its own, which the kill of its group misses) cannot reach its successor: a new
/// connection it opens reaches the old address, whose connections are all stale.
// @unchecked Sendable: confined to the emulator's single event loop, like its slot.
final class RuntimeListener: @unchecked Sendable {
    enum Role {
        /// Bound for the slot's next process, whose address it will be; no process knows it yet.
        case spare
        /// The address of the slot's current process.
        case current
        /// The address of processes up to this generation, all replaced.
        case retired(lastGeneration: Int)
    }

    var role: Role
    /// Set once bound.
    var channel: Channel?

    init(role: Role) {
        self.role = role
    }

    var port: Int { channel?.localAddress?.port ?? 0 }

    /// The tag of a connection accepted now, given the slot's generation: requests on it count as
    /// the current process's only when it equals the generation then (see `staleness`).
    func connectionTag(slotGeneration: Int) -> Int {
        switch role {
        case .current: slotGeneration
        case .retired(let lastGeneration): lastGeneration
        // Never a generation: no process was told this address.
        case .spare: -1
        }
    }

    func close() {
        channel?.close(promise: nil)
    }
}
