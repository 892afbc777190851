// Model outputs to answers: activation, top-k per frame, aggregates, threshold ranges, votes.
import Glibc
import VideoIO

struct Postprocessor {
    let spec: FunctionConfig.PostprocessSpec
    let labels: [String]

    /// Scores per frame after the activation: [frame][label].
    func scores(_ raw: [[Float]]) -> [[Float]] {
        switch spec.activation {
        case "softmax":
            return raw.map { row in
                let maximum = row.max() ?? 0
                let exps = row.map { Glibc.exp($0 - maximum) }
                let sum = exps.reduce(0, +)
                return exps.map { $0 / sum }
            }
        case "sigmoid": return raw.map { $0.map { 1 / (1 + Glibc.exp(-$0)) } }
        default: return raw
        }
    }

    /// Where flagged time can end: `planned`, the timestamps the request sampled (analysed or
    /// not: missing frames, and those after an early stop, are planned but have no scores), and
    /// `windowEnd`, the end of the sampled time (the request's end within the video).
    struct SampledWindow {
        var planned: [Double]
        var windowEnd: Double
    }

    /// The verdict for a video with or without flagged frames. One with none flagged that did not
    /// look at every planned frame (it stopped early, or some would not decode: a truncated upload)
    /// is "incomplete": the frames it never looked at could have been flagged.
    static func verdict(flagged: Bool, unseenFrames: Bool, _ verdicts: [String]) -> String {
        if flagged { return verdicts.last ?? "flagged" }
        return unseenFrames ? "incomplete" : verdicts.first ?? "clear"
    }

    /// `timestamps`: each frame's own time; `requested`: the planned time it was decoded for.
    func apply(_ raw: [[Float]], timestamps: [Double], requested: [Double], indices: [Int?], window: SampledWindow,
               into result: inout AnalysisResult, perFrame: Bool) {
        let scores = scores(raw)
        let topK = max(1, min(spec.topK ?? 1, labels.count))
        var flaggedFrames: [Bool] = Array(repeating: false, count: scores.count)
        if let threshold = spec.threshold, let column = labels.firstIndex(of: threshold.label) {
            flaggedFrames = scores.map { $0[column] >= threshold.value }
            let values = scores.map { $0[column] }
            result.threshold = AnalysisResult.ThresholdSummary(
                label: threshold.label, threshold: threshold.value, max: values.max() ?? 0,
                mean: values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count),
                flaggedFrames: flaggedFrames.filter { $0 }.count,
                ranges: Self.ranges(flagged: flaggedFrames, requested: requested, window: window),
                verdict: Self.verdict(flagged: flaggedFrames.contains(true),
                                      unseenFrames: result.stoppedEarly != nil || !(result.missingFrames ?? []).isEmpty, threshold.verdicts))
        }
        if perFrame {
            result.frames = scores.indices.map { i in
                let ranked = scores[i].enumerated().sorted { $0.element > $1.element }.prefix(topK)
                return AnalysisResult.FrameScores(timestamp: timestamps[i], index: indices[i],
                                                  top: ranked.map { AnalysisResult.LabelScore(label: labels[$0.offset], score: $0.element) },
                                                  flagged: spec.threshold == nil ? nil : flaggedFrames[i])
            }
        }
        if let aggregates = spec.aggregate, !scores.isEmpty {
            var table: [String: [String: Float]] = [:]
            for kind in aggregates {
                var row: [String: Float] = [:]
                for (column, label) in labels.enumerated() {
                    let values = scores.map { $0[column] }
                    row[label] = kind == "max" ? values.max()! : values.reduce(0, +) / Float(values.count)
                }
                table[kind] = row
            }
            result.aggregate = table
        }
        if spec.vote == true, !scores.isEmpty {
            var votes: [String: Int] = [:]
            var sums = [Float](repeating: 0, count: labels.count)
            for row in scores {
                let best = row.indices.max { row[$0] < row[$1] }!
                votes[labels[best], default: 0] += 1
                for (column, value) in row.enumerated() { sums[column] += value }
            }
            // Most votes wins; a tie goes to the label with the higher mean score.
            let winner = labels.indices.max { a, b in
                let (va, vb) = (votes[labels[a]] ?? 0, votes[labels[b]] ?? 0)
                return va != vb ? va < vb : sums[a] < sums[b]
            }!
            result.vote = AnalysisResult.VoteSummary(label: labels[winner], confidence: Double(votes[labels[winner]] ?? 0) / Double(scores.count), votes: votes,
                                                    meaning: spec.labelMeanings?[labels[winner]])
        }
    }

    /// Flagged frames as time ranges. A range runs through flagged frames of consecutive planned
    /// samples, from the first one's planned time to the next planned sample (or the end of the
    /// sampled window after the last): a sample that is not flagged, that would not decode, or
    /// that an early stop left unanalysed ends it, so time that was not analysed is never reported
    /// as flagged. Frames are placed by the time they were planned for, not their own: sampled
    /// faster than the video's frame rate, several samples give one frame, whose own time is the
    /// last sample's; and a frame's time rounded to its stream's clock may fall just before its sample.
    static func ranges(flagged: [Bool], requested: [Double], window: SampledWindow) -> [AnalysisResult.TimeRange] {
        let planned = window.planned
        func sample(of time: Double) -> Int { max(0, planned.partitionIndex { $0 <= time + 1e-9 } - 1) }
        func end(after sample: Int) -> Double { sample + 1 < planned.count ? planned[sample + 1] : window.windowEnd }
        var ranges: [AnalysisResult.TimeRange] = []
        var open: (start: Double, lastSample: Int)? = nil
        for (time, isFlagged) in zip(requested, flagged) {
            let current = sample(of: time)
            if let range = open, !isFlagged || current > range.lastSample + 1 {
                ranges.append(AnalysisResult.TimeRange(start: range.start, end: max(range.start, end(after: range.lastSample))))
                open = nil
            }
            guard isFlagged else { continue }
            if let range = open { open = (range.start, max(range.lastSample, current)) } else { open = (time, current) }
        }
        if let range = open { ranges.append(AnalysisResult.TimeRange(start: range.start, end: max(range.start, end(after: range.lastSample)))) }
        return ranges
    }
}
