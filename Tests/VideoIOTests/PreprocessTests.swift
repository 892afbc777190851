// Preprocessing: resize modes against the ffmpeg CLI's filters, and normalization, channel order, layouts.
import Foundation
import Inference
@testable import VideoIO
import XCTest

final class PreprocessTests: XCTestCase {
    /// Our model-input picture vs the CLI's `filters` output for the same frame.
    private func assertImageMatchesCLI(_ name: String, at time: Double, _ options: PreprocessOptions, filters: String,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let frame = try XCTUnwrap(TestVideos.open(name).frames(at: [time]).frames.first)
        let ours = try Preprocessor(options).image(from: frame)
        XCTAssertEqual(ours.width, options.width, file: file, line: line)
        XCTAssertEqual(ours.height, options.height, file: file, line: line)
        let oracle = try XCTUnwrap(FFmpegOracle.frame(try TestVideos.path(name), at: time, filters: filters), file: file, line: line)
        XCTAssertEqual(oracle.rgb.count, ours.pixels.count, filters, file: file, line: line)
        guard oracle.rgb.count == ours.pixels.count else { return }
        XCTAssertLessThanOrEqual(FFmpegOracle.meanAbsoluteDifference(ours.pixels, oracle.rgb), 1.0, "\(name) \(filters)", file: file, line: line)
    }

    func testStretchMatchesTheCLIScale() throws {
        try assertImageMatchesCLI("h264.mp4", at: 3.3, PreprocessOptions(width: 224, height: 224), filters: "scale=224:224:flags=bilinear")
        try assertImageMatchesCLI("h264.mp4", at: 3.3, PreprocessOptions(width: 160, height: 90, algorithm: .bicubic),
                                  filters: "scale=160:90:flags=bicubic")
    }

    func testCenterCropMatchesScaleThenCrop() throws {
        // 640x360 → 398x224, centre 224 columns start at 87.
        try assertImageMatchesCLI("h264.mp4", at: 5.5, PreprocessOptions(width: 224, height: 224, resize: .centerCrop),
                                  filters: "scale=398:224:flags=bilinear,crop=224:224:87:0")
        // Upright 180x320 → 112x199, centre rows start at 43.
        try assertImageMatchesCLI("rotate_90.mp4", at: 1.5, PreprocessOptions(width: 112, height: 112, resize: .centerCrop),
                                  filters: "scale=112:199:flags=bilinear,crop=112:112:0:43")
    }

    func testLetterboxMatchesScaleThenPad() throws {
        // 640x360 → 224x126, bars of 49 rows above.
        try assertImageMatchesCLI("h264.mp4", at: 5.5, PreprocessOptions(width: 224, height: 224, resize: .letterbox(padding: 114)),
                                  filters: "scale=224:126:flags=bilinear,pad=224:224:0:49:color=0x727272")
    }

    func testAnamorphicFramesAreFittedByTheShapeTheyAreShownAt() throws {
        let square = try XCTUnwrap(TestVideos.open("h264.mp4").frames(at: [1]).frames.first)
        let wide = try XCTUnwrap(TestVideos.open("anamorphic.mp4").frames(at: [1.5]).frames.first)
        let turned = try XCTUnwrap(TestVideos.open("anamorphic_rotate_90.mp4").frames(at: [1.5]).frames.first)
        XCTAssertEqual(square.pixelAspectRatio, 1)
        XCTAssertEqual([wide.width, wide.height], [320, 360])
        XCTAssertEqual(wide.pixelAspectRatio, 2)
        XCTAssertEqual([turned.width, turned.height], [360, 320])
        XCTAssertEqual(turned.pixelAspectRatio, 0.5)
        // 320x360 with 2:1 pixels is shown as 640x360, and is fitted as that clip is: → 398x224 and
        // the centre 224 columns (by its stored shape it would be 224x252, the picture squeezed).
        try assertImageMatchesCLI("anamorphic.mp4", at: 1.5, PreprocessOptions(width: 224, height: 224, resize: .centerCrop),
                                  filters: "scale=398:224:flags=bilinear,crop=224:224:87:0")
        try assertImageMatchesCLI("anamorphic.mp4", at: 1.5, PreprocessOptions(width: 224, height: 224, resize: .letterbox(padding: 114)),
                                  filters: "scale=224:126:flags=bilinear,pad=224:224:0:49:color=0x727272")
        try assertImageMatchesCLI("anamorphic.mp4", at: 1.5,
                                  PreprocessOptions(width: 224, height: 224, resize: .shorterSideThenCrop(shorterSide: 256)),
                                  filters: "scale=455:256:flags=bilinear,crop=224:224:115:16")
        // Turned upright, 360x320 with pixels of 1:2 is shown as 360x640 → 112x199, rows from 43.
        try assertImageMatchesCLI("anamorphic_rotate_90.mp4", at: 1.5, PreprocessOptions(width: 112, height: 112, resize: .centerCrop),
                                  filters: "scale=112:199:flags=bilinear,crop=112:112:0:43")
        // Stretching fills the whole input whatever the shape.
        try assertImageMatchesCLI("anamorphic.mp4", at: 1.5, PreprocessOptions(width: 224, height: 224), filters: "scale=224:224:flags=bilinear")
    }

