#!/usr/bin/env bash
# Generates the synthetic test videos used by the decode/demux tests and benchmarks, with the
# ffmpeg CLI only (lavfi sources), so no media has to be downloaded or committed.
#
# Usage: scripts/make_test_videos.sh [OUT_DIR]      (default: .cache/videos)
#
# Files and the case each one covers:
#   h264.mp4                 10 s 640x360 30 fps H.264 yuv420p + AAC sine, keyframe every 2 s,
#                            faststart (moov first): the common, well-formed case
#   hevc.mp4                 5 s 320x240 HEVC (libx265), tagged hvc1 as Apple players expect
#   vp9.webm                 5 s 320x240 VP9 in WebM/Matroska
#   mpeg4.avi                5 s 320x240 MPEG-4 Part 2 in AVI: legacy codec and container
#   odd_333x201.mp4          5 s H.264 333x201 in yuv444p: odd dimensions. H.264 4:2:0 cannot
#                            have odd sizes (libx264 refuses, SPS cropping is in 2-pixel units),
#                            4:4:4 can, so this also covers a non-4:2:0 pixel format
#   vfr.mp4                  5 s H.264 with variable frame rate: 30 fps, then 10 fps, then 30 fps
#   rotate_90.mp4            3 s H.264 320x180 with a display matrix of +90 degrees (ffprobe
#                            rotation=90: shown turned 90 degrees counter-clockwise, 180x320)
#   rotate_270.mp4           same with +270 degrees (ffprobe rotation=-90: turned clockwise)
#   anamorphic.mp4           3 s H.264 320x360 with a sample aspect ratio of 2:1 (MP4 pasp box
#                            and H.264 VUI): non-square pixels, shown as 640x360
#   anamorphic_rotate_90.mp4 anamorphic.mp4 with a display matrix of +90 degrees: upright it is
#                            360x320 with pixels of 1:2, shown as 360x640
#   truncated_moov_first.mp4 h264.mp4 cut at 60% of its bytes: index intact, media data missing
#   truncated_moov_last.mp4  h264.mp4 remuxed with moov at the end, cut at 60%: no index at all
#   audio_only.m4a           5 s AAC sine, no video stream
#   random.bin               64 KiB of deterministic pseudo-random bytes: not a media file
#   long_720p.mp4            10 min 1280x720 25 fps H.264, keyframe every 2 s, faststart:
#                            seeking and throughput benchmarks (about 2-3 min to encode)
#
# Idempotent: a file is generated only if it is missing, and is written under a temporary name
# and moved into place, so an interrupted run never leaves a half-written file behind.
set -euo pipefail

out=${1:-.cache/videos}
mkdir -p "$out"
# Partial files start with ".partial-" but keep their extension, which ffmpeg uses to pick the
# muxer; whatever is left of them after a failure or Ctrl-C is removed on exit.
trap 'rm -f "$out"/.partial-*' EXIT

# One thread and bit-exact flags: the output then does not depend on the core count or embed the
# encoder version, and the machine stays usable while the long file encodes.
ff=(ffmpeg -hide_banner -nostdin -loglevel error -y)
exact=(-threads 1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1)
x264=(-c:v libx264 -pix_fmt yuv420p -preset veryfast)

# gen NAME FUNCTION: run FUNCTION with a temporary path unless OUT_DIR/NAME already exists.
gen() {
    local dst="$out/$1" tmp="$out/.partial-$1"
    if [[ -s $dst ]]; then return 0; fi
    echo "generating $dst" >&2
    "$2" "$tmp"
    mv -f "$tmp" "$dst"
}

