// The plan for one set of input shapes: which nodes still run after shape-dependent folding, the
// types they produce, and after which step each intermediate value is dead.

public struct ExecutionPlan {
    struct Step {
        let node: Node
        /// Values whose last reader is this step; their storage returns to the pool after it.
        let releases: [String]
    }

    let steps: [Step]
    /// Constants plus values folded for these shapes (Shape of an activation, and what follows from it).
    let values: [String: Tensor]
    let outputs: [String]
    /// Output types inferred at plan time (nil where they depend on run-time values).
    public let inferredTypes: [String: TensorType]
    /// Where the intermediate values whose sizes are known here live; the others (sizes known only
    /// at run time) take buffers from the pool.
    let arena: ArenaPlan

    /// Bytes of the arena this plan's intermediate values live in.
    public var arenaBytes: Int { arena.byteCount }

    public var stepCount: Int { steps.count }

    init(graph: Graph, feeds: [String: Tensor]) throws {
        var types: [String: TensorType] = [:]
        var values = graph.constants
        for (name, tensor) in values { types[name] = TensorType(tensor.elementType, tensor.shape) }
        for (name, tensor) in feeds { types[name] = TensorType(tensor.elementType, tensor.shape) }
        var running: [Node] = []
        for node in graph.nodes {
            do {
                let inputs: [OperatorInput?] = node.inputs.map { name in
                    guard !name.isEmpty, let type = types[name] else { return nil }
                    return OperatorInput(type: type, value: values[name])
                }
                let present = zip(node.inputs, inputs).filter { !$0.0.isEmpty }
                if present.contains(where: { $0.1 == nil }) {
                    // An input whose type is only known at run time: nothing more to learn here.
                    running.append(node)
                    continue
                }
                if node.op is Shape || present.allSatisfy({ $0.1?.value != nil }) {
                    // Everything this node needs is known for these shapes: compute it once here.
                    let results = try node.op.evaluate(inputs.map { $0.flatMap { $0.value ?? (node.op is Shape ? Tensor($0.type.elementType, shape: $0.type.shape) : nil) } })
                    for (name, tensor) in zip(node.outputs, results) where !name.isEmpty {
                        values[name] = tensor
                        types[name] = TensorType(tensor.elementType, tensor.shape)
                    }
                    continue
                }
                do {
                    let outputTypes = try node.op.checkedOutputTypes(inputs)
                    for (name, type) in zip(node.outputs, outputTypes) where !name.isEmpty { types[name] = type }
                } catch let error as InferenceError where error.code == .valueNotKnown {
                    // Shapes past this node are decided at run time.
                }
                running.append(node)
            } catch var error as InferenceError {
                if error.node == nil { error.node = node.name.isEmpty ? node.op.name : node.name }
                throw error
            }
        }
        // Last reader of each value among the running steps; graph outputs and constants never return.
        var lastUse: [String: Int] = [:]
        for (index, node) in running.enumerated() { for input in node.inputs where !input.isEmpty { lastUse[input] = index } }
        var releases = [[String]](repeating: [], count: running.count)
        let kept = Set(graph.outputs).union(values.keys).union(feeds.keys)
        for (name, index) in lastUse where !kept.contains(name) { releases[index].append(name) }
        // Outputs nobody reads can go straight back after their step.
        for (index, node) in running.enumerated() {
            for output in node.outputs where !output.isEmpty && lastUse[output] == nil && !kept.contains(output) { releases[index].append(output) }
        }
        steps = zip(running, releases).map { Step(node: $0, releases: $1) }
        self.values = values
        outputs = graph.outputs
        inferredTypes = types
        arena = Self.arenaPlan(running, types: types, lastUse: lastUse, kept: kept)
    }

