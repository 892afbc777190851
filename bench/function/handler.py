"""The video functions written the way Python users write them today: the Python baseline.

awslambdaric runs `handler.handle`; PyAV decodes (an accurate seek per sampled time, as users
write it: PyAV has no keyframe index to decode forward through a GOP with, which ours does), numpy
preprocesses, onnxruntime infers in function.json's batches, boto3 downloads S3 objects to /tmp. It
reads the same functions/<name>/function.json as the Swift functions (VIDEO_FUNCTION names it,
VIDEO_FUNCTIONS_DIR holds them), turns frames upright by the container's display matrix as ours
does, and answers direct events {"video", "frames", "start", "end", "every", "perFrame"} with the
same summary fields. Settings it does not implement are refused at import, not ignored.
"""
import json
import os
import tempfile
import time

import av
import numpy as np
import onnxruntime
import zstandard

FUNCTION = os.environ.get("VIDEO_FUNCTION", "video-moderation")
DIRECTORY = os.path.join(os.environ.get("VIDEO_FUNCTIONS_DIR", "functions"), FUNCTION)
with open(os.path.join(DIRECTORY, "function.json")) as f:
    CONFIG = json.load(f)
with open(os.path.join(DIRECTORY, CONFIG["model"]["uri"]), "rb") as f:
    MODEL = zstandard.ZstdDecompressor().decompress(f.read())
SESSION = onnxruntime.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
INPUT = CONFIG["model"].get("input") or SESSION.get_inputs()[0].name
LABELS = CONFIG.get("labels") or SESSION.get_modelmeta().custom_metadata_map[CONFIG["labelsFromModelMetadata"]].split("\n")
P = CONFIG["preprocess"]
BATCH = CONFIG["sampling"].get("batchSize", 8)
if P["resize"]["mode"] not in ("stretch-then-crop", "shorter-side-then-crop", "stretch"):
    raise NotImplementedError("the Python baseline does not implement resize mode " + P["resize"]["mode"])
if P["layout"] not in ("nchw", "nhwc") or CONFIG["postprocess"].get("activation", "none") != "none":
    raise NotImplementedError("the Python baseline implements layouts nchw/nhwc and activation none only")


def fetch(uri):
    if uri.startswith("s3://"):
        import boto3
        bucket, key = uri[5:].split("/", 1)
        path = os.path.join(tempfile.gettempdir(), "video-" + key.replace("/", "_"))
        boto3.client("s3").download_file(bucket, key, path)
        return path
    return uri


def sample(container, stream, count, start, end, every):
    duration = float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6
    end = min(end or duration, duration)
    if every:
        times = [start + i * every for i in range(int(-(-(end - start) // every))) if start + i * every < end]
    else:
        times = [start + i * (end - start) / count for i in range(count)]
    frames = []
    for t in times:
        container.seek(int(t / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= t - 1e-6:
                frames.append(frame)
                break
    return frames


def pixel_aspect(stream):
    """How wide a stored pixel is shown (the stream's sample aspect ratio), 1 when unknown."""
    sar = stream.sample_aspect_ratio
    return float(sar) if sar and 0.01 <= float(sar) <= 100 else 1.0


def preprocess(frame, aspect=1.0):
    w, h, resize = P["width"], P["height"], P["resize"]
    # The display matrix's counter-clockwise quarter turns: sizes are of the upright picture as
    # shown, an anamorphic frame widened by its pixel aspect ratio.
    turns = round((frame.rotation or 0) / 90) % 4
    shown_w = frame.width * aspect
    upright_w, upright_h = (frame.height, shown_w) if turns % 2 else (shown_w, frame.height)
    if resize["mode"] == "stretch-then-crop":
        rw, rh = resize["width"], resize["height"]
    elif resize["mode"] == "shorter-side-then-crop":
        scale = resize["shorterSide"] / min(upright_w, upright_h)
        rw, rh = max(w, round(upright_w * scale)), max(h, round(upright_h * scale))
    else:
        rw, rh = w, h
    coded_w, coded_h = (rh, rw) if turns % 2 else (rw, rh)
    rgb = frame.reformat(width=coded_w, height=coded_h, format="rgb24", interpolation="BILINEAR").to_ndarray()
    rgb = np.rot90(rgb, k=turns)
    x, y = (rw - w) // 2, (rh - h) // 2
    rgb = rgb[y:y + h, x:x + w].astype(np.float32)
    if P["channels"] == "bgr":
        rgb = rgb[:, :, ::-1]
    values = (rgb * P["scale"] - np.array(P["mean"], np.float32)) / np.array(P["std"], np.float32)
    return values if P["layout"] == "nhwc" else values.transpose(2, 0, 1)


def handle(event, context):
    started = time.perf_counter()
    with av.open(fetch(event["video"])) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = sample(container, stream, int(event.get("frames") or CONFIG["sampling"]["frames"]),
                        float(event.get("start") or 0), event.get("end"), event.get("every"))
        timestamps = [float(frame.time) for frame in frames]
        # Preprocessed and run batch by batch, as function.json's batchSize says.
        scores = np.concatenate([
            SESSION.run(None, {INPUT: np.stack([preprocess(frame, pixel_aspect(stream)) for frame in frames[i:i + BATCH]])})[0].reshape(len(frames[i:i + BATCH]), -1)
            for i in range(0, len(frames), BATCH)])
    result = {"function": FUNCTION, "video": event["video"], "sampledFrames": len(frames),
              "aggregate": {"mean": dict(zip(LABELS, scores.mean(0).tolist())), "max": dict(zip(LABELS, scores.max(0).tolist()))}}
    threshold = CONFIG["postprocess"].get("threshold")
    if threshold:
        column = scores[:, LABELS.index(threshold["label"])]
        result["threshold"] = {"max": float(column.max()), "mean": float(column.mean()),
                               "verdict": threshold["verdicts"][int((column >= threshold["value"]).any())]}
    if CONFIG["postprocess"].get("vote"):
        votes = np.bincount(scores.argmax(1), minlength=len(LABELS))
        # Most votes wins; a tie goes to the label with the higher mean score.
        winner = max(range(len(LABELS)), key=lambda i: (votes[i], scores[:, i].mean()))
        result["vote"] = {"label": LABELS[winner], "confidence": float(votes[winner] / len(frames))}
    if event.get("perFrame"):
        result["frames"] = [{"timestamp": t, "scores": dict(zip(LABELS, s.tolist()))} for t, s in zip(timestamps, scores)]
    result["timings"] = {"totalMs": (time.perf_counter() - started) * 1000}
    return result
