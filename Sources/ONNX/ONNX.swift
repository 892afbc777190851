// ONNX: placeholder until its area lands; replaced by the real sources.
