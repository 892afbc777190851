// Reading a node's attributes by name, with defaults, in one line per attribute.
import Inference

/// A node's attributes, keyed by name.
struct Attributes {
    let node: String
    private let byName: [String: Onnx_AttributeProto]

    init(_ node: Onnx_NodeProto) {
        self.node = node.name.isEmpty ? node.opType : node.name
        var byName: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute { byName[attribute.name] = attribute }
        self.byName = byName
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String) -> Int? { byName[name].map { Int($0.i) } }
    func int(_ name: String, default value: Int) -> Int { int(name) ?? value }
    func float(_ name: String) -> Float? { byName[name].map(\.f) }
    func float(_ name: String, default value: Float) -> Float { float(name) ?? value }
    func ints(_ name: String) -> [Int]? { byName[name].map { $0.ints.map(Int.init) } }
    func floats(_ name: String) -> [Float]? { byName[name].map(\.floats) }
    func string(_ name: String) -> String? { byName[name].map { String(decoding: $0.s, as: UTF8.self) } }
    func string(_ name: String, default value: String) -> String { string(name) ?? value }

    func tensor(_ name: String) throws -> Tensor? {
        guard let attribute = byName[name], attribute.hasT else { return nil }
        return try Tensor(onnx: attribute.t, what: "attribute \(name) of node '\(node)'")
    }

    /// An enumerated string attribute, with the allowed values listed when it is not one of them.
    func choice<T: RawRepresentable>(_ name: String, default value: T) throws -> T where T.RawValue == String {
        guard let text = string(name) else { return value }
        guard let chosen = T(rawValue: text) else {
            throw ModelError(.unsupportedOperators, "node '\(node)': \(name) = '\(text)' is not supported")
        }
        return chosen
    }
}
