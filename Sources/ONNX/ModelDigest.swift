// The sha256 of a model's bytes, computed on another thread while the caller parses them.
import Crypto
import Dispatch

final class ModelDigest: @unchecked Sendable {
    private let done = DispatchGroup()
    /// Written once by the hashing thread before it leaves `done`; read only after waiting on it.
    private var hex = ""
    /// The bytes until they are hashed: dropped by the hashing thread then, so that once `check`
    /// returns nothing here keeps them alive.
    private var bytes: [UInt8]?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            hex = SHA256.hash(data: self.bytes!).map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
            self.bytes = nil
            done.leave()
        }
    }

    /// The digest in lowercase hex, or a sha256Mismatch error when `pin` (hex, any case) names other
    /// bytes; waits for the hashing thread.
    @discardableResult
    func check(_ pin: String?, source: String) throws -> String {
        done.wait()
        let digest = hex
        if let pin, pin.lowercased() != digest {
            throw ModelError(.sha256Mismatch, "\(source): the model's sha256 is \(digest), expected \(pin.lowercased()): it is not the model pinned")
        }
        return digest
    }
}
