// Handler protocols: bytes in, bytes out at the base; Codable events and results on top.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The base handler: the event's bytes in, the response's bytes out. Throwing reports a function error.
public protocol LambdaByteHandler {
    func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8]
}

/// A handler of decoded events: the runtime decodes the event JSON and encodes the result.
public protocol LambdaCodableHandler {
    associatedtype Event: Decodable
    associatedtype Output: Encodable
    func handle(_ event: Event, context: LambdaContext) throws -> Output
}

/// What init gives the code that builds a handler: where the function lives and a logger.
public struct LambdaInitContext: Sendable {
    /// `_HANDLER`: which function this process serves.
    public let handlerName: String
    public let environment: [String: String]
    public let logger: LambdaLogger

    public init(handlerName: String, environment: [String: String], logger: LambdaLogger) {
        self.handlerName = handlerName
        self.environment = environment
        self.logger = logger
    }
}

/// Joins a Codable handler to the byte level: a bad event is the caller's error, `Function.InvalidEvent`.
public struct CodableHandlerAdapter<Handler: LambdaCodableHandler>: LambdaByteHandler {
    public let handler: Handler

    public init(_ handler: Handler) { self.handler = handler }

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let decoded: Handler.Event
        do {
            decoded = try JSONDecoder().decode(Handler.Event.self, from: Data(event))
        } catch {
            throw FunctionError("InvalidEvent", "the event is not a valid \(Handler.Event.self): \(Self.describe(error))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(try handler.handle(decoded, context: context)))
    }

    /// DecodingError's own description is a wall of internals; say what and where.
    static func describe(_ error: Error) -> String { DecodingErrorText.describe(error) }
}

/// Decoding errors in words: what was wrong and where (for events, configuration files...).
public enum DecodingErrorText {
    public static func describe(_ error: Error) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.isEmpty ? "the top level" : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "missing field '\(key.stringValue)' at \(path(context.codingPath))"
        case .typeMismatch(let type, let context)?: return "expected \(type) at \(path(context.codingPath))"
        case .valueNotFound(let type, let context)?: return "expected \(type) at \(path(context.codingPath)), found null"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at \(path(context.codingPath)): \(context.debugDescription)"
        default: return String(describing: error)
        }
    }
}
