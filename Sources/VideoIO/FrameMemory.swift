// Freeing AVFrames held in non-optional pointers (av_frame_free wants a pointer to an optional).
import CFFmpeg

/// Frees `frame` and the buffers only it references.
func freeFrame(_ frame: UnsafeMutablePointer<AVFrame>) {
    var owned: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&owned)
}
