import XCTest

// Placeholder until the LambdaEmulator tests land.
final class LambdaEmulatorPlaceholderTests: XCTestCase {}
