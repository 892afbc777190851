// Lambda's tenant isolation mode: which invocations a function takes, and which runtime serves them.
// Everything here runs on the emulator's event loop.

extension LambdaEmulator {
    /// Why the Invoke API refuses `tenant` for this function, or nil when it takes it. A function in
    /// tenant isolation mode needs one on every invocation, any other function takes none (Lambda
    /// answers both mistakes with InvalidParameterValueException), and a tenant id is what the
    /// Invoke API allows: 1 to 256 of letters, digits and `._:/=+-@` or space.
    func tenantRefusal(_ tenant: String?) -> InvocationResult? {
        let function = configuration.functionName
        switch (configuration.tenantIsolation, tenant) {
        case (true, nil):
            return .invalidParameter("function \(function) is in tenant isolation mode: every invocation must name its tenant (X-Amz-Tenant-Id)")
        case (false, .some):
            return .invalidParameter("function \(function) is not in tenant isolation mode, so an invocation cannot name a tenant (X-Amz-Tenant-Id); serve it with --tenant-isolation (EmulatorConfiguration.tenantIsolation)")
        case (true, .some(let tenant)) where !Self.isValidTenantID(tenant):
            return .invalidParameter("tenant id '\(tenant)' is not 1 to 256 of letters, digits, space and ._:/=+-@")
        default:
            return nil
        }
    }

    static func isValidTenantID(_ tenant: String) -> Bool {
        let allowed = Set("._:/=+-@ ".utf8)
        return (1...256).contains(tenant.utf8.count)
            && tenant.utf8.allSatisfy { allowed.contains($0) || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    /// What `dispatch` does next for the queued invocations.
    enum DispatchStep {
        /// Hand the invocation `position` places from the front to this idle runtime.
        case hand(position: Int, slot: RuntimeSlot)
        /// Start a runtime in this stopped slot for the invocation at `position`.
        case start(position: Int, slot: RuntimeSlot)
        /// Stop this idle runtime (of another tenant): the next step starts a fresh one in its slot.
        case recycle(RuntimeSlot)
        /// Nothing can happen until a runtime changes state.
        case wait
    }

    /// The next step. Without tenant isolation: the oldest invocation to any idle runtime, else a
    /// stopped slot started for it. With it, the invocations are taken oldest first, each to an idle
    /// runtime of its tenant, else to one that has served nobody. One whose tenant has a runtime
    /// (busy, or not yet asking for work) waits for it while later ones go on; one whose tenant has
    /// none is owed a fresh runtime: one already starting (each counts once), else a stopped slot,
    /// else the idle runtime of another tenant that has been idle longest. So no later invocation
    /// can keep an older one waiting: the runtime a stream of them would take is the one replaced.
    func nextDispatchStep() -> DispatchStep {
        let canStart = !configuration.command.isEmpty
        guard configuration.tenantIsolation else {
            if let slot = slots.first(where: \.isIdle) { return .hand(position: 0, slot: slot) }
            if canStart, let stopped = slots.first(where: \.isStopped) { return .start(position: 0, slot: stopped) }
            return .wait
        }
        let idle = slots.filter(\.isIdle)
        // With no runtime idle and none to start, nothing can move: no need to look at the queue.
        guard !idle.isEmpty || (canStart && slots.contains(where: \.isStopped)) else { return .wait }
        let tenantsWithRuntimes = self.tenantsWithRuntimes
        var freshRuntimesStarting = slots.filter { !$0.isStopped && $0.tenant == nil && !$0.isIdle }.count
        for (position, invocation) in queue.enumerated() {
            let tenant = invocation.options.tenantID
            if let slot = idle.first(where: { $0.tenant == tenant }) ?? idle.first(where: { $0.tenant == nil }) {
                return .hand(position: position, slot: slot)
            }
            if let tenant, tenantsWithRuntimes.contains(tenant) { continue }
            if freshRuntimesStarting > 0 {
                freshRuntimesStarting -= 1
                continue
            }
            guard canStart else { return .wait }
            if let stopped = slots.first(where: \.isStopped) { return .start(position: position, slot: stopped) }
            if let longestIdle = idle.min(by: { $0.lastHandedWork < $1.lastHandedWork }) { return .recycle(longestIdle) }
            return .wait
        }
        return .wait
    }

    /// The tenants a runtime (busy, starting or idle) is dedicated to.
    private var tenantsWithRuntimes: Set<String> { Set(slots.filter { !$0.isStopped }.compactMap(\.tenant)) }

    /// The queued invocation a runtime whose init failed was coming for, which has the init tried
    /// again in its invoke phase: the oldest that no other runtime is coming for. One whose tenant
    /// has a runtime waits for it (tenant isolation); the others are taken oldest first by the
    /// fresh runtimes still starting, one each. Nil when every queued invocation has one coming:
    /// a retry bound to one of them would keep it waiting while another runtime sat idle.
    func positionOwedARetry() -> Int? {
        let isolated = configuration.tenantIsolation
        var freshRuntimesStarting = slots.filter { $0.isStartingFresh && (!isolated || $0.tenant == nil) }.count
        let tenantsWithRuntimes = isolated ? self.tenantsWithRuntimes : []
        for (position, invocation) in queue.enumerated() {
            if isolated, tenantsWithRuntimes.contains(invocation.options.tenantID ?? "") { continue }
            if freshRuntimesStarting > 0 {
                freshRuntimesStarting -= 1
                continue
            }
            return position
        }
        return nil
    }
}
