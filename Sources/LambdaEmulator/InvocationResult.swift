// What a caller of the invoke endpoint gets back, and Lambda's own error bodies.

/// The outcome of one invocation as the RIE endpoint reports it.
public struct InvocationResult: Sendable, Equatable {
    /// The response body, or the error JSON when `functionError` is set.
    public let body: [UInt8]
    /// `Unhandled` when the invocation failed (the X-Amz-Function-Error header), else nil.
    public let functionError: String?
    /// The error type when the invocation failed (e.g. `Function.InvalidEvent`, `Sandbox.Timedout`).
    public let errorType: String?
    /// The invoke endpoint's HTTP status when it is not 200 (429: throttled), else nil.
    public var invokeStatus: Int? = nil

    public static func success(_ body: [UInt8]) -> InvocationResult {
        InvocationResult(body: body, functionError: nil, errorType: nil)
    }

    public static func failure(_ body: [UInt8], errorType: String) -> InvocationResult {
        InvocationResult(body: body, functionError: "Unhandled", errorType: errorType)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The error type of an invocation that outlived the function timeout.
    static let timeoutType = "Sandbox.Timedout"

    /// Lambda's body for an invocation that outlived the function timeout.
    static func timedOut(requestID: String, seconds: Double) -> InvocationResult {
        let text = "RequestId: \(requestID) Error: Task timed out after \(formatSeconds(seconds)) seconds"
        return lambdaError(type: timeoutType, message: text)
    }

    /// Lambda's answer when it takes no more work: 429, TooManyRequestsException.
    static func throttled(queuedBytes: Int) -> InvocationResult {
        throttled("Rate Exceeded: \(queuedBytes) bytes of events are waiting for a runtime")
    }

    /// Lambda's throttling answer (429) with `message`, in the Invoke API's error shape.
    static func throttled(_ message: String) -> InvocationResult {
        let body = "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\",\"Type\":\"User\",\"message\":\(quoted(message))}"
        return InvocationResult(body: Array(body.utf8), functionError: nil, errorType: "TooManyRequestsException", invokeStatus: 429)
    }

    /// The Invoke API's refusal of a request whose content it cannot pass on: 400, InvalidRequestContentException.
    static func invalidRequestContent(_ message: String) -> InvocationResult {
        invokeAPIError(status: 400, type: "InvalidRequestContentException", message: message)
    }

    /// What an invocation whose caller went away before a runtime took it ends with (no one reads it).
    static let withdrawn = invokeAPIError(status: 499, type: "ClientClosedRequest", message: "the caller closed its connection before a runtime took the invocation")

    /// The Invoke API's answer for a function name this emulator does not serve: 404.
    static func functionNotFound(_ name: String, serving served: String) -> InvocationResult {
        invokeAPIError(status: 404, type: "ResourceNotFoundException",
                       message: "Function not found: \(name) (this emulator serves '\(served)', also reachable as 'function')")
    }

    /// The Invoke API's refusal of a parameter (a tenant id a function cannot take, or its absence
    /// when the function needs one; an unknown invocation type): 400, InvalidParameterValueException.
    static func invalidParameter(_ message: String) -> InvocationResult {
        invokeAPIError(status: 400, type: "InvalidParameterValueException", message: message)
    }

    /// The Invoke API's refusal of a payload over its limit: 413, RequestEntityTooLargeException,
    /// with the type in X-Amzn-ErrorType, where the AWS SDKs read it.
    static let requestTooLarge = invokeAPIError(status: 413, type: "RequestEntityTooLargeException",
        message: "Request must be smaller than \(LambdaEmulator.requestLimit) bytes for the InvokeFunction operation")
    static let eventTooLarge = invokeAPIError(status: 413, type: "RequestEntityTooLargeException",
        message: "Request must be smaller than \(LambdaEmulator.eventLimit) bytes for an asynchronous (Event) invocation")

    /// An error of the Invoke API itself (not the function's), as Lambda shapes its body.
    private static func invokeAPIError(status: Int, type: String, message: String) -> InvocationResult {
        let body = "{\"Type\":\"User\",\"message\":\(quoted(message))}"
        return InvocationResult(body: Array(body.utf8), functionError: nil, errorType: type, invokeStatus: status)
    }

    static let responseSizeTooLargeType = "Function.ResponseSizeTooLarge"

    /// The error Lambda gives the caller of an invocation whose runtime posted a response over the limit.
    static func responseSizeTooLarge(_ size: Int) -> InvocationResult {
        lambdaError(type: responseSizeTooLargeType,
                    message: "Response payload size (\(size) bytes) exceeded maximum allowed payload size (\(LambdaEmulator.responseLimit) bytes).")
    }

    /// Lambda's body for a runtime process that exited before answering.
    static func exited(requestID: String, status: ProcessStatus) -> InvocationResult {
        lambdaError(type: "Runtime.ExitError",
                    message: "RequestId: \(requestID) Error: Runtime exited with error: \(status.description)")
    }

    static func lambdaError(type: String, message: String) -> InvocationResult {
        let body = "{\"errorMessage\":\(quoted(message)),\"errorType\":\(quoted(type))}"
        return .failure(Array(body.utf8), errorType: type)
    }

    static func formatSeconds(_ seconds: Double) -> String {
        let hundredths = Int((seconds * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100).\(fraction.count == 1 ? "0" + fraction : fraction)"
    }
}

/// How a runtime process ended.
public enum ProcessStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    /// As Lambda words it (Go's ProcessState): "exit status 2", "signal: segmentation fault".
    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signalled(let signal):
            let names = Self.signalNames
            return "signal: " + (signal >= 1 && Int(signal) <= names.count ? names[Int(signal) - 1] : "signal \(signal)")
        }
    }

    /// Linux's signals 1 to 31 by the names Go gives them (a Swift fatalError is an illegal instruction).
    static let signalNames = [
        "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted", "bus error",
        "floating point exception", "killed", "user defined signal 1", "segmentation fault", "user defined signal 2",
        "broken pipe", "alarm clock", "terminated", "stack fault", "child exited", "continued", "stopped (signal)",
        "stopped", "stopped (tty input)", "stopped (tty output)", "urgent I/O condition", "CPU time limit exceeded",
        "file size limit exceeded", "virtual timer expired", "profiling timer expired", "window changed", "I/O possible",
        "power failure", "bad system call",
    ]
}

/// A JSON string literal (the emulator writes only a few fixed-shape bodies).
func quoted(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
