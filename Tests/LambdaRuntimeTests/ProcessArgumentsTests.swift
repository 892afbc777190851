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

    /// What the kernel holds, unchanged by a setenv that moves `environ`. (This test binary's standard
    /// library is dynamic, so CommandLine reads argv too; the deploy build's fault is tested in
    /// RuntimeProcessTests.testTheDeployBuildServesTheFunctionItsArgumentNames.)
    func testTheArgumentsAreWhatTheProcessWasStartedWith() {
        let before = ProcessArguments.current()
        for index in 0..<64 { setenv("VIDEO_LAMBDA_ARGUMENTS_TEST_\(index)", "x", 1) }
        defer { for index in 0..<64 { unsetenv("VIDEO_LAMBDA_ARGUMENTS_TEST_\(index)") } }
        XCTAssertEqual(ProcessArguments.current(), before)
        XCTAssertEqual(before, CommandLine.arguments, "this test binary's standard library is dynamic: both read argv")
    }
}
