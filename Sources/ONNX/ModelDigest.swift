// The sha256 of a model's bytes, computed on another thread while the caller parses them.
import Crypto
import Foundation

final class ModelDigest: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the hashing thread before it signals `done`; read only after waiting on it.
    private var hex = ""
    private var waited = false

    init(_ bytes: [UInt8]) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            hex = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            done.signal()
        }
    }

    /// The digest in lowercase hex; waits for the hashing thread the first time.
    var value: String {
        if !waited { done.wait(); waited = true }
        return hex
    }

    /// The digest, or a sha256Mismatch error when `pin` (hex, any case) names other bytes.
    @discardableResult
    func check(_ pin: String?, source: String) throws -> String {
        let digest = value
        if let pin, pin.lowercased() != digest {
            throw ModelError(.sha256Mismatch, "\(source): the model's sha256 is \(digest), expected \(pin.lowercased()): it is not the model pinned")
        }
        return digest
    }
}
