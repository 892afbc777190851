// Arguments read from /proc/self/cmdline: what the deploy build's bootstrap takes its function from.
import XCTest
@testable import LambdaRuntime
#if canImport(Glibc)
import Glibc
#endif

final class ProcessArgumentsTests: XCTestCase {
    func testSplittingKeepsEmptyArgumentsAndDropsTheLastTerminator() {
        XCTAssertEqual(ProcessArguments.split(Array("bootstrap\0video-moderation\0".utf8)), ["bootstrap", "video-moderation"])
        XCTAssertEqual(ProcessArguments.split(Array("a\0\0c\0".utf8)), ["a", "", "c"])
        XCTAssertEqual(ProcessArguments.split(Array("no-terminator".utf8)), ["no-terminator"])
    }

    /// A setenv that moves `environ` (as COpenBLASLoader's constructor does on Zen 4, before a static
    /// standard library looks for argv there) does not touch what the kernel holds.
    func testTheArgumentsSurviveAnEnvironmentThatMoved() {
        let before = ProcessArguments.current()
        for index in 0..<64 { setenv("VIDEO_LAMBDA_ARGUMENTS_TEST_\(index)", "x", 1) }
        defer { for index in 0..<64 { unsetenv("VIDEO_LAMBDA_ARGUMENTS_TEST_\(index)") } }
        XCTAssertEqual(ProcessArguments.current(), before)
        XCTAssertEqual(before, CommandLine.arguments, "this test binary's standard library is dynamic: both read argv")
    }
}
