// Loading: plain and zstd models, and every way a model file can be wrong, each a clear typed error.
import Foundation
import Inference
import XCTest
@testable import ONNX

final class ModelLoaderTests: XCTestCase {
    /// y = Relu(x) + b, with x of shape [N, 3]; opset and extra nodes configurable.
    static func model(opset: Int64 = 17, extraNodes: [Onnx_NodeProto] = []) -> Onnx_ModelProto {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opsetImport = Onnx_OperatorSetIdProto()
        opsetImport.version = opset
        model.opsetImport = [opsetImport]
        var relu = Onnx_NodeProto()
        relu.opType = "Relu"; relu.name = "relu"; relu.input = ["x"]; relu.output = ["r"]
        var add = Onnx_NodeProto()
        add.opType = "Add"; add.name = "add"; add.input = ["r", "b"]; add.output = ["y"]
        model.graph.node = [relu, add] + extraNodes
        model.graph.initializer = [Tensor(float32: [1, 2, 3], shape: [3]).onnxProto(name: "b")]
        func info(_ name: String, _ dims: [Int64?]) -> Onnx_ValueInfoProto {
            var value = Onnx_ValueInfoProto()
            value.name = name
            var tensor = Onnx_TypeProto.Tensor()
            tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            tensor.shape.dim = dims.map { size in
                var dimension = Onnx_TensorShapeProto.Dimension()
                if let size { dimension.dimValue = size } else { dimension.dimParam = "batch" }
                return dimension
            }
            value.type.tensorType = tensor
            return value
        }
        model.graph.input = [info("x", [nil, 3])]
        model.graph.output = [info("y", [nil, 3])]
        return model
    }

    private func bytes(_ model: Onnx_ModelProto) throws -> [UInt8] { try model.serializedBytes() }

