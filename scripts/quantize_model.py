#!/usr/bin/env python3
"""Quantizes a model to 8 bits the way users do (onnxruntime's quantize_static, QDQ format) and
writes it as a check-model directory whose expected outputs are onnxruntime's.

Usage: quantize_model.py MODEL_DIR OUT_DIR [--per-tensor] [--int8-activations]

MODEL_DIR holds model.onnx(.zst) and test_data_set_N/input_0.pb (real frames, as `make models`
writes them); those frames are also the calibration data. OUT_DIR gets model.onnx (weights int8,
per output channel unless --per-tensor; activations uint8 unless --int8-activations) and, for each
data set and for the same frames mirrored and darkened (more data sets), its input and the output onnxruntime computes with graph optimisations off: that runs
each QuantizeLinear, float operator and DequantizeLinear as written, the model's definition.
Optimised, onnxruntime fuses them into its own int8 kernels, which round differently in places;
their largest difference from the definition is printed (`fused_max_abs`) for reference.
"""
import argparse
import glob
import json
import os
import tempfile

import numpy as np
import onnx
import onnxruntime
import zstandard
from onnx import numpy_helper, version_converter
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static


def load_model(directory):
    plain = os.path.join(directory, "model.onnx")
    if os.path.exists(plain):
        return open(plain, "rb").read()
    with open(plain + ".zst", "rb") as f:
        return zstandard.ZstdDecompressor().decompress(f.read(), max_output_size=1 << 31)


def run(model_path, inputs, level):
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = level
    session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return [session.run(None, {name: x}) for x in inputs]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--per-tensor", action="store_true")
    parser.add_argument("--int8-activations", action="store_true")
    args = parser.parse_args()

    data_sets = sorted(glob.glob(os.path.join(args.model_dir, "test_data_set_*")))
    inputs = [numpy_helper.to_array(onnx.load_tensor(os.path.join(d, "input_0.pb"))) for d in data_sets]
    if not inputs:
        raise SystemExit(f"{args.model_dir} has no test_data_set_N/input_0.pb to calibrate with")
    float_model = onnx.load_from_string(load_model(args.model_dir))
    # Per-channel scales need opset 13 (DequantizeLinear's axis); onnxruntime's documentation has
    # users convert older models first, as here.
    opset = next(o.version for o in float_model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:
        float_model = version_converter.convert_version(float_model, 13)
    # Each frame also mirrored and darkened: more data sets from the same real frames.
    inputs += [np.ascontiguousarray(x[..., ::-1]) if x.shape[-1] > 3 else np.ascontiguousarray(x[:, :, ::-1]) for x in inputs[:len(data_sets)]]
    inputs += [(x * np.float32(0.8)).astype(np.float32) for x in inputs[:len(data_sets)]]
    input_name = float_model.graph.input[0].name

    class Frames(CalibrationDataReader):
        def __init__(self):
            self.remaining = iter([{input_name: x} for x in inputs[:len(data_sets)]])

        def get_next(self):
            return next(self.remaining, None)

    os.makedirs(args.out_dir, exist_ok=True)
    out_model = os.path.join(args.out_dir, "model.onnx")
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, "float.onnx")
        onnx.save(float_model, source)
        quantize_static(source, out_model, Frames(), quant_format=QuantFormat.QDQ, per_channel=not args.per_tensor,
                        activation_type=QuantType.QInt8 if args.int8_activations else QuantType.QUInt8,
                        weight_type=QuantType.QInt8)

    literal = run(out_model, inputs, onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL)
    fused = run(out_model, inputs, onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL)
    for index, (x, outputs) in enumerate(zip(inputs, literal)):
        data_set = os.path.join(args.out_dir, f"test_data_set_{index}")
        os.makedirs(data_set, exist_ok=True)
        onnx.save_tensor(numpy_helper.from_array(x), os.path.join(data_set, "input_0.pb"))
        for k, output in enumerate(outputs):
            onnx.save_tensor(numpy_helper.from_array(output), os.path.join(data_set, f"output_{k}.pb"))
    quantized = onnx.load(out_model)
    print(json.dumps({
        "nodes": len(quantized.graph.node),
        "quantize_nodes": sum(n.op_type == "QuantizeLinear" for n in quantized.graph.node),
        "dequantize_nodes": sum(n.op_type == "DequantizeLinear" for n in quantized.graph.node),
        "fused_max_abs": max(float(np.abs(a - b).max()) for la, lb in zip(literal, fused) for a, b in zip(la, lb)),
    }))


if __name__ == "__main__":
    main()
