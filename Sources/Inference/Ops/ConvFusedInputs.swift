// The inputs the optimizer fuses into a convolution, checked before its kernels read them as Floats.

extension Array where Element == OperatorInput? {
    /// Throws unless the bias (input 2) is float32 [channels] and, when the convolution adds a fused
    /// residual (input 3), that residual is float32 of exactly the output's shape: the epilogue reads
    /// one bias per channel and one residual value per output value, so anything smaller would be
    /// read past its end.
    func checkFusedInputs(channels: Int, output: [Int], addsResidual: Bool, _ op: String) throws {
        try requireFloat32([2, 3], op)
        try checkBias(channels: channels, op)
        if addsResidual, let residual = count > 3 ? self[3] : nil, residual.type.shape != output {
            throw invalidInput("\(op): the residual added to the output is \(residual.type.shape), not the output's \(output)")
        }
    }
}

extension Array where Element == OperatorInput? {
    /// Throws unless the bias (input 2), when present, has one value per output channel: convolution
    /// kernels read it by channel.
    func checkBias(channels: Int, _ op: String) throws {
        if let bias = count > 2 ? self[2] : nil, bias.type.shape != [channels] {
            throw invalidInput("\(op): bias \(bias.type.shape) must have \(channels) elements")
        }
    }
}

extension Array where Element == Tensor? {
    /// At run time, for shapes the plan could not know: the fused residual must be the output's shape.
    func checkFusedResidual(addsResidual: Bool, output: Tensor, _ op: String) throws {
        guard addsResidual, count > 3, let residual = self[3] else { return }
        guard residual.shape == output.shape, residual.elementType == .float32 else {
            throw invalidInput("\(op): the residual added to the output is \(residual.elementType) \(residual.shape), not the output's \(output.shape)")
        }
    }
}
