// The generated test videos (scripts/make_test_videos.sh) and how tests open them.
import Foundation
import ObjectStore
import TestServers
import VideoIO
import XCTest

enum TestVideos {
    static let directory = RepoPaths.cache("videos")

    /// The path of a generated video; skips the test (with the command to run) when it is missing.
    static func path(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("fixture \(path) is missing: run `make test` or `scripts/make_test_videos.sh .cache/videos`")
        }
        return path
    }

    /// A store that may read the fixtures directory (and temporary files the tests write).
    static let store = ObjectStore(policy: AccessPolicy(allowedRoots: [directory.path, NSTemporaryDirectory()]),
                                   s3: .fromEnvironment([:]))

    static func open(_ name: String, limits: VideoLimits = .default) throws -> VideoReader {
        try VideoReader(uri: try path(name), store: store, limits: limits)
    }
}
