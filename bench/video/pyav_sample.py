#!/usr/bin/env python3
"""The PyAV baselines of `video-lambda bench video`: N preprocessed SIZExSIZE frames of a video.

Usage: pyav_sample.py FILE [--count 16] [--size 224] [--repeat 3] [--decode-all-repeat 1]

Two ways a Python Lambda would get the frames at N uniform timestamps t_i = i * duration / N:
  accurate    for each t_i: seek to the keyframe at or before t_i (backward=True), decode forward
              to the first frame with time >= t_i
  decode-all  decode every frame once, keeping for each t_i the first frame with time >= t_i
Both then resize to SIZExSIZE RGB in libswscale (bilinear, as ours) and normalize with numpy
(ImageNet mean/std, NCHW float32). FFmpeg's frame threads are on (thread_type AUTO), as in ours.

Prints one JSON object: the seconds of each repetition of each mode, and the chosen frames' times.
"""
import argparse
import json
import time

import av
import numpy as np

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(1, 1, 3)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(1, 1, 3)


def preprocess(frames, size):
    batch = np.empty((len(frames), 3, size, size), dtype=np.float32)
    for index, frame in enumerate(frames):
        rgb = frame.to_ndarray(width=size, height=size, format="rgb24", interpolation="BILINEAR")
        batch[index] = ((rgb.astype(np.float32) / 255 - MEAN) / STD).transpose(2, 0, 1)
    return batch


def open_video(path):
    container = av.open(path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    duration = float(stream.duration * stream.time_base) if stream.duration else container.duration / 1e6
    return container, stream, duration


def accurate(path, count, size):
    container, stream, duration = open_video(path)
    targets = [i * duration / count for i in range(count)]
    frames = []
    for target in targets:
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.time >= target - 1e-6:
                frames.append(frame)
                break
    batch = preprocess(frames, size)
    container.close()
    return batch, [frame.time for frame in frames]


def decode_all(path, count, size):
    container, stream, duration = open_video(path)
    targets = [i * duration / count for i in range(count)]
    frames = []
    for frame in container.decode(stream):
        while len(frames) < count and frame.time >= targets[len(frames)] - 1e-6:
            frames.append(frame)
    batch = preprocess(frames, size)
    container.close()
    return batch, [frame.time for frame in frames]


def measure(function, repeat, *arguments):
    seconds, times = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        batch, times = function(*arguments)
        seconds.append(time.perf_counter() - start)
        assert batch.shape[0] == arguments[1], batch.shape
    return seconds, times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--decode-all-repeat", type=int, default=1)
    args = parser.parse_args()
    accurate_seconds, accurate_times = measure(accurate, args.repeat, args.file, args.count, args.size)
    all_seconds, all_times = measure(decode_all, args.decode_all_repeat, args.file, args.count, args.size)
    print(json.dumps({"pyav": av.__version__, "ffmpeg": ".".join(map(str, av.library_versions["libavcodec"])),
                      "accurate_seconds": accurate_seconds, "accurate_times": accurate_times,
                      "decode_all_seconds": all_seconds, "decode_all_times": all_times}))


if __name__ == "__main__":
    main()
