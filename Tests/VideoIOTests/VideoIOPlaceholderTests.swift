import XCTest

// Placeholder until the VideoIO tests land.
final class VideoIOPlaceholderTests: XCTestCase {}
