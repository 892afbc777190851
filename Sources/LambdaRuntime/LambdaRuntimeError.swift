// The runtime's own failures: talking to the Runtime API, and init.

/// A failure of the runtime itself, as opposed to an error a handler throws.
public struct LambdaRuntimeError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// AWS_LAMBDA_RUNTIME_API is missing or not host:port.
        case missingRuntimeAPI
        /// The Runtime API could not be reached after the bounded retries.
        case apiUnreachable
        /// The Runtime API answered 500, or its answer broke off after it took the request: the
        /// sandbox is going away (or the exchange cannot be repeated), the process must exit.
        case apiFailed
        /// The Runtime API answered with a status the contract does not allow here.
        case unexpectedStatus
        /// GET next returned no request id header.
        case missingRequestID
        /// `_HANDLER` names no handler this binary has.
        case unknownHandler
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
