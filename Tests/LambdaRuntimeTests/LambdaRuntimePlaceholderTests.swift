import XCTest

// Placeholder until the LambdaRuntime tests land.
final class LambdaRuntimePlaceholderTests: XCTestCase {}
