// Errors as Lambda reports them: an error type name, a message, and how a Swift error maps to them.

/// An error a handler throws when it knows the Lambda error type it means, e.g. `InvalidEvent`
/// reported as `Function.InvalidEvent`.
public protocol LambdaReportableError: Error {
    /// The name after `Function.`: starts with an upper-case letter, letters only.
    var lambdaErrorName: String { get }
    /// The message a caller reads.
    var lambdaErrorMessage: String { get }
}

/// A handler error with a name chosen at the throw site.
public struct FunctionError: LambdaReportableError, CustomStringConvertible, Sendable {
    public let lambdaErrorName: String
    public let lambdaErrorMessage: String

    public init(_ name: String, _ message: String) {
        self.lambdaErrorName = name
        self.lambdaErrorMessage = message
    }

    public var description: String { "\(lambdaErrorName): \(lambdaErrorMessage)" }
}

/// What is posted to `/invocation/{id}/error` or `/init/error`.
public struct ErrorReport: Error, Equatable, Sendable {
    /// `Function.<Name>` or `Runtime.<Name>`, matching `(Runtime|Function)\.[A-Z][a-zA-Z]+`.
    public let errorType: String
    public let errorMessage: String
    public let stackTrace: [String]

    /// Messages are cut to this many UTF-8 bytes: an error that quotes its input (a 5 MB event
    /// field) must still fit an error post, and a reader gets nothing from the rest.
    public static let maximumMessageBytes = 64 * 1024

    public init(errorType: String, errorMessage: String, stackTrace: [String] = []) {
        self.errorType = errorType
        self.errorMessage = Self.truncated(errorMessage, toUTF8Bytes: Self.maximumMessageBytes)
        self.stackTrace = stackTrace
    }

    /// `text` if it has at most `limit` UTF-8 bytes, else its longest prefix of whole characters
    /// that, with `note` (by default the full length), fits in `limit`.
    static func truncated(_ text: String, toUTF8Bytes limit: Int, note: String? = nil) -> String {
        let total = text.utf8.count
        guard total > limit else { return text }
        let note = note ?? "… (\(total) bytes in all)"
        let budget = limit - note.utf8.count
        var end = text.startIndex
        var bytes = 0
        while end < text.endIndex {
            let next = text.index(after: end)
            bytes += text.utf8.distance(from: end, to: next)
            guard bytes <= budget else { break }
            end = next
        }
        return text[..<end] + note
    }

    /// A handler's error as Lambda reports it: `Function.` and the error's name.
    public static func function(_ error: Error) -> ErrorReport {
        if let reportable = error as? LambdaReportableError {
            return ErrorReport(errorType: "Function." + sanitizedName(reportable.lambdaErrorName),
                               errorMessage: reportable.lambdaErrorMessage,
                               stackTrace: [String(reflecting: type(of: error))])
        }
        let typeName = String(describing: type(of: error))
        return ErrorReport(errorType: "Function." + sanitizedName(typeName), errorMessage: String(describing: error),
                           stackTrace: [String(reflecting: type(of: error))])
    }

    /// Letters an error type keeps after `Function.` or `Runtime.`: longer than any type name a
    /// reader needs, far below what servers allow in one header.
    static let maximumNameLength = 128

    /// A fault of the runtime, reported as `Runtime.<name>`.
    public static func runtime(_ name: String, _ message: String) -> ErrorReport {
        ErrorReport(errorType: "Runtime." + sanitizedName(name), errorMessage: message)
    }

    /// Makes any Swift type name fit the header's grammar: letters only, upper-case first, at most
    /// `maximumNameLength` of them (a name built from input must not make the header, and so the
    /// whole error post, too large for the Runtime API to take).
    /// `DecodingError.dataCorrupted` → `DecodingErrorDataCorrupted`; nothing usable → `Error`; `E` → `EError`.
    static func sanitizedName(_ name: String) -> String {
        var words: [String] = []
        var current = ""
        for character in name {
            if character.isASCII && character.isLetter {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        let joined = String(words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined().prefix(maximumNameLength))
        // The grammar wants two letters at least: `struct E: Error` is `EError`.
        return joined.count < 2 ? joined + "Error" : joined
    }
}