    func testNormalizationChannelOrderAndLayouts() throws {
        let frames = try TestVideos.open("h264.mp4").frames(at: [1, 2, 3, 4]).frames
        let base = PreprocessOptions(width: 8, height: 6)
        let images = try frames.map { try Preprocessor(base).image(from: $0) }
        func pixel(_ frame: Int, _ y: Int, _ x: Int, _ c: Int) -> Float { Float(images[frame].pixels[(y * 8 + x) * 3 + c]) }

        let nchw = try Preprocessor(base).tensor(from: frames)
        XCTAssertEqual(nchw.shape, [4, 3, 6, 8])
        var options = base
        options.channelOrder = .bgr
        options.normalization = .imageNet
        options.layout = .nhwc
        let nhwc = try Preprocessor(options).tensor(from: frames)
        XCTAssertEqual(nhwc.shape, [4, 6, 8, 3])
        options.layout = .ncthw(clipLength: 2)
        let ncthw = try Preprocessor(options).tensor(from: frames)
        XCTAssertEqual(ncthw.shape, [2, 3, 2, 6, 8])

        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        let a = nchw.floats, b = nhwc.floats, c = ncthw.floats
        for f in 0..<4 { for y in 0..<6 { for x in 0..<8 { for ch in 0..<3 {
            XCTAssertEqual(a[((f * 3 + ch) * 6 + y) * 8 + x], pixel(f, y, x, ch) / 255, accuracy: 1e-6)
            // BGR: tensor channel ch holds colour 2 - ch, normalized with that colour's statistics.
            let colour = 2 - ch
            let expected = (pixel(f, y, x, colour) / 255 - mean[colour]) / std[colour]
            XCTAssertEqual(b[((f * 6 + y) * 8 + x) * 3 + ch], expected, accuracy: 1e-5)
            let clip = f / 2, t = f % 2
            XCTAssertEqual(c[(((clip * 3 + ch) * 2 + t) * 6 + y) * 8 + x], expected, accuracy: 1e-5)
        } } } }
    }

    /// Cropping modes scale the whole frame first: a 4096x16 frame filling 224x224 would be
    /// 57344x224 (12.8 million pixels, a 65535x16 one 0.6 GB) before the crop. Refused with the
    /// sizes named; stretching the same frame is fine.
    func testAnExtremeAspectRatioIsRefusedByCroppingModes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wide-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try FFmpegOracle.run("/usr/bin/ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=4096x16:r=10", "-frames:v", "2",
                                                     "-c:v", "mpeg4", path])
        let frame = try XCTUnwrap(VideoReader(uri: path, store: TestVideos.store).frames(at: [0]).frames.first)
        XCTAssertThrowsError(try Preprocessor(PreprocessOptions(width: 224, height: 224, resize: .centerCrop)).image(from: frame)) { error in
            XCTAssertEqual((error as? VideoIOError)?.code, .tooManyPixels, "\(error)")
            XCTAssertTrue("\(error)".contains("would scale it to 57344x224 first"), "\(error)")
        }
        XCTAssertEqual(try Preprocessor(PreprocessOptions(width: 224, height: 224)).image(from: frame).width, 224)
    }

    func testBadOptionsAreInvalidRequests() throws {
        let frames = try TestVideos.open("h264.mp4").frames(at: [1, 2, 3]).frames
        let bad: [PreprocessOptions] = [
            PreprocessOptions(width: 0, height: 224),
            PreprocessOptions(width: 8, height: 8, normalization: Normalization(std: [1, 0, 1])),
            PreprocessOptions(width: 8, height: 8, layout: .ncthw(clipLength: 2)),
        ]
        for options in bad {
            XCTAssertThrowsError(try Preprocessor(options).tensor(from: frames), "\(options)") { error in
                XCTAssertEqual((error as? VideoIOError)?.code, .invalidRequest, "\(error)")
            }
        }
    }
}
