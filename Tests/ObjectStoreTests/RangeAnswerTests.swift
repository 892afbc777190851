// Servers that answer a ranged GET with something other than the range: the reader must refuse the
// bytes (they would be cached as the range asked for) and say what the server did.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class RangeAnswerTests: XCTestCase {
    /// 2,008,000 bytes whose value at offset i is i % 251, so a block from the wrong place shows.
    private static let objectPython = "data = bytes(range(251)) * 8000"
    private static let objectSize = 251 * 8000

    /// A server that answers Range with 206 from `firstByte` (a Python expression over `start`, the
    /// first byte asked for).
    private func rangeServer(firstByte: String) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer(doGET: """
            \(Self.objectPython)
            asked = re.match(r"bytes=(\\d+)-(\\d+)", self.headers.get("Range", ""))
            start, end = int(asked.group(1)), min(int(asked.group(2)), len(data) - 1)
            first = \(firstByte)
            body = data[first:first + end - start + 1]
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, first + len(body) - 1, len(data)))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """)
    }

    private func store(_ server: ScriptedHTTPServer) -> ObjectStore {
        ObjectStore(policy: AccessPolicy(allowedRoots: []),
                    s3: S3Configuration(credentials: nil, region: "us-east-1", endpoint: server.endpoint))
    }

    private func read(_ reader: ObjectReader, at offset: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try reader.read(at: offset, into: $0) }
        return Array(bytes.prefix(got))
    }

    /// The control: a server that sends the range asked for is read correctly far into the object.
    func testTheRangeAskedForIsRead() throws {
        let server = try rangeServer(firstByte: "start")
        let reader = try store(server).reader(for: "s3://videos/a.mp4", pattern: .scattered)
        XCTAssertEqual(reader.size, Int64(Self.objectSize))
        let offset: Int64 = 1_500_001
        XCTAssertEqual(try read(reader, at: offset, count: 100), (0..<100).map { UInt8((Int(offset) + $0) % 251) })
    }

    /// A 206 from another place (here always from byte 0, as a broken cache might) is refused.
    func testA206FromAnotherPlaceIsRefused() throws {
        let server = try rangeServer(firstByte: "0")
        // The opening fetch starts at byte 0, so it is right; a read further on is not.
        let reader = try store(server).reader(for: "s3://videos/a.mp4", pattern: .scattered)
        XCTAssertThrowsError(try read(reader, at: 1_500_001, count: 100)) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .badResponse, "\(error)")
            XCTAssertTrue("\(error)".contains("the answer's Content-Range is 'bytes 0-"), "\(error)")
        }
    }

    /// A server that sends the whole object, with `status` and `headers` (Python expressions over
    /// `data`), to every GET: opening a reader on it fails with a bad response saying `message`.
    private func assertOpeningIsRefused(status: Int, headers: [String: String], _ message: String, line: UInt = #line) throws {
        let sent = headers.map { "self.send_header(\"\($0.key)\", \($0.value))" }.sorted().joined(separator: "\n")
        let server = try ScriptedHTTPServer(doGET: """
            \(Self.objectPython)
            self.send_response(\(status))
            \(sent)
            self.end_headers()
            self.wfile.write(data)
            """)
        XCTAssertThrowsError(try store(server).reader(for: "s3://videos/a.mp4", pattern: .scattered), line: line) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .badResponse, "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(message), "\(error)", line: line)
        }
    }

    /// A server that ignores Range and sends the whole object is named as such.
    func testAServerThatIgnoresRangeIsNamed() throws {
        try assertOpeningIsRefused(status: 200, headers: ["Content-Length": "str(len(data))"], "the server ignored the Range header")
    }

    /// A 206 longer than the range asked for is a bad answer, not an object over the size limit.
    func testA206LongerThanTheRangeIsABadResponse() throws {
        try assertOpeningIsRefused(status: 206, headers: ["Content-Length": "str(len(data))",
                                                          "Content-Range": "\"bytes 0-%d/%d\" % (len(data) - 1, len(data))"],
                                   "more than the 262144 bytes of the range asked for")
    }
}
