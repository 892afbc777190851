// The keyframe index of a container that keeps none, and the length of one that does not say:
// one pass over every packet.
import CFFmpeg

extension VideoReader {
    /// What a pass over the packets found: the keyframes, where the last packet ends (seconds from
    /// the file's start) and how many packets there were.
    struct PacketScan {
        var keyframes: KeyframeIndex
        var endSeconds: Double
        var packets: Int
    }

    /// Reads every packet of the video stream once (the whole file: only for containers without
    /// an index, such as MPEG-TS or Matroska without cues, or without a duration) and notes the
    /// keyframes' times and where the stream ends.
    func scanPackets() throws -> PacketScan {
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
        var endSeconds = 0.0
        var packets = 0
        var damagedInARow = 0
        scan: while damagedInARow < 64 {
            switch try demuxer.read(into: packet) {
            case .packet:
                damagedInARow = 0
                packets += 1
                let time = packet.pointee.pts != vl_nopts_value() ? packet.pointee.pts : packet.pointee.dts
                guard time != vl_nopts_value() else { continue }
                endSeconds = max(endSeconds, seconds(time + max(0, packet.pointee.duration)))
                if packet.pointee.flags & AV_PKT_FLAG_KEY != 0 { times.append(seconds(time)) }
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
        return PacketScan(keyframes: KeyframeIndex(timestamps: Array(Set(times)).sorted(), source: .packetScan),
                          endSeconds: endSeconds, packets: packets)
    }
}
