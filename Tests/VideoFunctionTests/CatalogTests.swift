// The functions directory as bootstrap serves it: each function found by its name, nothing else.
import Foundation
import LambdaRuntime
import XCTest
@testable import VideoFunction

final class CatalogTests: XCTestCase {
    private let environment = ["VIDEO_LAMBDA_FUNCTIONS": URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("functions").path]

    func testFunctionsAreFoundByNameAndListed() {
        let catalog = VideoFunctions.catalog(environment: environment)
        XCTAssertTrue(catalog.names.contains("video-moderation") && catalog.names.contains("video-orientation") && catalog.names.contains("echo"),
                      "\(catalog.names)")
        XCTAssertNotNil(catalog.factory(named: "video-moderation"))
        XCTAssertNotNil(catalog.factory(named: "video-orientation"))
        for name in ["", "missing", "../functions/video-moderation", ".", "..", "video-moderation/"] {
            XCTAssertNil(catalog.factory(named: name), "'\(name)' must not name a function")
        }
    }
}
