// template.yaml passes cfn-lint with no errors or warnings and transforms with the SAM translator.
import Foundation
import TestServers
import XCTest

final class TemplateTests: XCTestCase {
    /// Runs a tool from the project's .venv; returns its exit status and combined output.
    static func runTool(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let path = RepoPaths.root.appendingPathComponent(".venv/bin/\(tool)").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw XCTSkip("\(path) is missing: run `make deps`") }
        let run = try CommandRun.run(path, arguments, in: RepoPaths.root)
        return (run.status, run.output)
    }

    func testCfnLintReportsNothing() throws {
        let (status, output) = try Self.runTool("cfn-lint", ["template.yaml"])
        XCTAssertEqual(status, 0, "cfn-lint found problems:\n\(output)")
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "", "cfn-lint printed:\n\(output)")
    }

    /// cfn-lint on the SAM file sees the resources as written; CloudFormation gets what the SAM
    /// transform makes of them (permissions, notification configurations, roles), where a circular
    /// dependency or a bad generated property shows. That must be clean too.
    func testTheTransformedTemplatePassesCfnLint() throws {
        let (status, output) = try withTransformedTemplate { try Self.runTool("cfn-lint", [$0]) }
        XCTAssertEqual(status, 0, "cfn-lint found problems in the transformed template:\n\(output)")
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "", "cfn-lint printed:\n\(output)")
    }

    /// Runs `body` on the path of the template as CloudFormation gets it (after the SAM
    /// transform), a temporary file removed afterwards.
    private func withTransformedTemplate<T>(_ body: (String) throws -> T) throws -> T {
        let transformed = FileManager.default.temporaryDirectory.appendingPathComponent("transformed-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: transformed) }
        let (status, output) = try Self.runTool("python", ["scripts/check_template.py", "template.yaml", "--output", transformed])
        XCTAssertEqual(status, 0, output)
        return try body(transformed)
    }

    /// The resources of the transformed template, parsed.
    private func transformedResources() throws -> [String: [String: Any]] {
        let template = try withTransformedTemplate { path in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        }
        return try XCTUnwrap(template["Resources"] as? [String: [String: Any]])
    }

    /// Each SQS source's queue keeps a message invisible for at least six times its function's
    /// timeout (AWS's rule: a batch still running when it reappears would run twice), and no role
    /// may touch every queue (SAM's default SQS policy allows any queue in the account).
    func testQueuesOutlastTheirFunctionsAndRolesNameTheirQueues() throws {
        let resources = try transformedResources()
        let mappings = resources.values.filter { $0["Type"] as? String == "AWS::Lambda::EventSourceMapping" }
        XCTAssertFalse(mappings.isEmpty)
        for mapping in mappings {
            let properties = try XCTUnwrap(mapping["Properties"] as? [String: Any])
            let function = try XCTUnwrap((properties["FunctionName"] as? [String: Any])?["Ref"] as? String)
            let queue = try XCTUnwrap(((properties["EventSourceArn"] as? [String: Any])?["Fn::GetAtt"] as? [String])?.first)
            let timeout = try XCTUnwrap((resources[function]?["Properties"] as? [String: Any])?["Timeout"] as? Int)
            let visibility = try XCTUnwrap((resources[queue]?["Properties"] as? [String: Any])?["VisibilityTimeout"] as? Int)
            XCTAssertGreaterThanOrEqual(visibility, 6 * timeout, "\(queue) for \(function)")
        }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: resources), as: UTF8.self)
        XCTAssertFalse(text.contains("AWSLambdaSQSQueueExecutionRole"), "a role may read every queue in the account")
        // What replaces it: the orientation role may receive and delete messages of its own queue.
        let role = try XCTUnwrap(resources["VideoOrientationRole"]?["Properties"] as? [String: Any])
        let statements = ((role["Policies"] as? [[String: Any]])?.first?["PolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]] ?? []
        let sqs = try XCTUnwrap(statements.first { ($0["Action"] as? [String])?.contains("sqs:ReceiveMessage") == true })
        XCTAssertEqual(Set(sqs["Action"] as? [String] ?? []), ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])
        XCTAssertEqual((sqs["Resource"] as? [String: Any])?["Fn::GetAtt"] as? [String], ["OrientationQueue", "Arn"])
    }

    /// Each function logs JSON to a log group of its own that expires (one Lambda creates itself
    /// keeps logs forever), and the queue's trigger runs a bounded number of instances (unbounded, a
    /// burst takes the account's concurrency and throttled messages count towards the DLQ).
    func testLogsExpireAndTheQueueTriggerIsBounded() throws {
        let resources = try transformedResources()
        let functions = resources.filter { $0.value["Type"] as? String == "AWS::Lambda::Function" }
        XCTAssertEqual(functions.count, 2)
        for (name, function) in functions {
            let logging = try XCTUnwrap((function["Properties"] as? [String: Any])?["LoggingConfig"] as? [String: Any], name)
            XCTAssertEqual(logging["LogFormat"] as? String, "JSON", name)
            let group = try XCTUnwrap((logging["LogGroup"] as? [String: Any])?["Ref"] as? String, name)
            XCTAssertEqual(resources[group]?["Type"] as? String, "AWS::Logs::LogGroup", name)
            XCTAssertNotNil((resources[group]?["Properties"] as? [String: Any])?["RetentionInDays"], name)
        }
        let mappings = resources.values.filter { $0["Type"] as? String == "AWS::Lambda::EventSourceMapping" }
        for mapping in mappings {
            let scaling = (mapping["Properties"] as? [String: Any])?["ScalingConfig"] as? [String: Any]
            XCTAssertNotNil(scaling?["MaximumConcurrency"], "\(mapping)")
        }
    }

    /// The input bucket's name is written out wherever the moderation function names it (a !Ref
    /// there would close a dependency cycle): every copy must be the bucket's own.
    func testEveryCopyOfTheInputBucketNameIsTheBucketsOwn() throws {
        let text = try String(contentsOf: RepoPaths.root.appendingPathComponent("template.yaml"), encoding: .utf8)
        let stackUUID = #"StackUUID: !Select [2, !Split ["/", !Ref AWS::StackId]]"#
        XCTAssertEqual(text.components(separatedBy: "video-lambda-input-${StackUUID}").count - 1, 4, "bucket name, allowed buckets, two policy resources")
        XCTAssertEqual(text.components(separatedBy: stackUUID).count - 1, 4, "each copy derives StackUUID the same way")
    }

    func testTheSAMTranslatorProducesTheStack() throws {
        let (status, output) = try Self.runTool("python", ["scripts/check_template.py", "template.yaml"])
        XCTAssertEqual(status, 0, output)
        for expected in ["VideoModerationFunction AWS::Lambda::Function", "VideoOrientationFunction AWS::Lambda::Function",
                         "VideoModerationFunctionVideoUploadedPermission AWS::Lambda::Permission",
                         "VideoOrientationFunctionOrientationRequests AWS::Lambda::EventSourceMapping",
                         "OrientationDeadLetterQueue AWS::SQS::Queue",
                         "VideoModerationFunctionEventInvokeConfig AWS::Lambda::EventInvokeConfig", "InputBucket AWS::S3::Bucket", "OutputBucket AWS::S3::Bucket"] {
            XCTAssertTrue(output.contains(expected), "missing \(expected) in:\n\(output)")
        }
    }

    /// Both functions may analyse one video (an upload sent to the queue too): each writes under its
    /// own folder, and its policy lets it write only there.
    func testEachFunctionWritesResultsUnderItsOwnFolderAndOnlyThere() throws {
        let text = try String(contentsOf: RepoPaths.root.appendingPathComponent("template.yaml"), encoding: .utf8)
        for function in ["video-moderation", "video-orientation"] {
            XCTAssertEqual(text.components(separatedBy: #"OUTPUT_URI: !Sub "s3://${OutputBucket}/${ResultsPrefix}\#(function)/<key>.json""#).count - 1, 1,
                           "\(function)'s OUTPUT_URI")
            XCTAssertEqual(text.components(separatedBy: #"Resource: !Sub "arn:${AWS::Partition}:s3:::${OutputBucket}/${ResultsPrefix}\#(function)/*""#).count - 1, 1,
                           "\(function)'s PutObject resource")
        }
        XCTAssertEqual(text.components(separatedBy: "Action: s3:PutObject").count - 1, 2, "one PutObject grant per function")
    }
}
