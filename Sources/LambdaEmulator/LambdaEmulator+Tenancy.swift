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
            return .invalidTenant("function \(function) is in tenant isolation mode: every invocation must name its tenant (X-Amz-Tenant-Id)")
        case (false, .some):
            return .invalidTenant("function \(function) is not in tenant isolation mode, so an invocation cannot name a tenant (X-Amz-Tenant-Id); serve it with --tenant-isolation")
        case (true, .some(let tenant)) where !Self.isValidTenantID(tenant):
            return .invalidTenant("tenant id '\(tenant)' is not 1 to 256 of letters, digits, space and ._:/=+-@")
        default:
            return nil
        }
    }

    static func isValidTenantID(_ tenant: String) -> Bool {
        let allowed = Set("._:/=+-@ ".utf8)
        return (1...256).contains(tenant.utf8.count)
            && tenant.utf8.allSatisfy { allowed.contains($0) || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    /// The first queued invocation an idle runtime may serve, and that runtime. Without tenant
    /// isolation that is the oldest invocation and any idle runtime. With it, a runtime serves only
    /// the tenant of its first invocation, so an invocation goes to an idle runtime of its own
    /// tenant, else to an idle one that has served nobody; an invocation whose tenant has neither
    /// leaves its place to later ones that can go now.
    func nextHandOver() -> (position: Int, slot: RuntimeSlot)? {
        guard configuration.tenantIsolation else {
            return slots.first(where: \.isIdle).map { (0, $0) }
        }
        for (position, invocation) in queue.enumerated() {
            let idle = slots.filter(\.isIdle)
            if let slot = idle.first(where: { $0.tenant == invocation.options.tenantID }) ?? idle.first(where: { $0.tenant == nil }) {
                return (position, slot)
            }
        }
        return nil
    }

    /// An idle runtime to stop so that a fresh one can serve a tenant that has none: only in tenant
    /// isolation mode, when more tenants wait without a runtime of their own (busy, starting or
    /// idle) than there are runtimes that have served nobody, and no slot is free to start one in.
    /// Called when nothing queued can be handed over, so an idle runtime's tenant has nothing queued.
    func runtimeToRecycle() -> RuntimeSlot? {
        guard configuration.tenantIsolation, !slots.contains(where: \.isStopped) else { return nil }
        let live = slots.filter { !$0.isStopped }
        let served = Set(live.compactMap(\.tenant))
        let unassigned = live.filter { $0.tenant == nil }.count
        let waitingWithout = Set(queue.enumerated().compactMap { $0.element.options.tenantID }).subtracting(served)
        guard waitingWithout.count > unassigned else { return nil }
        return live.first(where: \.isIdle)
    }
}
