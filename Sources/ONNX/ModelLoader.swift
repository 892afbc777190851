// Loading a model: bytes (zstd or plain) → verified → ONNX protobuf → the engine's graph.
import Crypto
import Foundation
import Inference
import SwiftProtobuf

public enum ModelLoader {
    /// Loads the model at `path` (`.onnx` or zstd-compressed `.onnx.zst`).
    public static func load(path: String, sha256: String? = nil) throws -> Model {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(.io, "\(path): cannot read the model file")
        }
        return try load(bytes: [UInt8](data), source: path, sha256: sha256)
    }

    /// Loads a model from its file bytes. `sha256` (hex) pins the ONNX model itself, i.e. the
    /// decompressed bytes (`zstd -dc model.onnx.zst | sha256sum`), so recompressing with another
    /// level or zstd version keeps the pin valid.
    public static func load(bytes: [UInt8], source: String, sha256 pin: String? = nil) throws -> Model {
        let modelBytes = ZstdDecompressor.isCompressed(bytes) ? try ZstdDecompressor.decompress(bytes, source: source) : bytes
        let digest = SHA256.hash(data: modelBytes).map { String(format: "%02x", $0) }.joined()
        if let pin, pin.lowercased() != digest {
            throw ModelError(.sha256Mismatch, "\(source): the model's sha256 is \(digest), expected \(pin.lowercased()): it is not the model pinned")
        }
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: modelBytes) }
        catch { throw ModelError(.notONNX, "\(source): not an ONNX model (protobuf decoding failed: \(error))") }
        guard proto.irVersion > 0, proto.hasGraph, !proto.graph.output.isEmpty else {
            throw ModelError(.notONNX, "\(source): not an ONNX model (no IR version or graph outputs)")
        }
        let opset = proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int($0.version) } ?? 1
        guard OperatorRegistry.supportedOpsets.contains(opset) else {
            let range = OperatorRegistry.supportedOpsets
            throw ModelError(.unsupportedOpset, "\(source): opset \(opset) is not supported (\(range.lowerBound) to \(range.upperBound) are); convert the model with onnx.version_converter")
        }
        let graph = try GraphBuilder(proto: proto.graph, opset: opset, source: source).build()
        var metadata: [String: String] = [:]
        for entry in proto.metadataProps { metadata[entry.key] = entry.value }
        return Model(graph: graph, opset: opset, producer: proto.producerName, metadata: metadata, sha256: digest)
    }
}
