// ConvTranspose: the gradient of Conv as a layer (1-D to 3-D, groups, output_padding, output_shape),
// as sgemm into columns followed by col2im.
import COpenBLAS

public struct ConvTranspose: Operator {
    public let name = "ConvTranspose"
    public let kernel: [Int]?
    public let strides: [Int]?
    public let pads: [Int]?
    public let dilations: [Int]?
    public let outputPadding: [Int]?
    public let outputShape: [Int]?
    public let autoPad: WindowGeometry.AutoPad
    public let group: Int

    public init(kernel: [Int]? = nil, strides: [Int]? = nil, pads: [Int]? = nil, dilations: [Int]? = nil, outputPadding: [Int]? = nil,
                outputShape: [Int]? = nil, autoPad: WindowGeometry.AutoPad = .notSet, group: Int = 1) {
        self.kernel = kernel
        self.strides = strides
        self.pads = pads
        self.dilations = dilations
        self.outputPadding = outputPadding
        self.outputShape = outputShape
        self.autoPad = autoPad
        self.group = group
    }

    /// Output spatial size and begin pads, padded to 3 axes like WindowGeometry.Resolved.
    struct Layout { var input: [Int], output: [Int], kernel: [Int], strides: [Int], dilations: [Int], padBegin: [Int] }

