// The keys function.json may hold, where: decoding alone leaves out a key it does not know, and a
// misspelt setting ("treshold") would silently not apply.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LambdaRuntime

extension FunctionConfig {
    /// Each object's keys, by its path in the file ("" for the top).
    static let knownKeys: [String: Set<String>] = [
        "": ["description", "model", "preprocess", "sampling", "labels", "labelsFromModelMetadata", "postprocess"],
        "model": ["name", "uri", "sha256", "input", "output"],
        "preprocess": ["width", "height", "resize", "channels", "scale", "mean", "std", "layout", "algorithm"],
        "preprocess.resize": ["mode", "shorterSide", "width", "height", "padding"],
        "sampling": ["frames", "maximumFrames", "batchSize"],
        "postprocess": ["activation", "topK", "aggregate", "threshold", "vote", "labelMeanings"],
        "postprocess.threshold": ["label", "value", "verdicts"],
    ]

    /// The first key of `data` (function.json) no setting reads, as "postprocess.treshold"; nil
    /// when every key is known (or the file is not a JSON object, which decoding reports).
    static func unknownKey(in data: Data) -> String? {
        // The runtime's own JSON reader: the bootstrap links FoundationEssentials only.
        guard case .object(let top)? = try? JSONValue(parsing: [UInt8](data)) else { return nil }
        func find(_ object: [String: JSONValue], at path: String) -> String? {
            guard let known = knownKeys[path] else { return nil }
            for key in object.keys.sorted() {
                let place = path.isEmpty ? key : "\(path).\(key)"
                guard known.contains(key) else { return place }
                if case .object(let child)? = object[key], let found = find(child, at: place) { return found }
            }
            return nil
        }
        return find(top, at: "")
    }
}
