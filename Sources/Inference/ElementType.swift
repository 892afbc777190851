// The element types a tensor can hold: what ONNX models for vision and video actually carry.

/// Element type of a tensor. Float32 carries activations and weights; int64 and int32 carry
/// shapes, indices and axes; bool carries masks; int8 and uint8 carry the quantized weights and
/// activations of a quantized model, between its QuantizeLinear and DequantizeLinear nodes.
public enum ElementType: String, Sendable, CaseIterable {
    case float32
    case int64
    case int32
    case bool
    case int8
    case uint8

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        case .bool, .int8, .uint8: return 1
        }
    }

    /// An unsigned integer of this type's size: what kernels that only move elements (Expand,
    /// Tile, Where, DepthToSpace), never computing with them, read and write them as.
    var movedAs: any FixedWidthInteger.Type {
        switch size {
        case 1: return UInt8.self
        case 4: return UInt32.self
        default: return UInt64.self
        }
    }
}
