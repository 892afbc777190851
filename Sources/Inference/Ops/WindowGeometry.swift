// The sliding-window arithmetic Conv and the pools share: kernel, strides, pads, dilations, auto_pad.

/// How a window slides over the spatial dimensions (1 to 3 of them).
public struct WindowGeometry: Equatable, Sendable {
    public enum AutoPad: String, Sendable, CaseIterable { case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID" }

    public var kernel: [Int]
    public var strides: [Int]?
    /// Begin pads for every spatial axis, then end pads (ONNX order).
    public var pads: [Int]?
    public var dilations: [Int]?
    public var autoPad: AutoPad
    public var ceilMode: Bool

    public init(kernel: [Int], strides: [Int]? = nil, pads: [Int]? = nil, dilations: [Int]? = nil,
                autoPad: AutoPad = .notSet, ceilMode: Bool = false) {
        self.kernel = kernel
        self.strides = strides
        self.pads = pads
        self.dilations = dilations
        self.autoPad = autoPad
        self.ceilMode = ceilMode
    }

    /// Everything a kernel needs, resolved for one input's spatial shape and padded to 3 axes
    /// (missing leading axes get size 1, kernel 1, no padding), so one loop serves 1-D, 2-D and 3-D.
    public struct Resolved {
        public var input: [Int], output: [Int], kernel: [Int], strides: [Int], dilations: [Int], padBegin: [Int], padEnd: [Int]
        public var inputCount: Int { input.reduce(1, *) }
        public var outputCount: Int { output.reduce(1, *) }
        public var kernelCount: Int { kernel.reduce(1, *) }

        /// Calls `body` with the in-plane input offset of each tap of the window at output position
        /// (d, h, w) that lands inside the input (taps in the padding are skipped).
        @inline(__always)
        func forEachTapInside(_ d: Int, _ h: Int, _ w: Int, _ body: (Int) -> Void) {
            for a in 0..<kernel[0] {
                let z = d * strides[0] - padBegin[0] + a * dilations[0]
                if z < 0 || z >= input[0] { continue }
                for b in 0..<kernel[1] {
                    let r = h * strides[1] - padBegin[1] + b * dilations[1]
                    if r < 0 || r >= input[1] { continue }
                    for c in 0..<kernel[2] {
                        let s = w * strides[2] - padBegin[2] + c * dilations[2]
                        if s < 0 || s >= input[2] { continue }
                        body((z * input[1] + r) * input[2] + s)
                    }
                }
            }
        }

        /// The output columns whose tap at kernel column `tap` lands inside the input row, so that
        /// kernels can run their inner loop over them without bounds checks.
        func columnsInside(tap: Int) -> Range<Int> {
            let step = strides[2], offset = tap * dilations[2] - padBegin[2]
            let first = offset >= 0 ? 0 : min(output[2], (-offset + step - 1) / step)
            let last = input[2] - 1 - offset >= 0 ? max(first, min(output[2], (input[2] - 1 - offset) / step + 1)) : first
            return first..<last
        }
    }

    public func resolve(spatial input: [Int], op: String) throws -> Resolved {
        let rank = input.count
        guard (1...3).contains(rank) else { throw InferenceError(.unsupported, "\(op): \(rank) spatial dimensions (1 to 3 are supported)") }
        guard kernel.count == rank else { throw InferenceError(.invalidAttribute, "\(op): kernel \(kernel) for \(rank) spatial dimensions") }
        let strides = self.strides ?? [Int](repeating: 1, count: rank)
        let dilations = self.dilations ?? [Int](repeating: 1, count: rank)
        guard strides.count == rank, dilations.count == rank, strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }) else {
            throw InferenceError(.invalidAttribute, "\(op): strides \(strides) / dilations \(dilations) do not fit rank \(rank)")
        }
        // Bounded before the window arithmetic below, which a file's extreme values would overflow.
        let limit = ShapeLimits.maximumWindowValue
        guard ShapeLimits.windowFits(sizes: kernel, strides, dilations, paddings: pads ?? []) else {
            throw InferenceError(.invalidAttribute, "\(op): kernel \(kernel), strides \(strides), dilations \(dilations), pads \(pads ?? []): each must be from 1 (pads 0) to \(limit)")
        }
        var begin = [Int](repeating: 0, count: rank), end = begin, output = begin
        for axis in 0..<rank {
            let extent = dilations[axis] * (kernel[axis] - 1) + 1
            switch autoPad {
            case .sameUpper, .sameLower:
                output[axis] = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = Swift.max(0, (output[axis] - 1) * strides[axis] + extent - input[axis])
                begin[axis] = autoPad == .sameUpper ? total / 2 : total - total / 2
                end[axis] = total - begin[axis]
            case .valid, .notSet:
                if autoPad == .notSet, let pads {
                    guard pads.count == 2 * rank else { throw InferenceError(.invalidAttribute, "\(op): \(pads.count) pads for rank \(rank)") }
                    begin[axis] = pads[axis]
                    end[axis] = pads[axis + rank]
                }
                let span = input[axis] + begin[axis] + end[axis] - extent
                guard span >= 0 else { throw invalidInput("\(op): window \(extent) is larger than the padded input \(input[axis] + begin[axis] + end[axis])") }
                if ceilMode {
                    output[axis] = (span + strides[axis] - 1) / strides[axis] + 1
                    // The last window must start inside the input or its begin padding.
                    if (output[axis] - 1) * strides[axis] >= input[axis] + begin[axis] { output[axis] -= 1 }
                } else {
                    output[axis] = span / strides[axis] + 1
                }
            }
        }
        // Pooling and depthwise loops visit every tap of every window, padding included: a kernel
        // of 2^24 over padding of 2^24 made 4e12 visits per plane out of an 88 MB output.
        guard ShapeLimits.elementCount(output + kernel) != nil else {
            throw invalidInput("\(op): \(output) windows of \(kernel) taps each are over the size limit of one plane's work")
        }
        let lead = 3 - rank
        func pad(_ values: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: lead) + values }
        return Resolved(input: pad(input, 1), output: pad(output, 1), kernel: pad(kernel, 1), strides: pad(strides, 1),
                        dilations: pad(dilations, 1), padBegin: pad(begin, 0), padEnd: pad(end, 0))
    }
}
