// One invocation as GET /runtime/invocation/next delivers it: the event bytes and the headers.

/// The event and the metadata Lambda sends with it, before anything is decoded.
public struct Invocation: Sendable {
    public let requestID: String
    /// Milliseconds since the Unix epoch after which Lambda stops the invocation; `Int64.max` when
    /// the Runtime API gave none that reads as one.
    public let deadlineMs: Int64
    public let invokedFunctionARN: String
    public let traceID: String?
    /// The raw JSON of Lambda-Runtime-Client-Context, when the caller sent one.
    public let clientContext: String?
    /// The raw JSON of Lambda-Runtime-Cognito-Identity, when the caller sent one.
    public let cognitoIdentity: String?
    public let tenantID: String?
    public let event: [UInt8]

    public init(requestID: String, deadlineMs: Int64, invokedFunctionARN: String = "", traceID: String? = nil,
                clientContext: String? = nil, cognitoIdentity: String? = nil, tenantID: String? = nil,
                event: [UInt8]) {
        self.requestID = requestID
        self.deadlineMs = deadlineMs
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.clientContext = clientContext
        self.cognitoIdentity = cognitoIdentity
        self.tenantID = tenantID
        self.event = event
    }

    /// Reads an invocation from the headers of GET next, keyed by lower-cased name as
    /// `HTTPResponseFraming` gives them (HTTP names are case-insensitive).
    public init(headers: [String: String], body: [UInt8]) throws(LambdaRuntimeError) {
        try self.init(header: { headers[$0] }, body: body)
    }

    /// The same from a response's header fields as received.
    init(headers: HTTPHeaderFields, body: [UInt8]) throws(LambdaRuntimeError) {
        try self.init(header: { headers[$0] }, body: body)
    }

    /// `field` gives a header's value by its lower-case name. The names are written lower-case here
    /// rather than lower-cased per lookup: this runs once per invocation, and each `lowercased()`
    /// is a string allocation.
    private init(header field: (String) -> String?, body: [UInt8]) throws(LambdaRuntimeError) {
        func header(_ name: String) -> String? {
            let value = field(name)
            return value?.isEmpty == false ? value : nil
        }
        guard let requestID = header("lambda-runtime-aws-request-id") else {
            throw LambdaRuntimeError(.missingRequestID, "GET next answered without a Lambda-Runtime-Aws-Request-Id header")
        }
        self.init(requestID: requestID,
                  deadlineMs: header("lambda-runtime-deadline-ms").flatMap(Self.deadline) ?? .max,
                  invokedFunctionARN: header("lambda-runtime-invoked-function-arn") ?? "",
                  traceID: header("lambda-runtime-trace-id"),
                  clientContext: header("lambda-runtime-client-context"),
                  cognitoIdentity: header("lambda-runtime-cognito-identity"),
                  tenantID: header("lambda-runtime-aws-tenant-id"),
                  event: body)
    }

    /// Lambda always sends the deadline. Without one that reads as epoch milliseconds, the handler is
    /// told of no deadline rather than of one long past (which would make it refuse all work);
    /// Lambda's own timeout still ends the invocation.
    private static func deadline(_ text: String) -> Int64? {
        guard let value = Int64(text), value >= 0 else { return nil }
        return value
    }
}
