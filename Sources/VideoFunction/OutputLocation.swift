// Where the full result of each S3 record or SQS message goes: OUTPUT_URI, a prefix or a template.

/// OUTPUT_URI read once at init. Either a prefix ending in '/' (`s3://out/results/`: a video's result
/// goes to `results/<key>.json`) or a template with `<key>` in it (`s3://out/results/<key>.json`).
/// A plain object URI is refused: every result of a batch would overwrite the one before.
struct OutputLocation: Equatable {
    static let keyPlaceholder = "<key>"

    let uri: String

    init(_ uri: String) throws {
        guard uri.hasSuffix("/") || uri.contains(Self.keyPlaceholder) else {
            throw VideoFunctionError(.invalidConfig, "OUTPUT_URI '\(uri)' names one object, which every result would overwrite: end it with '/' (results go to <prefix><key>.json) or put \(Self.keyPlaceholder) where the key goes (e.g. s3://bucket/results/\(Self.keyPlaceholder).json)")
        }
        self.uri = uri
    }

    /// Where the result for `key` (an S3 object's key, or an SQS message's id) is written.
    func target(forKey key: String) -> String {
        // A file URI is percent-decoded when opened; a key's own '%' must stay one.
        let escaped = uri.hasPrefix("file://") ? key.replacing("%", with: "%25") : key
        if uri.contains(Self.keyPlaceholder) { return uri.replacing(Self.keyPlaceholder, with: escaped) }
        return uri + escaped + ".json"
    }
}
