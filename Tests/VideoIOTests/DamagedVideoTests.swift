// Damaged copies of the fixtures, damaged the same way on every run (a fixed seed): each gives its
// frames (some reported missing) or a VideoIOError, never a crash, a hang or another kind of error,
// and the process goes on reading intact files afterwards.
import Foundation
import TestServers
@testable import VideoIO
import XCTest

final class DamagedVideoTests: XCTestCase {
    /// One decode's result, handed from its thread (after which only the test reads it).
    private final class Outcome: @unchecked Sendable {
        var result: Result<FrameBatch, Error>?
    }

    /// How a copy is damaged: the kinds a failing disk, a cut upload or a hostile client produce.
    enum Damage: CaseIterable {
        case scatteredBytes, headerBytes, zeroedRun, truncation, misplacedRun

        func apply(to original: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
            var bytes = original
            switch self {
            case .scatteredBytes:
                for _ in 0..<[1, 10, 100, 1000].randomElement(using: &generator)! {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            case .headerBytes:
                // The container's own boxes and headers, where the demuxer reads sizes and offsets.
                for _ in 0..<[1, 5, 50].randomElement(using: &generator)! {
                    bytes[Int.random(in: 0..<min(bytes.count, 4096), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            case .zeroedRun:
                let start = Int.random(in: 0..<bytes.count, using: &generator)
                let end = min(bytes.count, start + Int.random(in: 1...16_384, using: &generator))
                bytes.replaceSubrange(start..<end, with: repeatElement(0, count: end - start))
            case .truncation:
                bytes.removeLast(Int.random(in: 1..<bytes.count, using: &generator))
            case .misplacedRun:
                let length = Int.random(in: 1...4096, using: &generator)
                let from = Int.random(in: 0..<(bytes.count - length), using: &generator)
                let to = Int.random(in: 0..<(bytes.count - length), using: &generator)
                bytes.replaceSubrange(to..<(to + length), with: original[from..<(from + length)])
            }
            return bytes
        }
    }

    func testEveryDamagedCopyGivesFramesOrAVideoError() throws {
        var generator = SeededGenerator(seed: 20_261_127)
        var decoded = 0, refused: [VideoIOError.Code: Int] = [:]
        for name in ["h264.mp4", "hevc.mp4", "vp9.webm", "mpeg4.avi", "vfr.mp4"] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestVideos.path(name))))
            for round in 0..<20 {
                let damage = Damage.allCases[round % Damage.allCases.count]
                let copy = MemoryReader(uri: "memory://\(name)/\(round)", bytes: Data(damage.apply(to: original, using: &generator)))
                // On a thread of its own, so that a copy that makes decoding hang fails the test
                // instead of stalling the suite.
                let outcome = Outcome()
                let finished = DispatchSemaphore(value: 0)
                Thread {
                    outcome.result = Result { try VideoReader(reader: copy).frames(.uniform(count: 4)) }
                    finished.signal()
                }.start()
                guard finished.wait(timeout: .now() + 30) == .success, let result = outcome.result else {
                    XCTFail("\(name) \(damage) #\(round): no answer within 30 s")
                    continue
                }
                switch result {
                case .success(let batch):
                    // Damaged times may bring planned samples together (clamped to the last frame), never to none.
                    XCTAssertTrue((1...4).contains(batch.frames.count + batch.missing.count), "\(name) \(damage) #\(round): \(batch)")
                    decoded += 1
                case .failure(let error as VideoIOError):
                    XCTAssertFalse(error.reason.isEmpty, "\(name) \(damage) #\(round): an error that names no problem")
                    refused[error.code, default: 0] += 1
                case .failure(let error):
                    XCTFail("\(name) \(damage) #\(round): \(error) is not a VideoIOError")
                }
            }
        }
        // Both outcomes occur, so the damage neither always spares nor always destroys the files.
        XCTAssertGreaterThan(decoded, 0)
        XCTAssertGreaterThan(refused.values.reduce(0, +), 0, "\(refused)")
        XCTAssertEqual(try TestVideos.open("h264.mp4").frames(at: [5]).frames.first?.timestamp ?? -1, 5, accuracy: 1e-6)
    }
}
