// What becomes of an Event (asynchronous) invocation once it has ended: nobody waits for its answer,
// so a failure is logged, and tried again as Lambda tries it: up to `eventRetries` more times (2 by
// default), the first after `eventRetryDelaySeconds` (about a minute in Lambda), each later one
// waiting that much longer again. A retry is the same event under the same request id, queued
// behind whatever waits then. Retries still waiting when the emulator stops are dropped, and said so.
import NIOCore

extension LambdaEmulator {
    /// On the loop. `attempt`: 1 for the first run, 2 for the first retry, ...
    func eventEnded(_ result: InvocationResult, event: [UInt8], options: InvocationOptions, requestID: String, attempt: Int) {
        guard result.functionError != nil else { return }
        let body = result.bodyText
        let failure = "Event invocation \(requestID) failed (\(result.errorType ?? "Unhandled")): \(body.count > 1024 ? body.prefix(1024) + "…" : body)"
        guard attempt <= configuration.eventRetries, !isShutDown else {
            let tries = attempt == 1 ? "" : " (attempt \(attempt) of \(attempt), the last)"
            return log(failure + tries)
        }
        let delay = configuration.eventRetryDelaySeconds * Double(attempt)
        log("\(failure); trying it again in \(InvocationResult.formatSeconds(delay)) s (attempt \(attempt + 1) of \(configuration.eventRetries + 1))")
        eventRetries[requestID] = loop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { [weak self] in
            guard let self else { return }
            eventRetries[requestID] = nil
            submit(event, options: options, requestID: requestID)?.whenSuccess { [weak self] result in
                // A refusal (the queue full) ends the event as Lambda's throttled retries would not: said so.
                if result.invokeStatus != nil { self?.log("Event invocation \(requestID) could not be tried again: \(result.bodyText)"); return }
                self?.eventEnded(result, event: event, options: options, requestID: requestID, attempt: attempt + 1)
            }
        }
    }

    /// At shutdown, on the loop: the retries that will not be made.
    func dropEventRetries() {
        guard !eventRetries.isEmpty else { return }
        for retry in eventRetries.values { retry.cancel() }
        log("\(eventRetries.count) failed Event invocation\(eventRetries.count == 1 ? "" : "s") not tried again: the emulator is stopping (\(eventRetries.keys.sorted().joined(separator: ", ")))")
        eventRetries.removeAll()
    }
}
