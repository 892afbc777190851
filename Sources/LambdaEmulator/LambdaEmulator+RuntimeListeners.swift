// The Runtime API listeners of the slots: bound at start, and a fresh one for each process that
// replaces another, so that nothing the replaced one left running can reach the new one.
import NIOCore

extension LambdaEmulator {
    /// Retired listeners the emulator keeps open, its slots' together: a connection to one is
    /// accepted and dropped as stale, where a closed one's port could be bound again by another
    /// listener and reach its process. Older ones are closed (connections to them are refused);
    /// the bound keeps the descriptors they hold from growing with replacements.
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
        slot.bindingSpare = true
        bindRuntimeListener(for: slot, role: .spare).hop(to: loop).whenComplete { [self] result in
            slot.bindingSpare = false
            switch result {
            case .success(let listener):
                if isShutDown { return listener.close() }
                slot.spare = listener
            case .failure(let error):
                // Tried again at the next process's start.
                if !isShutDown { log("could not bind a fresh Runtime API listener for runtime \(slot.index) (\(error)); its next process keeps the current address") }
            }
        }
    }

    /// Gives `slot` its spare listener as the address of the process about to start, retiring the
    /// current one. Without a spare (its bind has not finished: two starts in a row, or it failed,
    /// and then it is tried again) the address stays, and connections are told apart by when they
    /// were accepted only. On the loop.
    func moveToFreshListener(_ slot: RuntimeSlot) {
        guard let spare = slot.spare else {
            if !slot.bindingSpare { prepareSpareListener(for: slot) }
            return
        }
        slot.spare = nil
        if let current = slot.listener {
            current.role = .retired(lastGeneration: slot.generation - 1)
            retiredListeners.append(current)
            if retiredListeners.count > Self.retiredListenersKept { retiredListeners.removeFirst().close() }
        }
        spare.role = .current
        slot.listener = spare
        publishRuntimeAPIPorts()
        prepareSpareListener(for: slot)
    }

    /// Closes every Runtime API listener.
    func closeRuntimeListeners() {
        for slot in slots {
            slot.listener?.close()
            slot.spare?.close()
            slot.spare = nil
        }
        retiredListeners.forEach { $0.close() }
        retiredListeners = []
    }

    /// Makes the slots' current ports readable off the loop (`runtimeAPIAddresses`).
    func publishRuntimeAPIPorts() {
        let ports = slots.map { $0.listener?.port ?? 0 }
        runtimeAPIPorts.withLock { $0 = ports }
    }
}