    /// `bytes` through the zstd CLI. Read from a pipe, zstd cannot know the size, so the frame then
    /// declares none (the loader must not rely on it).
    private func compressed(_ bytes: [UInt8], throughPipe: Bool = false) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("model.onnx")
        try Data(bytes).write(to: plain)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", throughPipe ? "cat \"$0\" | zstd -q -19 -c > \"$0.zst\"" : "zstd -q -19 \"$0\"", plain.path]
        try process.run()
        process.waitUntilExit()
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: plain.path + ".zst")))
    }

    private func assertError(_ code: ModelError.Code, containing text: String, line: UInt = #line, _ body: () throws -> Any) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertEqual((error as? ModelError)?.code, code, "\(error)", line: line)
            XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
        }
    }

    func testPlainAndCompressedModelsRunTheSame() throws {
        let plain = try bytes(Self.model())
        let zst = try compressed(plain)
        XCTAssertLessThan(zst.count, plain.count)
        for file in [plain, zst] {
            let model = try ModelLoader.load(bytes: file, source: "model")
            XCTAssertEqual(model.graph.inputs, [GraphInput(name: "x", elementType: .float32, shape: [nil, 3])])
            let session = try Session(graph: model.graph)
            XCTAssertEqual(try session.run(["x": Tensor(float32: [-1, 0, 1, 2, -2, 5], shape: [2, 3])])["y"]?.floats, [1, 2, 4, 3, 2, 8])
        }
    }

    func testFramesWithoutDeclaredSizeAndSeveralFramesLoad() throws {
        let plain = try bytes(Self.model())
        let undeclared = try compressed(plain, throughPipe: true)
        let twoFrames = try compressed(Array(plain.prefix(plain.count / 2))) + compressed(Array(plain.suffix(from: plain.count / 2)))
        let expected = try ModelLoader.load(bytes: plain, source: "plain").sha256
        for file in [undeclared, twoFrames] {
            XCTAssertEqual(try ModelLoader.load(bytes: file, source: "model.onnx.zst").sha256, expected)
        }
        assertError(.corruptCompression, containing: "truncated") { try ModelLoader.load(bytes: Array(twoFrames.dropLast(10)), source: "model.onnx.zst") }
    }

    /// A stream that declares or produces more than a model can be is refused before memory is set
    /// aside: a 16-byte frame declaring 2^39 bytes made the loader allocate them.
    func testStreamsLargerThanAModelAreRefused() throws {
        let declares512GiB: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xE0] + withUnsafeBytes(of: (UInt64(1) << 39).littleEndian, Array.init) + [0x01, 0x00, 0x00]
        assertError(.tooLarge, containing: "549755813888 bytes or more, over the \(ModelLoader.maximumModelBytes)-byte limit") {
            try ModelLoader.load(bytes: declares512GiB, source: "huge.onnx.zst")
        }
        let undeclared = try compressed(try bytes(Self.model()), throughPipe: true)
        assertError(.tooLarge, containing: "over the 100-byte limit") {
            try ZstdDecompressor.decompress(undeclared, source: "model.onnx.zst", maximumBytes: 100)
        }
    }

    /// A file larger than a model can be is refused by its size, before the read sets memory aside
    /// for it (a wrong path naming a video or a disk image would otherwise be read whole). The file
    /// is sparse: it takes no disk.
    func testFilesLargerThanAModelAreRefusedBeforeReading() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(getpid()).onnx").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let size = ModelLoader.maximumModelBytes + 1
        XCTAssertEqual(truncate(path, off_t(size)), 0)
        assertError(.tooLarge, containing: "the file holds \(size) bytes, over the \(ModelLoader.maximumModelBytes)-byte limit") {
            try ModelLoader.load(path: path)
        }
    }

    /// An initializer's data is checked against its shape before the tensor is made: 20 bytes claiming
    /// 2^30 int64 values would have 8 GiB set aside and zeroed before the error.
    func testInitializerDataIsCheckedBeforeTheTensorIsMade() {
        var proto = Onnx_TensorProto()
        proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        proto.dims = [1 << 30]
        proto.int64Data = [1, 2]
        assertError(.invalidModel, containing: "w: 2 values for shape [1073741824]") { try Tensor(onnx: proto, what: "w") }
        proto.int64Data = []
        proto.rawData = Data(count: 20)
        assertError(.invalidModel, containing: "w: 20 bytes of data for 1073741824 int64 elements") { try Tensor(onnx: proto, what: "w") }
    }

    func testLoadingFromAPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString).onnx.zst").path
        try Data(try compressed(try bytes(Self.model()))).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try ModelLoader.load(path: path).graph.outputs.count, 1)
        assertError(.io, containing: "cannot open") { try ModelLoader.load(path: path + ".missing") }
        assertError(.io, containing: "not a regular file") { try ModelLoader.load(path: FileManager.default.temporaryDirectory.path) }
    }

    func testCorruptAndTruncatedCompression() throws {
        let zst = try compressed(try bytes(Self.model()))
        assertError(.corruptCompression, containing: "truncated") { try ModelLoader.load(bytes: Array(zst.prefix(zst.count - 10)), source: "model.onnx.zst") }
        var flipped = zst
        flipped[flipped.count - 2] ^= 0xFF // inside the frame's content checksum
        assertError(.checksumMismatch, containing: "checksum") { try ModelLoader.load(bytes: flipped, source: "model.onnx.zst") }
        var garbage = zst
        for i in 8..<min(40, garbage.count) { garbage[i] = 0xA5 }
        XCTAssertThrowsError(try ModelLoader.load(bytes: garbage, source: "model.onnx.zst")) { error in
            let code = (error as? ModelError)?.code
            XCTAssertTrue(code == .corruptCompression || code == .checksumMismatch, "\(error)")
        }
    }

    func testSha256Pin() throws {
        let file = try bytes(Self.model())
        let model = try ModelLoader.load(bytes: file, source: "m")
        XCTAssertNoThrow(try ModelLoader.load(bytes: file, source: "m", sha256: model.sha256.uppercased()))
        assertError(.sha256Mismatch, containing: "expected 00") { try ModelLoader.load(bytes: file, source: "m", sha256: String(repeating: "0", count: 64)) }
        // Bytes that are not the pinned model are reported as such even when they do not parse.
        assertError(.sha256Mismatch, containing: "not the model pinned") { try ModelLoader.load(bytes: Array("{}".utf8), source: "m", sha256: model.sha256) }
    }

    /// A file named .zst whose bytes are not zstd (gzip here) says so, not "protobuf decoding failed".
    func testAFileNamedZstThatIsNotZstdSaysSo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).onnx.zst").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0x1f, 0x8b, 0x08, 0x00, 0x00]).write(to: URL(fileURLWithPath: path))
        assertError(.notONNX, containing: "named .zst but not zstd-compressed (it starts 1f 8b 08 00, not 28 b5 2f fd)") { try ModelLoader.load(path: path) }
    }

    func testNotAnONNXModel() {
        assertError(.notONNX, containing: "not an ONNX model") { try ModelLoader.load(bytes: Array("{\"json\": true}".utf8), source: "x.json") }
        assertError(.notONNX, containing: "not an ONNX model") { try ModelLoader.load(bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], source: "x.jpg") }
        assertError(.notONNX, containing: "not an ONNX model") { try ModelLoader.load(bytes: [], source: "empty") }
    }

    func testUnsupportedOpsetAndEveryUnsupportedOperatorInOneMessage() throws {
        assertError(.unsupportedOpset, containing: "opset 3 is not supported") { try ModelLoader.load(bytes: try self.bytes(Self.model(opset: 3)), source: "m") }
        var lstm = Onnx_NodeProto(); lstm.opType = "LSTM"; lstm.name = "rnn"; lstm.input = ["y"]; lstm.output = ["z"]
        var custom = Onnx_NodeProto(); custom.opType = "FusedGemm"; custom.domain = "com.microsoft"; custom.name = "fg"; custom.input = ["y"]; custom.output = ["w"]
        var cubic = Onnx_NodeProto(); cubic.opType = "Resize"; cubic.name = "up"; cubic.input = ["y"]; cubic.output = ["u"]
        var antialias = Onnx_AttributeProto(); antialias.name = "antialias"; antialias.i = 1; antialias.type = .int
        cubic.attribute = [antialias]
        let file = try bytes(Self.model(extraNodes: [lstm, custom, cubic]))
        assertError(.unsupportedOperators, containing: "3 unsupported operator(s): LSTM (node 'rnn'); com.microsoft.FusedGemm (node 'fg'); Resize (node 'up': Resize with antialias") {
            try ModelLoader.load(bytes: file, source: "m")
        }
    }

    /// A model quantized to 16 bits (8 bits the engine runs): its int16 weights are listed with its
    /// unsupported operators, in one message naming the file (the load ended at the first weight,
    /// naming neither).
    func testQuantizedWeightsOfATypeTheEngineLacksAreListedWithTheUnsupportedOperators() throws {
        var matMul = Onnx_NodeProto(); matMul.opType = "QLinearMatMul"; matMul.name = "dq"
        matMul.input = ["qz", "scale"]; matMul.output = ["w"]
        var model = Self.model(extraNodes: [matMul])
        var weights = Onnx_TensorProto(); weights.name = "qz"; weights.dims = [3]
        weights.dataType = Int32(Onnx_TensorProto.DataType.int16.rawValue); weights.rawData = Data([1, 0, 2, 0, 3, 0])
        model.graph.initializer += [weights, Tensor(float32: [0.5], shape: []).onnxProto(name: "scale")]
        // Older exporters list the weights among the inputs too.
        var listed = Onnx_ValueInfoProto(); listed.name = "qz"
        var type = Onnx_TypeProto.Tensor(); type.elemType = weights.dataType
        listed.type.tensorType = type
        model.graph.input.append(listed)
        assertError(.unsupportedOperators, containing: "quantized.onnx: 1 unsupported operator(s): QLinearMatMul (node 'dq'); "
                    + "and 1 weight(s) of a type the engine lacks") {
            try ModelLoader.load(bytes: try self.bytes(model), source: "quantized.onnx")
        }
        assertError(.unsupportedOperators, containing: "export a float16 model in float32, quantize to 8 bits): 'qz' (int16)") {
            try ModelLoader.load(bytes: try self.bytes(model), source: "quantized.onnx")
        }
        // The same value in a Constant node (as float16 exports keep theirs) is listed too.
        var constant = Onnx_NodeProto(); constant.opType = "Constant"; constant.name = "half"; constant.output = ["h"]
        var value = Onnx_AttributeProto(); value.name = "value"; value.type = .tensor
        value.t.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue); value.t.dims = [1]; value.t.rawData = Data([0, 0x3C])
        constant.attribute = [value]
        var einsum = Onnx_NodeProto(); einsum.opType = "Einsum"; einsum.name = "es"; einsum.input = ["y"]; einsum.output = ["e"]
        assertError(.unsupportedOperators, containing: "half.onnx: 2 unsupported operator(s): Constant (node 'half': a float16 value is not supported); Einsum (node 'es')") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [constant, einsum])), source: "half.onnx")
        }
    }

    /// An enumerated attribute the engine does not take is named with the values it does; the
    /// engine's own name for Resize-10's rounding is not one a model may give.
    func testAnUnsupportedChoiceListsTheAllowedValues() throws {
        func node(_ op: String, _ name: String, _ attribute: String, _ text: String) -> Onnx_NodeProto {
            var node = Onnx_NodeProto(); node.opType = op; node.name = name; node.input = ["y"]; node.output = [name + "_out"]
            var value = Onnx_AttributeProto(); value.name = attribute; value.type = .string; value.s = Data(text.utf8)
            node.attribute = [value]
            return node
        }
        assertError(.unsupportedOperators, containing: "node 'pad': mode = 'mirror' is not supported (the engine takes 'constant', 'edge', 'reflect', 'wrap')") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [node("Pad", "pad", "mode", "mirror")])), source: "m")
        }
        assertError(.unsupportedOperators,
                    containing: "nearest_mode = '(opset 10)' is not supported (the engine takes 'round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil')") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [node("Resize", "resize", "nearest_mode", "(opset 10)")])), source: "m")
        }
    }

    /// A Cast's `to` is a 64-bit attribute; one past Int32 is an unsupported type, not a trap.
    func testACastToATypeCodePastInt32IsUnsupported() throws {
        var cast = Onnx_NodeProto(); cast.opType = "Cast"; cast.name = "cast"; cast.input = ["y"]; cast.output = ["c"]
        var to = Onnx_AttributeProto(); to.name = "to"; to.i = 1 << 32; to.type = .int
        cast.attribute = [to]
        assertError(.unsupportedOperators, containing: "Cast to type 4294967296 is not supported") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [cast])), source: "m")
        }
    }

    /// An attribute of another type than its operator reads (a FLOAT axis) is an error naming the
    /// node and both types; it used to read as 0, and a FLOATS `perm` as no permutation at all.
    func testAnAttributeOfTheWrongTypeIsNamed() throws {
        var flatten = Onnx_NodeProto(); flatten.opType = "Flatten"; flatten.name = "flat"; flatten.input = ["y"]; flatten.output = ["f"]
        var axis = Onnx_AttributeProto(); axis.name = "axis"; axis.f = 1; axis.type = .float
        flatten.attribute = [axis]
        assertError(.invalidModel, containing: "node 'flat' (Flatten): attribute axis is FLOAT, not INT") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [flatten])), source: "m")
        }
        var transpose = Onnx_NodeProto(); transpose.opType = "Transpose"; transpose.name = "t"; transpose.input = ["y"]; transpose.output = ["t"]
        var perm = Onnx_AttributeProto(); perm.name = "perm"; perm.floats = [1, 0]; perm.type = .floats
        transpose.attribute = [perm]
        assertError(.invalidModel, containing: "attribute perm is FLOATS, not INTS") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [transpose])), source: "m")
        }
        // Without a declared type (models older than the field), the value is read as asked.
        axis.type = .undefined; axis.i = 1
        flatten.attribute = [axis]
        XCTAssertNoThrow(try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [flatten])), source: "m"))
    }

    func testAnInitializerNoMemoryHoldsIsAnError() throws {
        // 2^32 x 2^32 floats and no data: the element count alone overflowed Int and stopped the process.
        var model = Self.model()
        var huge = Onnx_TensorProto()
        huge.name = "huge"; huge.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue); huge.dims = [1 << 32, 1 << 32]
        model.graph.initializer.append(huge)
        assertError(.invalidModel, containing: "initializer 'huge': shape [4294967296, 4294967296] has more than 2147483647 elements") {
            try ModelLoader.load(bytes: try self.bytes(model), source: "m")
        }
    }

    func testAGraphReadingAValueNothingProduces() throws {
        var model = Self.model()
        model.graph.node[1].input = ["r", "missing"]
        model.graph.initializer = []
        assertError(.invalidModel, containing: "reads missing, which nothing produces") { try ModelLoader.load(bytes: try self.bytes(model), source: "m") }
    }

    /// ONNX's one writer per value: a node writing an initializer's name (it shadowed the weights,
    /// and failed later in a broadcast), a second writer of a value, and an output nothing writes
    /// (every run failed on it) are load errors.
    func testEveryValueHasOneWriter() throws {
        var shadow = Onnx_NodeProto()
        shadow.opType = "Relu"; shadow.name = "shadow"; shadow.input = ["x"]; shadow.output = ["b"]
        var model = Self.model()
        model.graph.node.insert(shadow, at: 0)
        assertError(.invalidModel, containing: "node 'shadow' writes 'b', which an input, an initializer or another node already writes") {
            try ModelLoader.load(bytes: try self.bytes(model), source: "m")
        }
        var again = Onnx_NodeProto()
        again.opType = "Relu"; again.name = "again"; again.input = ["x"]; again.output = ["r"]
        assertError(.invalidModel, containing: "node 'again' writes 'r'") {
            try ModelLoader.load(bytes: try self.bytes(Self.model(extraNodes: [again])), source: "m")
        }
        model = Self.model()
        var ghost = Onnx_ValueInfoProto()
        ghost.name = "ghost"
        model.graph.output.append(ghost)
        assertError(.invalidModel, containing: "graph output 'ghost' is written by no node, input or initializer") {
            try ModelLoader.load(bytes: try self.bytes(model), source: "m")
        }
    }

    /// Nodes listed out of order run in an order where each follows its inputs, with valid stretches
    /// kept as they are: here the add waits for the relu that completes it, and then runs.
    func testNodesOutOfOrderAreSortedKeepingTheValidOrder() throws {
        var model = Self.model()
        model.graph.node.reverse()
        var waiter = Onnx_NodeProto()
        waiter.opType = "Relu"; waiter.name = "relu3"; waiter.input = ["r"]; waiter.output = ["z"]
        model.graph.node.insert(waiter, at: 1)
        var neg = Onnx_NodeProto()
        neg.opType = "Relu"; neg.name = "relu2"; neg.input = ["x"]; neg.output = ["n"]
        model.graph.node.append(neg)
        let loaded = try ModelLoader.load(bytes: try bytes(model), source: "m")
        // add and relu3 both wait for relu's output, and follow it in the order they are listed.
        XCTAssertEqual(loaded.graph.nodes.map(\.name), ["relu", "add", "relu3", "relu2"])
    }

    /// A chain of 50 000 nodes listed last to first loads in one pass: sorting it took one pass over
    /// the waiting nodes per node (10^9 checks), minutes of a function's init.
    func testALongChainListedBackwardsIsSorted() throws {
        var model = Self.model()
        let count = 50_000
        model.graph.node = (1...count).reversed().map { index in
            var node = Onnx_NodeProto()
            node.opType = "Relu"; node.name = "relu\(index)"
            node.input = [index == 1 ? "x" : "v\(index - 1)"]; node.output = [index == count ? "y" : "v\(index)"]
            return node
        }
        let loaded = try ModelLoader.load(bytes: try bytes(model), source: "m")
        XCTAssertEqual(loaded.graph.nodes.count, count)
        XCTAssertEqual(loaded.graph.nodes.first?.name, "relu1")
        XCTAssertEqual(loaded.graph.nodes.last?.name, "relu\(count)")
        for (position, node) in loaded.graph.nodes.enumerated() where node.name != "relu\(position + 1)" {
            return XCTFail("node \(position) is \(node.name)")
        }
    }
}
