// What a model's integer tensor data will take once decoded, counted on its protobuf bytes before
// SwiftProtobuf decodes them.

/// Integer tensor data (`int32_data`, `int64_data`, `uint64_data`) is stored as varints: a zero
/// takes one byte in the file and eight in the decoded `[Int64]`, then as many again in the
/// engine's tensor. A model of a few hundred MB of such zeros (a few KB compressed) would need
/// gigabytes before any check on the decoded model could run, and the process would be killed
/// instead of the model refused. This walks the tensors of a ModelProto (initializers, sparse
/// initializers, node attributes, subgraphs and functions) by field number, without decoding them.
enum IntegerDataBudget {
    /// Bytes that decoding `model` and making its tensors would set aside for integer data: each
    /// element as SwiftProtobuf decodes it, and again in the tensor at its data type's size (8
    /// when the type comes after the data or is unknown). Malformed bytes end the count there: the
    /// decoder reports them.
    static func decodedBytes(ofModel model: [UInt8]) -> Int {
        var walker = Walker(bytes: model)
        walker.walk(0..<model.count, as: .model, depth: 0)
        return walker.total
    }

    /// The messages whose fields lead to tensors, and the fields that do.
    private enum Message {
        case model, function, graph, node, attribute, sparseTensor, tensor

        /// The message a length-delimited field `number` of this one holds, if it leads to tensors.
        func child(_ number: UInt64) -> Message? {
            switch (self, number) {
            case (.model, 7): return .graph
            case (.model, 25): return .function
            case (.function, 7): return .node
            case (.graph, 1): return .node
            case (.graph, 5): return .tensor
            case (.graph, 15): return .sparseTensor
            case (.node, 5): return .attribute
            case (.attribute, 5), (.attribute, 10): return .tensor
            case (.attribute, 6), (.attribute, 11): return .graph
            case (.attribute, 22), (.attribute, 23): return .sparseTensor
            case (.sparseTensor, 1), (.sparseTensor, 2): return .tensor
            default: return nil
            }
        }

        /// Bytes one element of the tensor's varint field `number` takes, decoded and then in the
        /// tensor of `dataType` (0: not such a field). float16, int8, bool... are kept in int32_data.
        func elementBytes(_ number: UInt64, dataType: UInt64?) -> Int {
            guard self == .tensor else { return 0 }
            switch number {
            case 1: return 8                                       // dims: decoded only
            case 7, 11: return 8 + 8                               // int64_data, uint64_data
            case 5: return 4 + (dataType.map(Self.tensorElementBytes) ?? 8)  // int32_data
            default: return 0
            }
        }

        /// Bytes per element of TensorProto.DataType `type` (8 for one not listed).
        static func tensorElementBytes(_ type: UInt64) -> Int {
            switch type {
            case 2, 3, 9: return 1       // uint8, int8, bool
            case 4, 5, 10, 16: return 2  // uint16, int16, float16, bfloat16
            case 1, 6, 12: return 4      // float, int32, uint32
            default: return 8
            }
        }
    }

    private struct Walker {
        let bytes: [UInt8]
        var total = 0
        /// Subgraphs nest (If, Loop); deeper than this the decoder refuses the model anyway.
        static let maximumDepth = 100

        /// The varint at `index`, and the index after it; nil past the end or over ten bytes.
        func varint(at index: Int, end: Int) -> (UInt64, Int)? {
            var value: UInt64 = 0, shift: UInt64 = 0, i = index
            while i < end, shift < 64 {
                let byte = bytes[i]
                value |= UInt64(byte & 0x7F) << shift
                i += 1
                if byte & 0x80 == 0 { return (value, i) }
                shift += 7
            }
            return nil
        }

        mutating func walk(_ range: Range<Int>, as message: Message, depth: Int) {
            guard depth < Self.maximumDepth else { return }
            var index = range.lowerBound
            // A tensor's data_type (field 2), which protobuf writers put before its data.
            var dataType: UInt64?
            while index < range.upperBound {
                guard let (key, afterKey) = varint(at: index, end: range.upperBound) else { return }
                let number = key >> 3
                let width = message.elementBytes(number, dataType: dataType)
                switch key & 7 {
                case 0:  // a varint: one element of an unpacked repeated field, or any scalar
                    guard let (value, next) = varint(at: afterKey, end: range.upperBound) else { return }
                    if message == .tensor, number == 2 { dataType = value }
                    total += width
                    index = next
                case 1:
                    index = afterKey + 8
                case 5:
                    index = afterKey + 4
                case 2:
                    guard let (length, start) = varint(at: afterKey, end: range.upperBound),
                          length <= UInt64(range.upperBound - start) else { return }
                    let field = start..<(start + Int(length))
                    if width > 0 {
                        // Packed: every element's last byte has its high bit clear.
                        let elements = bytes[field].reduce(0) { $0 + ($1 & 0x80 == 0 ? 1 : 0) }
                        // At most one per byte of a model under 2 GiB: no product here overflows.
                        total += elements * width
                    } else if let child = message.child(number) {
                        walk(field, as: child, depth: depth + 1)
                    }
                    index = field.upperBound
                default:
                    return  // groups are not in ONNX: malformed
                }
            }
        }
    }
}
