// Where the full result of each S3 record or SQS message goes: OUTPUT_URI, a prefix or a template.
import ObjectStore

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

    /// Where the result for `key` (an S3 object's key, or an SQS message's id) is written. An S3
    /// key has at most 1024 bytes: a result key that would be longer (a long video key under a
    /// prefix) keeps the start of the video's key that fits, then '-' and the sha256 of all of it,
    /// so that long keys sharing their start get results of their own. (The result names its
    /// video, and the answer names where the result went.)
    func target(forKey key: String) -> String {
        let target = place(key)
        guard case .s3(_, let targetKey)? = try? ObjectURI(parsing: target),
              targetKey.utf8.count > FunctionEvent.maximumS3KeyBytes else { return target }
        let suffix = "-" + sha256Hex(Array(key.utf8))
        let places = max(1, uri.ranges(of: Self.keyPlaceholder).count)
        let fixedBytes = targetKey.utf8.count - places * key.utf8.count
        let room = (FunctionEvent.maximumS3KeyBytes - fixedBytes) / places - suffix.utf8.count
        // No room even for the digest: the template is too long itself, which storing reports.
        guard room >= 0 else { return target }
        var keptBytes = 0
        let kept = key.prefix { character in
            keptBytes += character.utf8.count
            return keptBytes <= room
        }
        return place(kept + suffix)
    }

    /// Whether `s3://bucket/key` could be a result this function wrote: in OUTPUT_URI's bucket,
    /// with its text before and after where a key goes. Such an object reaching the function (its
    /// input bucket is also its output bucket) is no video, and analysing it would fail, be retried,
    /// and never end well; writing its result would notify the function again.
    func holds(bucket: String, key: String) -> Bool {
        guard case .s3(let outputBucket, let template)? = try? ObjectURI(parsing: place(Self.keyPlaceholder)),
              outputBucket == bucket, let slot = template.firstRange(of: Self.keyPlaceholder) else { return false }
        let before = template[..<slot.lowerBound], after = template[slot.upperBound...]
        return key.utf8.count >= before.utf8.count + after.utf8.count && key.hasPrefix(before) && key.hasSuffix(after)
    }

    /// Throws when `key`'s result could not be kept apart under a local OUTPUT_URI: a "." or ".."
    /// segment (an S3 key may have one; a message id may be anything) would put it elsewhere in the
    /// file tree, over another result or outside the prefix. S3 stores such keys as they are.
    func checkStaysInside(key: String, video: String) throws {
        guard case .file? = try? ObjectURI(parsing: place(Self.keyPlaceholder)),
              let segment = key.split(separator: "/", omittingEmptySubsequences: false).first(where: { $0 == "." || $0 == ".." }) else { return }
        throw VideoFunctionError(.outputFailed, "the result of \(video) cannot be stored under the local OUTPUT_URI \(uri): its key '\(key)' has a '\(segment)' segment, which would put it outside its place")
    }

    /// The URI with `key` where the key goes.
    private func place(_ key: String) -> String {
        // A file URI is percent-decoded when opened; a key's own '%' must stay one.
        let escaped = uri.hasPrefix("file://") ? key.replacing("%", with: "%25") : key
        if uri.contains(Self.keyPlaceholder) { return uri.replacing(Self.keyPlaceholder, with: escaped) }
        return uri + escaped + ".json"
    }
}
