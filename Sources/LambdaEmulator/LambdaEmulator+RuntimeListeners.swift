// The Runtime API listeners of the slots: bound at start, and a fresh one for each process that
// replaces another, so that nothing the replaced one left running can reach the new one.
import NIOCore

extension LambdaEmulator {
    /// Retired listeners a slot keeps open: a connection to one is accepted and dropped as stale,
    /// where a closed one's port could be bound again by another listener and reach its process.
    /// Older ones are closed (connections to them are refused).
    static let retiredListenersKept = 8

    /// Binds a Runtime API listener of `slot` in `role`; connections it accepts are tagged by its
    /// role then (see `RuntimeListener.connectionTag`).
    func bindRuntimeListener(for slot: RuntimeSlot, role: RuntimeListener.Role) -> EventLoopFuture<RuntimeListener> {
        let listener = RuntimeListener(role: role)
        return HTTPServer.bind(group: group, host: configuration.host, port: 0,
                               bodyLimit: Self.responseLimit, budget: nil,
                               stalledRequestSeconds: configuration.stalledRequestSeconds,
                               // On the emulator's one loop, which owns the slot and its listeners.
                               tagConnection: { listener.connectionTag(slotGeneration: slot.generation) },
                               observeBody: { [unowned self] head, tag in self.streamedResponseReceiver(head, connectionTag: tag, slot: slot) }) {
            [unowned self] request, responder in
            self.routeRuntimeAPI(request, responder, slot: slot)
        }.map { channel in
            listener.channel = channel
            return listener
        }
    }

    /// Binds, in the background, the listener `slot`'s next process will be given. On the loop.
    func prepareSpareListener(for slot: RuntimeSlot) {
        bindRuntimeListener(for: slot, role: .spare).hop(to: loop).whenComplete { [self] result in
            switch result {
            case .success(let listener):
                if isShutDown { return listener.close() }
                slot.spare = listener
            case .failure(let error):
                log("could not bind a fresh Runtime API listener for runtime \(slot.index) (\(error)); its next process keeps the current address")
            }
        }
    }

    /// Gives `slot` its spare listener as the address of the process about to start, retiring the
    /// current one. Without a spare (its bind has not finished: two replacements in a row) the
    /// address stays, and connections are told apart by when they were accepted only. On the loop.
    func moveToFreshListener(_ slot: RuntimeSlot) {
        guard let spare = slot.spare else { return }
        slot.spare = nil
        if let current = slot.listener {
            current.role = .retired(lastGeneration: slot.generation - 1)
            slot.retired.append(current)
            if slot.retired.count > Self.retiredListenersKept { slot.retired.removeFirst().close() }
        }
        spare.role = .current
        slot.listener = spare
        publishRuntimeAPIPorts()
        prepareSpareListener(for: slot)
    }

    /// Closes every listener of `slot`.
    func closeListeners(of slot: RuntimeSlot) {
        slot.listener?.close()
        slot.spare?.close()
        slot.spare = nil
        slot.retired.forEach { $0.close() }
        slot.retired = []
    }

    /// Makes the slots' current ports readable off the loop (`runtimeAPIAddresses`).
    func publishRuntimeAPIPorts() {
        let ports = slots.map { $0.listener?.port ?? 0 }
        runtimeAPIPorts.withLock { $0 = ports }
    }
}
