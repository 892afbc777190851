// Reading a node's attributes by name, with defaults, in one line per attribute.
import Inference

/// A node's attributes, keyed by name. An attribute whose declared type is not the one asked for
/// (a FLOAT `axis`, INTS given as FLOATS) reads as absent and is noted in `misread`, which the graph
/// builder reports naming the node: read anyway, it came out as 0 or empty, and the error (if any)
/// spoke of a value the model never gave.
final class Attributes {
    let node: String
    private let byName: [String: Onnx_AttributeProto]
    private(set) var misread: [String] = []

    init(_ node: Onnx_NodeProto) {
        self.node = node.name.isEmpty ? node.opType : node.name
        var byName: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute { byName[attribute.name] = attribute }
        self.byName = byName
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    /// The attribute `name` when it is of type `expected`. Models that predate the type field leave
    /// it undefined: those are read as asked.
    private func attribute(_ name: String, _ expected: Onnx_AttributeProto.AttributeType) -> Onnx_AttributeProto? {
        guard let attribute = byName[name] else { return nil }
        guard attribute.type == .undefined || attribute.type == expected else {
            misread.append("\(name) is \(Self.typeName(attribute.type)), not \(Self.typeName(expected))")
            return nil
        }
        return attribute
    }

    private static func typeName(_ type: Onnx_AttributeProto.AttributeType) -> String {
        String(describing: type).uppercased()
    }

    func int(_ name: String) -> Int? { attribute(name, .int).map { Int($0.i) } }
    func int(_ name: String, default value: Int) -> Int { int(name) ?? value }
    func float(_ name: String) -> Float? { attribute(name, .float).map(\.f) }
    func float(_ name: String, default value: Float) -> Float { float(name) ?? value }
    func ints(_ name: String) -> [Int]? { attribute(name, .ints).map { $0.ints.map(Int.init) } }
    func floats(_ name: String) -> [Float]? { attribute(name, .floats).map(\.floats) }
    func string(_ name: String) -> String? { attribute(name, .string).map { String(decoding: $0.s, as: UTF8.self) } }
    func string(_ name: String, default value: String) -> String { string(name) ?? value }

    func tensor(_ name: String) throws -> Tensor? {
        guard let attribute = attribute(name, .tensor), attribute.hasT else { return nil }
        // A value of a type the engine lacks (a float16 export's Constant, a 4-bit or 16-bit quantized one's) is listed
        // with the model's other unsupported parts, not the end of the load.
        guard ElementType(onnx: attribute.t.dataType) != nil else {
            throw ModelError(.unsupportedOperators, "node '\(node)': a \(ElementType.onnxName(attribute.t.dataType)) \(name) is not supported")
        }
        return try Tensor(onnx: attribute.t, what: "attribute \(name) of node '\(node)'")
    }

    /// An enumerated string attribute, with the allowed values listed when it is not one of them.
    func choice<T: AttributeChoice>(_ name: String, default value: T) throws -> T {
        guard let text = string(name) else { return value }
        guard let chosen = T(rawValue: text), T.allowed.contains(text) else {
            let allowed = T.allowed.map { "'\($0)'" }.joined(separator: ", ")
            throw ModelError(.unsupportedOperators, "node '\(node)': \(name) = '\(text)' is not supported (the engine takes \(allowed))")
        }
        return chosen
    }
}

/// The values of an enumerated string attribute, as models spell them.
protocol AttributeChoice: RawRepresentable, CaseIterable where RawValue == String {
    /// The values a model may give: every case but those the engine uses for itself.
    static var allowed: [String] { get }
}

extension AttributeChoice {
    static var allowed: [String] { allCases.map(\.rawValue) }
}

extension Pad.Mode: AttributeChoice {}
extension Resize.Mode: AttributeChoice {}
extension Resize.CoordinateTransformation: AttributeChoice {}
extension Resize.AspectRatioPolicy: AttributeChoice {}
extension WindowGeometry.AutoPad: AttributeChoice {}
extension DepthToSpace.Mode: AttributeChoice {}

extension Resize.NearestRounding: AttributeChoice {
    /// Resize-10's rounding is the engine's name for an opset without nearest_mode, not a value.
    static var allowed: [String] { allCases.filter { $0 != .opset10 }.map(\.rawValue) }
}
