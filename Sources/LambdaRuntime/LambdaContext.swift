// What a handler knows about the invocation it serves: ids, deadline, caller context, a logger.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The per-invocation context handed to a handler.
public struct LambdaContext: Sendable {
    public let requestID: String
    public let deadlineMs: Int64
    public let invokedFunctionARN: String
    public let traceID: String?
    public let tenantID: String?
    /// Lambda-Runtime-Client-Context decoded (mobile SDK callers), nil when absent or not JSON.
    public let clientContext: [String: JSONValue]?
    /// Lambda-Runtime-Cognito-Identity decoded, nil when absent or not JSON.
    public let cognitoIdentity: [String: JSONValue]?
    public let logger: LambdaLogger

    public init(invocation: Invocation, logger: LambdaLogger) {
        self.requestID = invocation.requestID
        self.deadlineMs = invocation.deadlineMs
        self.invokedFunctionARN = invocation.invokedFunctionARN
        self.traceID = invocation.traceID
        self.tenantID = invocation.tenantID
        self.clientContext = invocation.clientContext.flatMap(Self.decodeObject)
        self.cognitoIdentity = invocation.cognitoIdentity.flatMap(Self.decodeObject)
        self.logger = logger.with(requestID: invocation.requestID, tenantID: invocation.tenantID)
    }

    /// Time left before the deadline, in milliseconds (negative once it has passed; `Int64.max`
    /// without a deadline). Saturates rather than overflowing on a deadline far from now.
    public var remainingTimeMs: Int64 {
        guard deadlineMs != .max else { return .max }
        let (left, overflow) = deadlineMs.subtractingReportingOverflow(Clock.nowMs())
        return overflow ? (deadlineMs < 0 ? .min : .max) : left
    }

    private static func decodeObject(_ json: String) -> [String: JSONValue]? {
        guard case .object(let object)? = try? JSONValue(parsing: Array(json.utf8)) else { return nil }
        return object
    }
}

/// Wall-clock milliseconds, the unit of Lambda's deadlines.
public enum Clock {
    public static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
