// The keyframe index of a container that keeps none: one pass over every packet.
import CFFmpeg

extension VideoReader {
    /// Reads every packet of the video stream once (the whole file: only for containers without
    /// an index, such as MPEG-TS or Matroska without cues) and notes the keyframes' times.
    func scanKeyframes() throws -> KeyframeIndex {
        guard try demuxer.rewind() else {
            throw VideoIOError(.corruptData, uri: uri, "cannot rewind to scan for keyframes: the container has no index and does not seek")
        }
        decoder.flush()
        position.reset(group: nil)
        guard let packet = av_packet_alloc() else {
            throw VideoIOError(.internalFailure, uri: uri, "out of memory allocating a packet")
        }
        var packetPointer: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetPointer) }
        var times: [Double] = []
        var damagedInARow = 0
        scan: while damagedInARow < 64 {
            switch try demuxer.read(into: packet) {
            case .packet:
                damagedInARow = 0
                guard packet.pointee.flags & AV_PKT_FLAG_KEY != 0 else { continue }
                let time = packet.pointee.pts != vl_nopts_value() ? packet.pointee.pts : packet.pointee.dts
                if time != vl_nopts_value() { times.append(seconds(time)) }
            case .damaged:
                damagedInARow += 1
            case .endOfData:
                break scan
            }
        }
        // Leave the demuxer where a fresh reader would stand.
        _ = try demuxer.rewind()
        decoder.flush()
        position.reset(group: nil)
        return KeyframeIndex(timestamps: Array(Set(times)).sorted(), source: .packetScan)
    }
}
