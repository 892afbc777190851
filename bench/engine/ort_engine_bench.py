#!/usr/bin/env python3
"""onnxruntime's side of `video-lambda bench engine`: one model, one thread count, one JSON line.

Usage: ort_engine_bench.py MODEL_DIR THREADS BATCH1_RUNS BATCH16_RUNS

Measures what the Swift side measures, the same way: session creation from the model file (zstd
decompression included, as a function would load it), then the median latency of batch 1 and batch
16 on the data set's first frame repeated, and the process's peak RSS.
"""
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import onnxruntime
import zstandard


def read_model(directory):
    path = os.path.join(directory, "model.onnx.zst")
    with open(path, "rb") as f:
        compressed = f.read()
    return zstandard.ZstdDecompressor().decompress(compressed)


def main():
    directory, threads, runs1, runs16 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    from onnx import numpy_helper, TensorProto
    tensor = TensorProto()
    with open(os.path.join(directory, "test_data_set_0", "input_0.pb"), "rb") as f:
        tensor.ParseFromString(f.read())
    frame = numpy_helper.to_array(tensor)[:1]

    start = time.perf_counter()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(read_model(directory), options, providers=["CPUExecutionProvider"])
    load = time.perf_counter() - start
    name = session.get_inputs()[0].name

    def median_latency(batch, runs):
        data = np.repeat(frame, batch, axis=0)
        session.run(None, {name: data})  # warm-up
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            session.run(None, {name: data})
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    result = {"load": load, "batch1": median_latency(1, runs1), "batch16": median_latency(16, runs16),
              "peakRSS": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
