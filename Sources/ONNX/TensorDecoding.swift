// TensorProto → Tensor: raw little-endian bytes or the typed repeated fields, for the types we run.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Inference

extension ElementType {
    /// The engine's element type for an ONNX TensorProto.DataType, if it has one.
    init?(onnx dataType: Int32) {
        switch Onnx_TensorProto.DataType(rawValue: Int(dataType)) {
        case .float: self = .float32
        case .int64: self = .int64
        case .int32: self = .int32
        case .bool: self = .bool
        case .int8: self = .int8
        case .uint8: self = .uint8
        default: return nil
        }
    }

    static func onnxName(_ dataType: Int32) -> String {
        Onnx_TensorProto.DataType(rawValue: Int(dataType)).map { "\($0)" } ?? "type \(dataType)"
    }
}

extension Tensor {
    /// Decodes `proto`; `what` names it in errors.
    init(onnx proto: Onnx_TensorProto, what: String) throws {
        guard let type = ElementType(onnx: proto.dataType) else {
            throw ModelError(.invalidModel, "\(what): tensors of \(ElementType.onnxName(proto.dataType)) are not supported (float, int64, int32, int8, uint8 and bool are)")
        }
        guard proto.dataLocation != .external else {
            throw ModelError(.invalidModel, "\(what): external tensor data is not supported; save the model with its weights inside")
        }
        let shape = proto.dims.map(Int.init)
        guard shape.allSatisfy({ $0 >= 0 }) else { throw ModelError(.invalidModel, "\(what): negative dimension in \(shape)") }
        guard let count = ShapeLimits.elementCount(shape) else {
            throw ModelError(.invalidModel, "\(what): shape \(shape) has more than \(ShapeLimits.maximumElements) elements")
        }
        // The data is checked against the shape before the tensor is made: a 20-byte initializer
        // claiming 2^30 int64 values would otherwise have 8 GiB set aside and zeroed first.
        let raw = !proto.rawData.isEmpty || count == 0
        if raw {
            guard proto.rawData.count == count * type.size else {
                throw ModelError(.invalidModel, "\(what): \(proto.rawData.count) bytes of data for \(count) \(type) elements")
            }
        } else {
            let available: Int
            switch type {
            case .float32: available = proto.floatData.count
            case .int64: available = proto.int64Data.count
            // ONNX stores bools and 8-bit integers in int32_data, one value each.
            case .int32, .bool, .int8, .uint8: available = proto.int32Data.count
            }
            guard available == count else { throw ModelError(.invalidModel, "\(what): \(available) values for shape \(shape)") }
        }
        self.init(type, shape: shape)
        if raw {
            // Data may be unaligned; copy bytes rather than binding memory. x86 and ARM are little-endian like ONNX.
            _ = withUnsafeMutableBytes { target in proto.rawData.copyBytes(to: target.bindMemory(to: UInt8.self), count: target.count) }
            return
        }
        switch type {
        case .float32:
            withUnsafeMutableBufferPointer(as: Float.self) { for i in 0..<count { $0[i] = proto.floatData[i] } }
        case .int64:
            withUnsafeMutableBufferPointer(as: Int64.self) { for i in 0..<count { $0[i] = proto.int64Data[i] } }
        case .int32:
            withUnsafeMutableBufferPointer(as: Int32.self) { for i in 0..<count { $0[i] = proto.int32Data[i] } }
        case .bool:
            withUnsafeMutableBufferPointer(as: UInt8.self) { for i in 0..<count { $0[i] = proto.int32Data[i] != 0 ? 1 : 0 } }
        case .int8:
            withUnsafeMutableBufferPointer(as: Int8.self) { for i in 0..<count { $0[i] = Int8(truncatingIfNeeded: proto.int32Data[i]) } }
        case .uint8:
            withUnsafeMutableBufferPointer(as: UInt8.self) { for i in 0..<count { $0[i] = UInt8(truncatingIfNeeded: proto.int32Data[i]) } }
        }
    }

    /// Encodes the tensor as a TensorProto with raw data (for test data sets and tools).
    func onnxProto(name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = shape.map(Int64.init)
        switch elementType {
        case .float32: proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        case .int64: proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        case .int32: proto.dataType = Int32(Onnx_TensorProto.DataType.int32.rawValue)
        case .bool: proto.dataType = Int32(Onnx_TensorProto.DataType.bool.rawValue)
        case .int8: proto.dataType = Int32(Onnx_TensorProto.DataType.int8.rawValue)
        case .uint8: proto.dataType = Int32(Onnx_TensorProto.DataType.uint8.rawValue)
        }
        proto.rawData = withUnsafeBytes { Data($0) }
        return proto
    }
}
