// Telling public addresses from the ones an event must never reach.
import XCTest
@testable import ObjectStore

final class NetworkAddressTests: XCTestCase {
    func testClassifiesAddresses() {
        let blocked = ["0.0.0.0", "10.0.0.1", "127.0.0.1", "100.100.1.1", "169.254.169.254", "172.31.255.255", "192.168.1.1",
                       "192.0.2.5", "198.18.0.1", "224.0.0.1", "255.255.255.255", "::", "::1", "fe80::1", "fc00::1",
                       "ff02::1", "2001:db8::1", "::ffff:10.0.0.1", "64:ff9b::a00:1"]
        for text in blocked {
            XCTAssertEqual(NetworkAddress(literal: text)?.isPublic, false, text)
        }
        for text in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "52.216.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            XCTAssertEqual(NetworkAddress(literal: text)?.isPublic, true, text)
        }
        XCTAssertNil(NetworkAddress(literal: "example.com"))
        XCTAssertEqual(NetworkAddress(literal: "::ffff:8.8.8.8")?.text, "::ffff:8.8.8.8")
    }
}
