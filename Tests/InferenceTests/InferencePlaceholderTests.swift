import XCTest

// Placeholder until the Inference tests land.
final class InferencePlaceholderTests: XCTestCase {}
