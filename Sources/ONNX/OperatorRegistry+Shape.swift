// Registry entries: shape manipulation, indexing, constants and casts.
import Inference

extension OperatorRegistry {
    mutating func registerShapeOperators() {
        register("Identity") { _ in Identity() }
        register("Shape") { node in Shape(start: node.attributes.int("start", default: 0), end: node.attributes.int("end")) }
        register("Flatten") { node in Flatten(axis: node.attributes.int("axis", default: 1)) }
        register("Reshape") { node in Reshape(allowZero: node.attributes.int("allowzero", default: 0) != 0) }
        register("Transpose") { node in Transpose(perm: node.attributes.ints("perm")) }
        register("Squeeze") { node in Squeeze(axes: node.attributes.ints("axes")) }
        register("Unsqueeze") { node in Unsqueeze(axes: node.attributes.ints("axes")) }
        register("Concat") { node in
            guard let axis = node.attributes.int("axis") else { throw ModelError(.invalidModel, "node '\(node.attributes.node)': Concat needs an axis") }
            return Concat(axis: axis)
        }
        register("Gather") { node in Gather(axis: node.attributes.int("axis", default: 0)) }
        register("Slice") { node in
            Slice(starts: node.attributes.ints("starts"), ends: node.attributes.ints("ends"), axes: node.attributes.ints("axes"))
        }
        register("Split") { node in
            Split(axis: node.attributes.int("axis", default: 0), split: node.attributes.ints("split"), outputCount: node.outputCount)
        }
        register("Pad") { node in
            let a = node.attributes
            return Pad(mode: try a.choice("mode", default: Pad.Mode.constant), pads: a.ints("pads"), value: a.float("value", default: 0))
        }
        register("Constant") { node in
            let a = node.attributes
            if let tensor = try a.tensor("value") { return Constant(value: tensor) }
            if let value = a.float("value_float") { return Constant(value: Tensor(float32: [value], shape: [])) }
            if let values = a.floats("value_floats") { return Constant(value: Tensor(float32: values, shape: [values.count])) }
            if let value = a.int("value_int") { return Constant(value: Tensor(int64: [Int64(value)], shape: [])) }
            if let values = a.ints("value_ints") { return Constant(value: Tensor(int64: values.map(Int64.init), shape: [values.count])) }
            throw ModelError(.unsupportedOperators, "node '\(a.node)': Constant without a tensor, float(s) or int(s) value is not supported")
        }
        register("ConstantOfShape") { node in ConstantOfShape(value: try node.attributes.tensor("value")) }
        register("Expand") { _ in Expand() }
        register("Tile") { _ in Tile() }
        register("Where") { _ in Where() }
        for kind in Comparison.Kind.allCases { register(kind.rawValue) { _ in Comparison(kind) } }
        for kind in Logical.Kind.allCases { register(kind.rawValue) { _ in Logical(kind) } }
        register("Range") { _ in NumericRange() }
        register("Cast") { node in
            let a = node.attributes
            // `to` is any 64-bit value in a model; ONNX's type codes fit an Int32.
            let code = a.int("to").flatMap { Int32(exactly: $0) }
            guard let code, let type = ElementType(onnx: code) else {
                throw ModelError(.unsupportedOperators, "node '\(a.node)': Cast to \(code.map(ElementType.onnxName) ?? "type \(a.int("to") ?? 0)") is not supported")
            }
            return Cast(to: type)
        }
    }
}
