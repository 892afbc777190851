// The emulator's own failures.

public struct EmulatorError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// The runtime command is empty or cannot be started.
        case badCommand
        /// A listener could not be bound.
        case bindFailed
        /// The emulator was shut down while the call waited.
        case shutDown
        /// A setting is out of range (port, concurrency, timeout, memory, grace period).
        case invalidConfiguration
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
