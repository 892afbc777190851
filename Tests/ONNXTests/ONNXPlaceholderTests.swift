import XCTest

// Placeholder until the ONNX tests land.
final class ONNXPlaceholderTests: XCTestCase {}