    func layout(input: [Int], weights: [Int]) throws -> Layout {
        let rank = input.count
        guard (1...3).contains(rank) else { throw InferenceError(.unsupported, "ConvTranspose: \(rank) spatial dimensions") }
        let kernel = self.kernel ?? Array(weights[2...])
        let strides = self.strides ?? [Int](repeating: 1, count: rank)
        let dilations = self.dilations ?? [Int](repeating: 1, count: rank)
        let extra = outputPadding ?? [Int](repeating: 0, count: rank)
        // One value per spatial axis, each in range, before the arithmetic below (this module is built
        // without bounds checks: a short attribute list would be read past its end).
        let limit = ShapeLimits.maximumWindowValue
        guard weights.count == rank + 2, kernel.count == rank, strides.count == rank, dilations.count == rank, extra.count == rank,
              (pads?.count ?? 2 * rank) == 2 * rank, (outputShape?.count ?? rank) >= rank,
              ShapeLimits.windowFits(sizes: kernel, strides, dilations, paddings: extra, pads ?? []),
              (outputShape ?? []).allSatisfy({ $0 >= 0 && $0 <= ShapeLimits.maximumElements }) else {
            throw InferenceError(.invalidAttribute, "ConvTranspose: kernel \(kernel), strides \(strides), dilations \(dilations), output_padding \(extra), pads \(pads ?? []), output_shape \(outputShape ?? []) must give each of \(rank) axes a value from 1 (padding 0) to \(limit)")
        }
        var begin = [Int](repeating: 0, count: rank), output = begin
        for axis in 0..<rank {
            let full = strides[axis] * (input[axis] - 1) + extra[axis] + (kernel[axis] - 1) * dilations[axis] + 1
            if let outputShape {
                let target = outputShape[outputShape.count - rank + axis]
                // A target beyond the full size is not negative padding: the extra positions get only
                // the bias (as in onnxruntime).
                let total = Swift.max(0, full - target)
                begin[axis] = autoPad == .sameUpper ? total / 2 : total - total / 2
                output[axis] = target
            } else if autoPad == .sameUpper || autoPad == .sameLower {
                output[axis] = input[axis] * strides[axis]
                let total = full - output[axis]
                begin[axis] = autoPad == .sameUpper ? total / 2 : total - total / 2
            } else {
                let pads = self.pads ?? [Int](repeating: 0, count: 2 * rank)
                begin[axis] = pads[axis]
                output[axis] = full - pads[axis] - pads[axis + rank]
            }
            guard output[axis] >= 0 else { throw invalidInput("ConvTranspose: negative output size") }
        }
        let lead = 3 - rank
        func pad(_ values: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: lead) + values }
        return Layout(input: pad(input, 1), output: pad(output, 1), kernel: pad(kernel, 1), strides: pad(strides, 1),
                      dilations: pad(dilations, 1), padBegin: pad(begin, 0))
    }

    public func outputTypes(_ inputs: [OperatorInput?]) throws -> [TensorType] {
        let x = try inputs.required(0, name).type, w = try inputs.required(1, name).type
        guard x.shape.count >= 3, w.shape.count == x.shape.count, x.shape[1] == w.shape[0], x.elementType == .float32 else {
            throw invalidInput("ConvTranspose: input \(x) and weights \(w) do not fit")
        }
        // Groups split the input channels evenly, and the weights' size is the kernel's: the
        // kernels read weights and bias by these counts.
        guard group > 0, x.shape[1] % group == 0 else {
            throw invalidInput("ConvTranspose: group \(group) does not divide the \(x.shape[1]) input channels")
        }
        guard w.shape[1] <= ShapeLimits.maximumElements / group else {
            throw invalidInput("ConvTranspose: \(w.shape[1]) output channels per group times group \(group) is over the size limit")
        }
        try inputs.requireFloat32([1, 2], name)
        if let kernel, kernel != Array(w.shape[2...]) {
            throw invalidInput("ConvTranspose: kernel_shape \(kernel) differs from weights \(w.shape)")
        }
        try inputs.checkBias(channels: w.shape[1] * group, name)
        let l = try layout(input: Array(x.shape[2...]), weights: w.shape)
        // The per-group column buffer is kernel x output channels x input positions floats.
        let scratch = [w.shape[1]] + l.kernel + l.input
        guard ShapeLimits.elementCount(scratch) != nil else {
            throw invalidInput("ConvTranspose: weights \(w.shape) over an input of \(x.shape) need a scratch buffer over the size limit")
        }
        return [TensorType(.float32, [x.shape[0], w.shape[1] * group] + l.output.suffix(x.shape.count - 2))]
    }

    public func execute(_ inputs: [Tensor?], _ outputs: inout [Tensor], _ context: KernelContext) throws {
        let x = inputs.required(0), w = inputs.required(1)
        let l = try layout(input: Array(x.shape[2...]), weights: w.shape)
        let batch = x.shape[0], inChannels = x.shape[1], groupIn = inChannels / group, groupOut = w.shape[1]
        let outChannels = groupOut * group
        let kernelCount = l.kernel.reduce(1, *), inputCount = l.input.reduce(1, *), outputCount = l.output.reduce(1, *)
        let rows = groupOut * kernelCount
        let columns = try context.workspace.floats(rows * inputCount)
        let px = x.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let pw = w.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
        let py = outputs[0].withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
        let bias = inputs.optional(2)?.floats
        for n in 0..<batch {
            for k in 0..<group {
                // columns[groupOut * kernel, inputCount] = W_k^T [groupOut * kernel, groupIn] x X_k [groupIn, inputCount]
                // With no input channels there is nothing to add to the bias (and the scratch holds
                // whatever the last operator left there).
                let multiplied = inputCount > 0 && rows > 0 && groupIn > 0
                if multiplied {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(inputCount), Int32(groupIn), 1,
                                pw + k * groupIn * rows, Int32(rows), px + (n * inChannels + k * groupIn) * inputCount, Int32(inputCount),
                                0, columns, Int32(inputCount))
                }
                for m in 0..<groupOut {
                    let plane = py + (n * outChannels + k * groupOut + m) * outputCount
                    let b = bias?[k * groupOut + m] ?? 0
                    for i in 0..<outputCount { plane[i] = b }
                    for tap in 0..<(multiplied ? kernelCount : 0) {
                        let e = tap % l.kernel[2], bb = (tap / l.kernel[2]) % l.kernel[1], a = tap / (l.kernel[2] * l.kernel[1])
                        let row = columns + (m * kernelCount + tap) * inputCount
                        for d in 0..<l.input[0] {
                            let z = d * l.strides[0] - l.padBegin[0] + a * l.dilations[0]
                            if z < 0 || z >= l.output[0] { continue }
                            for h in 0..<l.input[1] {
                                let r = h * l.strides[1] - l.padBegin[1] + bb * l.dilations[1]
                                if r < 0 || r >= l.output[1] { continue }
                                for v in 0..<l.input[2] {
                                    let s = v * l.strides[2] - l.padBegin[2] + e * l.dilations[2]
                                    if s < 0 || s >= l.output[2] { continue }
                                    plane[(z * l.output[1] + r) * l.output[2] + s] += row[(d * l.input[1] + h) * l.input[2] + v]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
