// Log lines in Text and JSON with level filtering, and the shape of EMF records.
import XCTest
@testable import LambdaRuntime

final class LoggingAndMetricsTests: XCTestCase {
    func testJSONFormatHasLambdasFieldsAndFiltersByLevel() throws {
        let buffer = LineBuffer()
        let logger = LambdaLogger.fromEnvironment(["AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "warn"], sink: buffer.sink)
            .with(requestID: "req-1", tenantID: "tenant-7")
        logger.info("hidden")
        logger.warn("shown \"quoted\"")
        logger.error("also shown")
        XCTAssertEqual(buffer.lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(buffer.lines[0].utf8)) as? [String: String]
        XCTAssertEqual(first?["level"], "WARN")
        XCTAssertEqual(first?["message"], "shown \"quoted\"")
        XCTAssertEqual(first?["requestId"], "req-1")
        XCTAssertEqual(first?["tenantId"], "tenant-7")
        XCTAssertNotNil(try? #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/#.wholeMatch(in: first?["timestamp"] ?? ""))
    }

    /// As Lambda's managed runtimes log a failed invocation in JSON: errorType, errorMessage and
    /// stackTrace are fields of their own (a metric filter on errorType finds them); in text, one line.
    func testAFailedInvocationsLogLineCarriesTheErrorsFields() throws {
        let lines = LineBuffer()
        let client = MockRuntimeAPIClient([invocation("a")])
        let logger = LambdaLogger.fromEnvironment(["AWS_LAMBDA_LOG_FORMAT": "JSON"], sink: lines.sink)
        _ = LambdaRunLoop(client: client, environment: [:], logger: logger, metrics: MetricsEmitter(namespace: "T", dimensions: [], sink: LogSink { _ in }))
            .run { _ in ClosureHandler { _, _ in throw FunctionError("InvalidEvent", "no \"video\" field") } }
        let errorLines = try lines.lines.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["level"] as? String == "ERROR" }
        XCTAssertEqual(errorLines.count, 1, "\(lines.lines)")
        let line = try XCTUnwrap(errorLines.first)
        XCTAssertEqual(line["errorType"] as? String, "Function.InvalidEvent")
        XCTAssertEqual(line["errorMessage"] as? String, "no \"video\" field")
        XCTAssertEqual(line["message"] as? String, "Function.InvalidEvent: no \"video\" field")
        XCTAssertEqual(line["requestId"] as? String, "a")
        XCTAssertNotNil(line["stackTrace"] as? [String], "\(line)")

        let text = LineBuffer()
        LambdaLogger(format: .text, sink: text.sink).with(requestID: "b").error(ErrorReport(errorType: "Function.X", errorMessage: "why"))
        XCTAssertEqual(text.lines.count, 1)
        XCTAssertTrue(text.lines[0].hasSuffix("\tb\tERROR\tFunction.X: why"), text.lines[0])
    }

    func testTextFormatAndDefaults() {
        let buffer = LineBuffer()
        let logger = LambdaLogger.fromEnvironment([:], sink: buffer.sink)
        XCTAssertEqual(logger.format, .text)
        // Lambda sets no level with the Text format, and its runtimes then filter nothing.
        XCTAssertEqual(logger.minimumLevel, .trace)
        logger.debug("shown")
        XCTAssertEqual(buffer.lines.count, 1)
        // Four columns as Lambda's Node.js runtime writes them: time, request id, level, message.
        let columns = buffer.lines[0].split(separator: "\t", omittingEmptySubsequences: false)
        XCTAssertEqual(columns.count, 4, buffer.lines[0])
        XCTAssertEqual(Array(columns.dropFirst()), ["undefined", "DEBUG", "shown"], "no invocation: no request id")
        logger.with(requestID: "req-2").info("hello")
        XCTAssertTrue(buffer.lines[1].hasSuffix("\treq-2\tINFO\thello"), buffer.lines[1])
        // A message's line breaks would split it into several log events: one line, with \r instead.
        logger.error("failed:\n  detail one\r\n  detail two")
        XCTAssertTrue(buffer.lines[2].hasSuffix("\tERROR\tfailed:\r  detail one\r\r  detail two"), buffer.lines[2])
        XCTAssertEqual(LambdaLogger.fromEnvironment(["AWS_LAMBDA_LOG_LEVEL": "INFO"]).minimumLevel, .info)
        XCTAssertEqual(LambdaLogger.fromEnvironment(["AWS_LAMBDA_LOG_LEVEL": "nonsense"]).minimumLevel, .trace)
    }

    func testISO8601HasMillisecondsInUTC() {
        XCTAssertEqual(LambdaLogger.iso8601(Date(timeIntervalSince1970: 1_700_000_000.123)), "2023-11-14T22:13:20.123Z")
    }

    func testEMFRecordDeclaresEachMetricAndCarriesTheValues() throws {
        let buffer = LineBuffer()
        MetricsEmitter(namespace: "VideoLambda", dimensions: [("FunctionName", "video-moderation")], sink: buffer.sink)
            .emit([("InitDuration", 812.5, .milliseconds), ("Frames", 16, .count)], timestamp: Date(timeIntervalSince1970: 1))
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer.lines[0].utf8)) as? [String: Any])
        let aws = try XCTUnwrap(record["_aws"] as? [String: Any])
        XCTAssertEqual(aws["Timestamp"] as? Int, 1000)
        let directive = try XCTUnwrap((aws["CloudWatchMetrics"] as? [[String: Any]])?.first)
        XCTAssertEqual(directive["Namespace"] as? String, "VideoLambda")
        XCTAssertEqual(directive["Dimensions"] as? [[String]], [["FunctionName"]])
        XCTAssertEqual((directive["Metrics"] as? [[String: String]])?.map { $0["Name"] ?? "" }, ["InitDuration", "Frames"])
        XCTAssertEqual((directive["Metrics"] as? [[String: String]])?.first?["Unit"], "Milliseconds")
        XCTAssertEqual(record["FunctionName"] as? String, "video-moderation")
        XCTAssertEqual(record["InitDuration"] as? Double, 812.5)
        XCTAssertEqual(record["Frames"] as? Int, 16)
    }

    /// Lambda filters JSON log lines by their `level` and counts one without it as INFO: with the
    /// level set above INFO, metric records carry it, or every metric would be filtered out.
    func testEMFRecordsPassLambdasLogLevelFilter() throws {
        func level(_ environment: [String: String]) throws -> String? {
            let buffer = LineBuffer()
            MetricsEmitter.fromEnvironment(environment, sink: buffer.sink).emit([("InitDuration", 5, .milliseconds)])
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer.lines[0].utf8)) as? [String: Any])
            XCTAssertEqual(record["InitDuration"] as? Int, 5)
            // Without an RFC 3339 timestamp Lambda would count the line as INFO all the same.
            let timestamp = record["timestamp"] as? String
            XCTAssertEqual(timestamp == nil, record["level"] == nil)
            if let timestamp { XCTAssertNotNil(timestamp.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#), timestamp) }
            return record["level"] as? String
        }
        XCTAssertEqual(try level(["AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "WARN"]), "WARN")
        XCTAssertEqual(try level(["AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "error"]), "ERROR")
        XCTAssertEqual(try level(["AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"]), "INFO")
        XCTAssertEqual(try level(["AWS_LAMBDA_LOG_FORMAT": "JSON"]), "INFO")
        XCTAssertNil(try level([:]), "text logs are not filtered by level")
    }

    func testPreparedRecordIsStampedNowAndWritesOnlyFiniteNumbers() throws {
        let buffer = LineBuffer()
        let prepared = MetricsEmitter(namespace: "VideoLambda", dimensions: [("FunctionName", "f")], sink: buffer.sink)
            .prepared([("Duration", .milliseconds), ("Frames", .count)])
        let before = Int(Date().timeIntervalSince1970 * 1000)
        prepared.emit(12.25, .nan)
        prepared.emit(.infinity, .nan)
        prepared.emit(3, 16)
        let after = Int(Date().timeIntervalSince1970 * 1000)
        XCTAssertEqual(buffer.lines.count, 2)
        let records = try buffer.lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let stamp = try XCTUnwrap((records[0]["_aws"] as? [String: Any])?["Timestamp"] as? Int)
        XCTAssertTrue((before...after).contains(stamp), "\(stamp) not in \(before)...\(after)")
        XCTAssertEqual(records[0]["Duration"] as? Double, 12.25)
        XCTAssertNil(records[0]["Frames"], "NaN has no JSON number: the metric is left out")
        let firstNames = ((records[0]["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]])?.first?["Metrics"] as? [[String: String]]
        XCTAssertEqual(firstNames?.map { $0["Name"] ?? "" }, ["Duration"], "and so is its definition")
        XCTAssertEqual(records[1]["Frames"] as? Int, 16)
        XCTAssertEqual(records[1]["FunctionName"] as? String, "f")
        let names = ((records[1]["_aws"] as? [String: Any])?["CloudWatchMetrics"] as? [[String: Any]])?.first?["Metrics"] as? [[String: String]]
        XCTAssertEqual(names?.map { $0["Name"] ?? "" }, ["Duration", "Frames"])
    }

    /// Metric lines the loop writes over two invocations with this environment.
    private func loopMetricLines(environment: [String: String]) -> [String] {
        let metrics = LineBuffer()
        let client = MockRuntimeAPIClient([invocation("a"), invocation("b")])
        _ = LambdaRunLoop(client: client, environment: environment, logger: LambdaLogger(minimumLevel: .fatal, sink: LogSink { _ in }),
                          metrics: MetricsEmitter(namespace: "T", dimensions: [], sink: metrics.sink))
            .run { _ in ClosureHandler { event, _ in event } }
        return metrics.lines
    }

    func testLoopEmitsInitDurationOnceAndNoPerInvocationRecordByDefault() {
        let lines = loopMetricLines(environment: [:])
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines[0].contains("\"InitDuration\":"), lines[0])
    }

    func testLoopEmitsADurationRecordPerInvocationWhenAskedTo() {
        let lines = loopMetricLines(environment: [LambdaRunLoop<MockRuntimeAPIClient>.durationMetricVariable: "1"])
        XCTAssertEqual(lines.count, 3, "\(lines)")
        XCTAssertTrue(lines[0].contains("\"InitDuration\":"), lines[0])
        XCTAssertTrue(lines[1].contains("\"Duration\":") && lines[2].contains("\"Duration\":"), "\(lines)")
    }
}