h264_mp4() {
    "${ff[@]}" -f lavfi -i testsrc2=s=640x360:r=30:d=10 -f lavfi -i sine=f=440:r=48000:d=10 \
        "${x264[@]}" -crf 23 -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 96k \
        -movflags +faststart "${exact[@]}" "$1"
}
hevc_mp4() {
    "${ff[@]}" -f lavfi -i testsrc2=s=320x240:r=30:d=5 -c:v libx265 -preset fast -crf 28 \
        -pix_fmt yuv420p -x265-params log-level=error:pools=1:frame-threads=1 -tag:v hvc1 \
        "${exact[@]}" "$1"
}
vp9_webm() {
    "${ff[@]}" -f lavfi -i testsrc2=s=320x240:r=30:d=5 -c:v libvpx-vp9 -deadline realtime \
        -cpu-used 8 -b:v 500k -row-mt 0 "${exact[@]}" "$1"
}
mpeg4_avi() {
    "${ff[@]}" -f lavfi -i testsrc2=s=320x240:r=30:d=5 -c:v mpeg4 -q:v 5 "${exact[@]}" "$1"
}
odd_mp4() {
    # testsrc2 rounds its size down to even numbers, so render larger and scale in 4:4:4.
    "${ff[@]}" -f lavfi -i testsrc2=s=336x202:r=30:d=5,format=yuv444p,scale=333:201 \
        -c:v libx264 -pix_fmt yuv444p -preset veryfast -crf 23 "${exact[@]}" "$1"
}
vfr_mp4() {
    # Drop two frames in three between 2 s and 4 s; -fps_mode vfr keeps the original timestamps
    # instead of duplicating frames back to a constant rate.
    "${ff[@]}" -f lavfi \
        -i "testsrc2=s=320x240:r=30:d=5,select='lt(t\,2)+gte(t\,4)+not(mod(n\,3))'" \
        "${x264[@]}" -crf 23 -fps_mode vfr -video_track_timescale 90000 "${exact[@]}" "$1"
}
# rotated DEGREES OUTPUT: H.264 whose display matrix rotates the picture DEGREES counter-clockwise.
rotated() {
    local src="$out/.partial-rot-src.mp4"
    "${ff[@]}" -f lavfi -i testsrc2=s=320x180:r=30:d=3 "${x264[@]}" -crf 23 "${exact[@]}" "$src"
    turned "$1" "$src" "$2"
    rm -f "$src"
}
# turned DEGREES SOURCE OUTPUT: SOURCE stream-copied with a display matrix of DEGREES.
turned() {
    # ffmpeg >= 6 sets the matrix with the -display_rotation input option. ffmpeg 5 has no such
    # option; there the "rotate" tag becomes a display matrix, but only when stream-copying.
    if ffmpeg -hide_banner -h full 2>/dev/null | grep -q display_rotation; then
        "${ff[@]}" -display_rotation "$1" -i "$2" -c copy "${exact[@]}" "$3"
    else
        "${ff[@]}" -i "$2" -c copy -metadata:s:v:0 rotate="$1" "${exact[@]}" "$3"
    fi
    # The sign conventions differ between the tag, the option and ffprobe, so check the result:
    # ffprobe reports the counter-clockwise angle in (-180, 180].
    local got
    got=$(ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation \
        -of default=nw=1:nk=1 "$3")
    got=${got%%.*}
    if [[ -z $got ]] || (( ((got % 360) + 360) % 360 != $1 )); then
        echo "rotation check failed for $1 degrees: ffprobe says '$got'" >&2
        return 1
    fi
}
rotate_90_mp4() { rotated 90 "$1"; }
rotate_270_mp4() { rotated 270 "$1"; }
anamorphic_mp4() {
    # testsrc2 drawn at its shown size, then squeezed to half the width with a SAR of 2 to undo it.
    "${ff[@]}" -f lavfi -i "testsrc2=s=640x360:r=30:d=3,scale=320:360,setsar=2" "${x264[@]}" -crf 23 \
        "${exact[@]}" "$1"
    local sar
    sar=$(ffprobe -v error -select_streams v:0 -show_entries stream=sample_aspect_ratio -of default=nw=1:nk=1 "$1")
    [[ $sar == 2:1 ]] || { echo "anamorphic.mp4: sample aspect ratio is '$sar', expected 2:1" >&2; return 1; }
}
anamorphic_rotate_90_mp4() { turned 90 "$out/anamorphic.mp4" "$1"; }
# cut SRC OUTPUT: the first 60% of SRC's bytes, as left by an interrupted download.
cut60() { head -c $(( $(stat -c %s "$1") * 6 / 10 )) "$1" > "$2"; }
truncated_first_mp4() { cut60 "$out/h264.mp4" "$1"; }
truncated_last_mp4() {
    # Without +faststart the mp4 muxer writes moov after the media data.
    local src="$out/.partial-moov-last.mp4"
    "${ff[@]}" -i "$out/h264.mp4" -c copy "${exact[@]}" "$src"
    cut60 "$src" "$1"
    rm -f "$src"
}
audio_m4a() {
    "${ff[@]}" -f lavfi -i sine=f=440:r=48000:d=5 -c:a aac -b:a 96k "${exact[@]}" "$1"
}
random_bin() {
    # /dev/urandom would differ on every run; a seeded generator gives the same bytes everywhere.
    python3 -c 'import random, sys
random.seed(1234); sys.stdout.buffer.write(random.randbytes(65536))' > "$1"
}
long_mp4() {
    # veryfast at CRF 34 keeps 10 minutes of testsrc2 near 50 MB; quality is irrelevant here.
    "${ff[@]}" -f lavfi -i testsrc2=s=1280x720:r=25:d=600 "${x264[@]}" -crf 34 -g 50 \
        -keyint_min 50 -sc_threshold 0 -movflags +faststart "${exact[@]}" "$1"
}

gen h264.mp4 h264_mp4
gen hevc.mp4 hevc_mp4
gen vp9.webm vp9_webm
gen mpeg4.avi mpeg4_avi
gen odd_333x201.mp4 odd_mp4
gen vfr.mp4 vfr_mp4
gen rotate_90.mp4 rotate_90_mp4
gen rotate_270.mp4 rotate_270_mp4
gen anamorphic.mp4 anamorphic_mp4
gen anamorphic_rotate_90.mp4 anamorphic_rotate_90_mp4
gen truncated_moov_first.mp4 truncated_first_mp4
gen truncated_moov_last.mp4 truncated_last_mp4
gen audio_only.m4a audio_m4a
gen random.bin random_bin
gen long_720p.mp4 long_mp4
