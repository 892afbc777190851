// Which function an Invoke request names, and which of its versions or aliases: the path's
// FunctionName (a name, a partial ARN or a full ARN, each with an optional ":qualifier") and the
// Qualifier query parameter, read as the Invoke API reads them.
import Foundation

struct InvokeTarget: Equatable {
    var name: String
    /// The version or alias asked for ("$LATEST", "prod"); nil when none was.
    var qualifier: String?

    /// A name, or a name and its qualifier: read first, as the pattern below would take
    /// "function:prod" (the RIE's name with a qualifier) for a function named "prod".
    nonisolated(unsafe) private static let nameAndQualifier = #/^([a-zA-Z0-9_.-]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$/#
    /// The Invoke API's FunctionName pattern, with the name and the qualifier captured.
    nonisolated(unsafe) private static let pattern =
        #/^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d:)?(?:\d{12}:)?(?:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$/#

    /// The longest qualifier Lambda takes.
    static let maximumQualifierLength = 128

    enum Refusal: Error, Equatable {
        /// The name has no shape the API takes: no function of ours is named so.
        case notAFunctionName
        case badQualifier(String)
    }

    /// `functionName`: the path's segment, percent-decoded; `query`: the request's query string.
    /// A qualifier in both must be the same one, as Lambda requires.
    static func parse(functionName: String, query: String) throws(Refusal) -> InvokeTarget {
        var target: InvokeTarget
        if let match = try? nameAndQualifier.wholeMatch(in: functionName) {
            target = InvokeTarget(name: String(match.1), qualifier: match.2.map(String.init))
        } else if let match = try? pattern.wholeMatch(in: functionName) {
            target = InvokeTarget(name: String(match.1), qualifier: match.2.map(String.init))
        } else {
            throw .notAFunctionName
        }
        if let asked = queryQualifier(query), !asked.isEmpty {
            guard asked.count <= maximumQualifierLength, (try? #/\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+/#.wholeMatch(in: asked)) != nil else {
                throw .badQualifier("the Qualifier '\(asked)' is not a version or an alias name")
            }
            if let derived = target.qualifier, derived != asked {
                throw .badQualifier("The derived qualifier from the function name does not match the specified qualifier.")
            }
            target.qualifier = asked
        }
        if let qualifier = target.qualifier, qualifier.count > maximumQualifierLength {
            throw .badQualifier("the qualifier is \(qualifier.count) characters long; at most \(maximumQualifierLength)")
        }
        return target
    }

    /// The Qualifier query parameter's value, percent-decoded; nil when the query has none.
    private static func queryQualifier(_ query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first == "Qualifier", parts.count == 2 else { continue }
            let value = String(parts[1]).replacingOccurrences(of: "+", with: " ")
            return value.removingPercentEncoding ?? value
        }
        return nil
    }
}
