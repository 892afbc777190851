// The element types a tensor can hold: what ONNX models for vision and video actually carry.

/// Element type of a tensor. Float32 carries activations and weights; the integer types carry
/// shapes, indices and axes; bool carries masks.
public enum ElementType: String, Sendable, CaseIterable {
    case float32
    case int64
    case int32
    case bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        case .bool: return 1
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
