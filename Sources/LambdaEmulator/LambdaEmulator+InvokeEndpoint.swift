// The RIE-compatible invoke endpoint: POST /2015-03-31/functions/function/invocations.
import Foundation
import NIOCore
import NIOHTTP1

extension LambdaEmulator {
    func routeInvoke(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let parts = request.path.split(separator: "/")
        guard request.method == .POST, parts.count == 4, parts[0] == "2015-03-31", parts[1] == "functions",
              parts[3] == "invocations" else {
            return notFound(request, responder)
        }
        guard !request.bodyTooLarge else {
            return responder.respondJSON(HTTPResponseStatus(statusCode: 413),
                "{\"errorMessage\":\"Request must be smaller than \(Self.payloadLimit) bytes for the InvokeFunction operation\",\"errorType\":\"RequestEntityTooLargeException\"}")
        }
        let options = InvocationOptions(clientContext: Self.clientContext(request.headers.first(name: "X-Amz-Client-Context")),
                                        traceID: request.headers.first(name: "X-Amzn-Trace-Id"))
        submit(request.body, options: options).whenSuccess { result in
            var headers = [("Content-Type", "application/json"), ("X-Amz-Executed-Version", "$LATEST")]
            if let functionError = result.functionError { headers.append(("X-Amz-Function-Error", functionError)) }
            responder.respond(.ok, headers: headers, body: result.body)
        }
    }

    /// The Invoke API carries the client context base64-encoded (as the SDKs send it); Lambda gives
    /// runtimes the JSON itself. A header that is not base64 of a JSON object is passed on as it is.
    static func clientContext(_ header: String?) -> String? {
        guard let header, let data = Data(base64Encoded: header), let text = String(data: data, encoding: .utf8),
              text.first(where: { !$0.isWhitespace }) == "{" else { return header }
        return text
    }
}
