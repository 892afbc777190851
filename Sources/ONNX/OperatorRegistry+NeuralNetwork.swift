// Registry entries: convolutions, pooling and normalisation.
import Inference

extension OperatorRegistry {
    mutating func registerNeuralNetwork() {
        register("Conv") { node in
            Conv(geometry: try Self.geometry(node.attributes, kernelRequired: false), group: node.attributes.int("group", default: 1))
        }
        register("ConvTranspose") { node in
            let a = node.attributes
            return ConvTranspose(kernel: a.ints("kernel_shape"), strides: a.ints("strides"), pads: a.ints("pads"), dilations: a.ints("dilations"),
                                 outputPadding: a.ints("output_padding"), outputShape: a.ints("output_shape"),
                                 autoPad: try a.choice("auto_pad", default: WindowGeometry.AutoPad.notSet), group: a.int("group", default: 1))
        }
        register("MaxPool") { node in
            MaxPool(geometry: try Self.geometry(node.attributes, kernelRequired: true), storageOrder: node.attributes.int("storage_order", default: 0))
        }
        register("AveragePool") { node in
            AveragePool(geometry: try Self.geometry(node.attributes, kernelRequired: true),
                        countIncludePad: node.attributes.int("count_include_pad", default: 0) != 0)
        }
        register("GlobalAveragePool") { _ in GlobalAveragePool() }
        register("GlobalMaxPool") { _ in GlobalMaxPool() }
        register("BatchNormalization") { node in
            let a = node.attributes
            return BatchNormalization(epsilon: a.float("epsilon", default: 1e-5), momentum: a.float("momentum", default: 0.9),
                                      trainingMode: a.int("training_mode", default: 0) != 0)
        }
        register("LayerNormalization") { node in
            LayerNormalization(axis: node.attributes.int("axis", default: -1), epsilon: node.attributes.float("epsilon", default: 1e-5))
        }
        register("Dropout") { _ in Dropout() }
        register("InstanceNormalization") { node in InstanceNormalization(epsilon: node.attributes.float("epsilon", default: 1e-5)) }
        register("LRN") { node in
            let a = node.attributes
            guard let size = a.int("size") else { throw ModelError(.invalidModel, "node '\(a.node)' (LRN) has no size") }
            return LRN(alpha: a.float("alpha", default: 1e-4), beta: a.float("beta", default: 0.75), bias: a.float("bias", default: 1), size: size)
        }
        register("DepthToSpace") { node in
            let a = node.attributes
            guard let size = a.int("blocksize") else { throw ModelError(.invalidModel, "node '\(a.node)' (DepthToSpace) has no blocksize") }
            return DepthToSpace(blockSize: size, mode: try a.choice("mode", default: DepthToSpace.Mode.dcr))
        }
        register("SpaceToDepth") { node in
            let a = node.attributes
            guard let size = a.int("blocksize") else { throw ModelError(.invalidModel, "node '\(a.node)' (SpaceToDepth) has no blocksize") }
            return DepthToSpace(blockSize: size, inverse: true)
        }
        // Upsample (opset 9; deprecated by Resize in 10) is opset 10's Resize: scales as input 1,
        // asymmetric coordinates. Opset 7's scales attribute is not read.
        register("Upsample") { node in
            let a = node.attributes
            guard node.opset >= 9 else { throw ModelError(.unsupportedOperators, "node '\(a.node)': Upsample before opset 9 (scales as an attribute) is not supported") }
            return Resize(mode: try a.choice("mode", default: Resize.Mode.nearest), transformation: .asymmetric, rounding: .opset10,
                          axes: nil, policy: .stretch, scalesInputIndex: 1, cubicCoefficient: -0.75, excludeOutside: false)
        }
        register("Resize") { node in
            let a = node.attributes
            guard a.int("antialias", default: 0) == 0 else { throw ModelError(.unsupportedOperators, "node '\(a.node)': Resize with antialias is not supported") }
            return Resize(mode: try a.choice("mode", default: Resize.Mode.nearest),
                          transformation: node.opset < 11 ? .asymmetric : try a.choice("coordinate_transformation_mode", default: Resize.CoordinateTransformation.halfPixel),
                          rounding: node.opset < 11 ? .opset10 : try a.choice("nearest_mode", default: Resize.NearestRounding.roundPreferFloor),
                          axes: a.ints("axes"), policy: try a.choice("keep_aspect_ratio_policy", default: Resize.AspectRatioPolicy.stretch),
                          scalesInputIndex: node.opset < 11 ? 1 : 2,
                          cubicCoefficient: Double(a.float("cubic_coeff_a", default: -0.75)), excludeOutside: a.int("exclude_outside", default: 0) != 0)
        }
    }

    static func geometry(_ a: Attributes, kernelRequired: Bool) throws -> WindowGeometry {
        let kernel = a.ints("kernel_shape")
        if kernelRequired && kernel == nil { throw ModelError(.invalidModel, "node '\(a.node)' has no kernel_shape") }
        return WindowGeometry(kernel: kernel ?? [], strides: a.ints("strides"), pads: a.ints("pads"), dilations: a.ints("dilations"),
                              autoPad: try a.choice("auto_pad", default: WindowGeometry.AutoPad.notSet),
                              ceilMode: a.int("ceil_mode", default: 0) != 0)
    }
}
