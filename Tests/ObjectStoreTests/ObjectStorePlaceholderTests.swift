import XCTest

// Placeholder until the ObjectStore tests land.
final class ObjectStorePlaceholderTests: XCTestCase {}
