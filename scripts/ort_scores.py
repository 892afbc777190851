#!/usr/bin/env python3
"""Runs onnxruntime on one input tensor file and prints the first output as JSON rows.

Usage: ort_scores.py MODEL(.onnx or .onnx.zst) INPUT.pb

The oracle for tests that check a function's per-frame scores on the same decoded frames.
"""
import json
import sys

import numpy as np
import onnxruntime
import zstandard
from onnx import TensorProto, numpy_helper

with open(sys.argv[1], "rb") as f:
    model = f.read()
if sys.argv[1].endswith(".zst"):
    model = zstandard.ZstdDecompressor().decompress(model)
tensor = TensorProto()
with open(sys.argv[2], "rb") as f:
    tensor.ParseFromString(f.read())
session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
output = session.run(None, {session.get_inputs()[0].name: numpy_helper.to_array(tensor)})[0]
print(json.dumps(np.asarray(output, dtype=np.float64).reshape(output.shape[0], -1).tolist()))
