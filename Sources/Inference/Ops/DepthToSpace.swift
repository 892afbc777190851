// DepthToSpace and SpaceToDepth: blocks of channels moved into blocks of pixels and back
// ([N, C·b², H, W] ↔ [N, C, H·b, W·b]); super-resolution models end with DepthToSpace.

public struct DepthToSpace: Operator {
    /// DCR: depth, column, row (the channel index is (i·b + j)·C + c); CRD: (c·b + i)·b + j.
    public enum Mode: String, Sendable, CaseIterable { case dcr = "DCR", crd = "CRD" }

    public var name: String { inverse ? "SpaceToDepth" : "DepthToSpace" }
    let blockSize: Int
    let mode: Mode
    /// SpaceToDepth: pixels into channels, DCR's order.
    let inverse: Bool

    public init(blockSize: Int, mode: Mode = .dcr, inverse: Bool = false) {
        self.blockSize = blockSize
        self.mode = mode
        self.inverse = inverse
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let input = try inputs.required(0, name)
        let shape = input.type.shape, b = blockSize
        guard shape.count == 4, b > 0, b <= 1 << 12 else { throw invalidInput("\(name) takes [N, C, H, W] and a blocksize of 1 to 4096, not \(shape), \(b)") }
        if inverse {
            guard shape[2] % b == 0, shape[3] % b == 0 else { throw invalidInput("SpaceToDepth: \(shape[2])x\(shape[3]) is not divisible by \(b)") }
            return [TensorType(input.type.elementType, [shape[0], shape[1] * b * b, shape[2] / b, shape[3] / b])]
        }
        guard shape[1] % (b * b) == 0 else { throw invalidInput("DepthToSpace: \(shape[1]) channels are not divisible by \(b * b)") }
        return [TensorType(input.type.elementType, [shape[0], shape[1] / (b * b), shape[2] * b, shape[3] * b])]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let input = inputs.required(0)
        move(input, &outputs[0], input.elementType.movedAs)
    }

    /// Each element of the space side ([N, C, H·b, W·b]) and its place on the depth side.
    private func move<T: FixedWidthInteger>(_ input: Tensor, _ output: inout Tensor, _ type: T.Type) {
        let space = inverse ? input.shape : output.shape
        let b = blockSize
        let (n, c, height, width) = (space[0], space[1], space[2] / b, space[3] / b)
        input.withUnsafeBufferPointer(as: T.self) { x in
            output.withUnsafeMutableBufferPointer(as: T.self) { y in
                for image in 0..<n {
                    for channel in 0..<c {
                        for row in 0..<height * b {
                            for column in 0..<width * b {
                                let (i, j) = (row % b, column % b)
                                let depthChannel = mode == .dcr ? (i * b + j) * c + channel : (channel * b + i) * b + j
                                let depthIndex = ((image * c * b * b + depthChannel) * height + row / b) * width + column / b
                                let spaceIndex = ((image * c + channel) * height * b + row) * width * b + column
                                if inverse { y[depthIndex] = x[spaceIndex] } else { y[spaceIndex] = x[depthIndex] }
                            }
                        }
                    }
                }
            }
        }
    }
}