    /// The arena for every value a step writes whose type is known, from that step to its last
    /// reader; graph outputs leave the session and get storage of their own. A name written by more
    /// than one node (or twice by one, or read by the node that writes it) is not one value with one
    /// lifetime: it takes buffers from the pool, as before there was an arena.
    private static func arenaPlan(_ running: [Node], types: [String: TensorType], lastUse: [String: Int], kept: Set<String>) -> ArenaPlan {
        var writes: [String: Int] = [:]
        for node in running {
            for output in node.outputs where !output.isEmpty { writes[output, default: 0] += 1 }
            for output in Set(node.outputs) where node.inputs.contains(output) { writes[output, default: 0] += 1 }
        }
        var arenaValues: [ArenaPlan.Value] = []
        for (index, node) in running.enumerated() {
            for output in node.outputs where !output.isEmpty && !kept.contains(output) && writes[output] == 1 {
                guard let type = types[output], let count = ShapeLimits.elementCount(type.shape) else { continue }
                let bytes = count.multipliedReportingOverflow(by: type.elementType.size)
                guard !bytes.overflow else { continue }
                arenaValues.append(.init(name: output, bytes: bytes.partialValue, lifetime: index...max(index, lastUse[output] ?? index)))
            }
        }
        return ArenaPlan(arenaValues)
    }

    func execute(feeds: [String: Tensor], pool: BufferPool, context: KernelContext) throws -> [String: Tensor] {
        var live = values.merging(feeds) { $1 }
        var storageUsers: [ObjectIdentifier: Int] = [:]
        let outputSet = Set(outputs)
        let arenaStorage = arena.byteCount > 0 ? try pool.arena(arena.byteCount) : nil
        for step in steps {
            let node = step.node
            do {
                let inputs: [Tensor?] = node.inputs.map { $0.isEmpty ? nil : live[$0] }
                for (name, tensor) in zip(node.inputs, inputs) where !name.isEmpty && tensor == nil {
                    throw InferenceError(.invalidGraph, "input '\(name)' is not produced by any earlier node")
                }
                // Only the outputs the node names: an operator skips optional ones (MaxPool's
                // indices, Dropout's mask) when they are not asked for.
                let types = try node.op.checkedOutputTypes(inputs.map { $0.map(OperatorInput.init) }).prefix(node.outputs.count)
                var results = types.enumerated().map { index, type -> Tensor in
                    let bytes = Tensor.elementCount(type.shape) * type.elementType.size
                    // Graph outputs leave the session: they get storage of their own.
                    let name = index < node.outputs.count ? node.outputs[index] : ""
                    let storage: TensorStorage
                    if let arenaStorage, let offset = arena.offsets[name], bytes <= arena.sizes[name] ?? 0 {
                        storage = TensorStorage(region: offset, byteCount: bytes, of: arenaStorage)
                    } else if !name.isEmpty && !outputSet.contains(name) {
                        storage = pool.take(bytes)
                    } else {
                        storage = TensorStorage(byteCount: bytes)
                    }
                    return Tensor(type.elementType, shape: type.shape, storage: storage)
                }
                try node.op.execute(inputs, &results, context)
                // An output sharing an input's place in the arena would outlive it there (the
                // place is another value's after the input's last reader): it gets a copy.
                for index in results.indices where results[index].storage.parent != nil
                    && inputs.contains(where: { $0?.storage === results[index].storage }) {
                    results[index] = Tensor(results[index].elementType, shape: results[index].shape, storage: results[index].storage.copy())
                }
                for (name, tensor) in zip(node.outputs, results) where !name.isEmpty {
                    live[name] = tensor
                    if tensor.storage.parent == nil { storageUsers[ObjectIdentifier(tensor.storage), default: 0] += 1 }
                }
            } catch var error as InferenceError {
                if error.node == nil { error.node = node.name.isEmpty ? node.op.name : node.name }
                throw error
            }
            for name in step.releases {
                guard let tensor = live.removeValue(forKey: name) else { continue }
                // The arena's places are planned, not handed back.
                guard tensor.storage.parent == nil else { continue }
                let id = ObjectIdentifier(tensor.storage)
                guard let users = storageUsers[id] else { continue }
                if users <= 1 {
                    storageUsers[id] = nil
                    pool.giveBack(tensor.storage)
                } else {
                    storageUsers[id] = users - 1
                }
            }
        }
        var result: [String: Tensor] = [:]
        for name in outputs {
            guard let tensor = live[name] else { throw InferenceError(.invalidGraph, "graph output '\(name)' is never produced") }
            result[name] = tensor
        }
        return result
    }
}
