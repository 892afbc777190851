// Loading a model: bytes (zstd or plain) → verified → ONNX protobuf → the engine's graph.
import Glibc
import Inference
import SwiftProtobuf

public enum ModelLoader {
    /// An ONNX model is one protobuf message, which cannot exceed 2 GiB, and a model cannot need more
    /// than the memory this process may use. Files and decompressed streams past this are refused
    /// before memory is set aside for them.
    public static let maximumModelBytes = min(Int(Int32.max), MemoryLimit.bytes)

    /// How an error names the limit `bytes`, saying where it comes from when it is the model limit.
    static func limitText(_ bytes: Int) -> String {
        let source = bytes == maximumModelBytes ? " (2 GiB, or the memory this process may use when that is less)" : ""
        return "over the \(bytes)-byte limit of a model\(source)"
    }

    /// Loads the model at `path` (`.onnx` or zstd-compressed `.onnx.zst`).
    public static func load(path: String, sha256: String? = nil) throws -> Model {
        FreedMemoryReuse.enable
        let bytes = try readFile(path)
        try checkCompressed(bytes, path: path)
        return try load(bytes: consume bytes, source: path, sha256: sha256)
    }

    /// Loads a model from its file bytes. `sha256` (hex) pins the ONNX model itself, i.e. the
    /// decompressed bytes (`zstd -dc model.onnx.zst | sha256sum`), so recompressing with another
    /// level or zstd version keeps the pin valid.
    ///
    /// Each stage's input is released as soon as the next stage has what it needs (the file once
    /// decompressed, the model bytes once parsed), so the next stage's allocations reuse its pages
    /// (`FreedMemoryReuse`).
    public static func load(bytes: consuming [UInt8], source: String, sha256 pin: String? = nil) throws -> Model {
        FreedMemoryReuse.enable
        let (proto, digest) = try parse(try decompressed(consume bytes, source: source), source: source, pin: pin)
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

    private static func decompressed(_ bytes: consuming [UInt8], source: String) throws -> [UInt8] {
        ZstdDecompressor.isCompressed(bytes) ? try ZstdDecompressor.decompress(bytes, source: source) : bytes
    }

    /// A file named .zst whose bytes are not zstd: said so, rather than what the protobuf parser
    /// makes of them ("malformedProtobuf").
    private static func checkCompressed(_ bytes: [UInt8], path: String) throws {
        guard path.hasSuffix(".zst"), !ZstdDecompressor.isCompressed(bytes) else { return }
        let start = bytes.prefix(4).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        throw ModelError(.notONNX, "\(path): named .zst but not zstd-compressed (it starts \(start.isEmpty ? "with nothing" : start.joined(separator: " ")), not 28 b5 2f fd); compress the model with `zstd -19`")
    }

    /// The protobuf and the model's sha256. Hashing a large model takes as long as parsing it: the
    /// two run side by side, and a pin that does not match wins over whatever the parse found.
    private static func parse(_ modelBytes: consuming [UInt8], source: String, pin: String?) throws -> (Onnx_ModelProto, String) {
        let hashing = ModelDigest(copy modelBytes)
        let integerBytes = IntegerDataBudget.decodedBytes(ofModel: modelBytes)
        // Loading holds the model twice at its peak: the file's bytes while they are parsed, the
        // parsed tensors while they become the graph's (a 700 MB model took 1.45 GB).
        let needed = 2 * modelBytes.count + integerBytes
        guard needed <= MemoryLimit.bytes else {
            try hashing.check(pin, source: source)
            let integers = integerBytes > 0 ? "; its integer tensor data would take \(integerBytes) bytes once decoded (each value a byte or two in the file, up to eight in memory, twice)" : ""
            throw ModelError(.tooLarge, "\(source): loading it takes about \(needed) bytes (its \(modelBytes.count) bytes twice, as the file's and as the tensors made from them\(integers)), more than the \(MemoryLimit.bytes) bytes this process may use")
        }
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: consume modelBytes) }
        catch {
            try hashing.check(pin, source: source)
            throw ModelError(.notONNX, "\(source): not an ONNX model (protobuf decoding failed: \(error))")
        }
        return (proto, try hashing.check(pin, source: source))
    }

    /// The whole file in one array, read with no intermediate copy.
    private static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelError(.io, "\(path): cannot open the model file (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw ModelError(.io, "\(path): not a regular file")
        }
        let size = Int(status.st_size)
        // Checked before the read sets memory aside: a file larger than any model could be (a wrong
        // path, a video) is an error, not a process the kernel kills. A compressed model is smaller
        // than its content, which decompression checks again.
        guard size <= maximumModelBytes else {
            throw ModelError(.tooLarge, "\(path): the file holds \(size) bytes, \(limitText(maximumModelBytes))")
        }
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = read(fd, buffer.baseAddress! + count, size - count)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw ModelError(.io, "\(path): cannot read the model file (\(got < 0 ? String(cString: strerror(errno)) : "it ended early"))") }
                count += got
            }
        }
    }
}
