// What the REPORTs of a run of the emulator add up to, for the user who stops it: how long
// invocations took, what they were billed, how much memory the function needed, how they ended.

/// The REPORTs written so far, summed up.
public struct ReportSummary: Sendable, Equatable {
    public private(set) var durationsMs: [Double] = []
    public private(set) var initDurationsMs: [Double] = []
    public private(set) var billedMs = 0
    /// Billed milliseconds times memory, in GB-seconds: what Lambda prices compute by.
    public private(set) var gigabyteSeconds = 0.0
    public private(set) var maxMemoryUsedMB: Int?
    public private(set) var memorySizeMB = 0
    /// Invocations that did not end in a response, by error type ("timeout" for timeouts).
    public private(set) var failures: [String: Int] = [:]
    /// Runtime processes whose init failed or timed out (each wrote an INIT_REPORT).
    public private(set) var failedInits = 0

    public init() {}

    mutating func add(_ report: PlatformLog.Report) {
        durationsMs.append(report.durationMs)
        if let initMs = report.initDurationMs { initDurationsMs.append(initMs) }
        billedMs += report.billedDurationMs
        gigabyteSeconds += Double(report.billedDurationMs) / 1000 * Double(report.memorySizeMB) / 1024
        if let used = report.maxMemoryUsedMB { maxMemoryUsedMB = max(maxMemoryUsedMB ?? 0, used) }
        memorySizeMB = report.memorySizeMB
        switch report.status {
        case .success: break
        case .timeout: failures["timeout", default: 0] += 1
        case .functionError(let type), .runtimeError(let type): failures[type, default: 0] += 1
        }
    }

    mutating func addFailedInit() { failedInits += 1 }

    /// One line, or nil when nothing was invoked and no init failed.
    public var text: String? {
        guard !durationsMs.isEmpty else {
            return failedInits == 0 ? nil : "0 invocations; \(failedInits) failed init\(failedInits == 1 ? "" : "s")"
        }
        let count = durationsMs.count
        var parts = ["\(count) invocation\(count == 1 ? "" : "s")"]
        if !failures.isEmpty {
            parts[0] += " (" + failures.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")"
        }
        func ms(_ value: Double) -> String { PlatformLog.decimals(value, 1) }
        parts.append("Duration p50 \(ms(Self.percentile(durationsMs, 0.5))) ms, p95 \(ms(Self.percentile(durationsMs, 0.95))) ms, max \(ms(durationsMs.max()!)) ms")
        parts.append("billed \(billedMs) ms, \(PlatformLog.decimals(gigabyteSeconds, 3)) GB-s at \(memorySizeMB) MB")
        if let used = maxMemoryUsedMB { parts.append("Max Memory Used \(used) MB") }
        if !initDurationsMs.isEmpty {
            parts.append("\(initDurationsMs.count) init\(initDurationsMs.count == 1 ? "" : "s"), p50 \(ms(Self.percentile(initDurationsMs, 0.5))) ms")
        }
        if failedInits > 0 { parts.append("\(failedInits) failed init\(failedInits == 1 ? "" : "s")") }
        return parts.joined(separator: "; ")
    }

    /// The nearest-rank percentile of `values` (not empty).
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }
}
