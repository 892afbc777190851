// One invocation as GET /runtime/invocation/next delivers it: the event bytes and the headers.

/// The event and the metadata Lambda sends with it, before anything is decoded.
public struct Invocation: Sendable {
    public let requestID: String
    /// Milliseconds since the Unix epoch after which Lambda stops the invocation.
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

    /// Reads an invocation from the headers of GET next (names compared case-insensitively).
    public init(headers: [String: String], body: [UInt8]) throws(LambdaRuntimeError) {
        func header(_ name: String) -> String? {
            let value = headers[name.lowercased()]
            return value?.isEmpty == false ? value : nil
        }
        guard let requestID = header("Lambda-Runtime-Aws-Request-Id") else {
            throw LambdaRuntimeError(.missingRequestID, "GET next answered without a Lambda-Runtime-Aws-Request-Id header")
        }
        self.init(requestID: requestID,
                  deadlineMs: header("Lambda-Runtime-Deadline-Ms").flatMap { Int64($0) } ?? 0,
                  invokedFunctionARN: header("Lambda-Runtime-Invoked-Function-Arn") ?? "",
                  traceID: header("Lambda-Runtime-Trace-Id"),
                  clientContext: header("Lambda-Runtime-Client-Context"),
                  cognitoIdentity: header("Lambda-Runtime-Cognito-Identity"),
                  tenantID: header("Lambda-Runtime-Aws-Tenant-Id"),
                  event: body)
    }
}
