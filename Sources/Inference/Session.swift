// Running a graph: optimise once, plan per input shape, execute node by node with pooled buffers.

public struct SessionOptions: Sendable {
    /// Threads for kernels and sgemm; defaults to the cores this process may run on.
    public var threads: Int
    /// Run the graph rewrites (constant folding, BatchNorm folding, fusions, Identity removal).
    public var optimize: Bool
    /// Pack convolution weights for the AVX-512 products (with `optimize`; ignored where the CPU
    /// does not have them).
    public var packWeights: Bool

    public init(threads: Int = KernelContext.availableCores, optimize: Bool = true, packWeights: Bool = PackedGEMM.isEnabled) {
        self.threads = threads
        self.optimize = optimize
        self.packWeights = packWeights
    }
}

/// A loaded model ready to run. Not thread-safe: one run at a time (a Lambda container serves one
/// invocation at a time); create one session per thread otherwise.
public final class Session {
    public let graph: Graph
    public let options: SessionOptions
    let context: KernelContext
    private let pool = BufferPool()
    private var plans: [[Int]: ExecutionPlan] = [:]

    public init(graph: Graph, options: SessionOptions = SessionOptions()) throws {
        self.options = options
        try BLASLibrary.load()
        context = KernelContext(threads: options.threads)
        self.graph = options.optimize ? try Optimizer.optimize(graph, packWeights: options.packWeights && PackedGEMM.isAvailable) : graph
    }

    public var inputs: [GraphInput] { graph.inputs }
    public var outputNames: [String] { graph.outputs }

    /// Runs the graph on `feeds` (one tensor per graph input) and returns every graph output.
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        try checkFeeds(feeds)
        let signature = graph.inputs.flatMap { feeds[$0.name]!.shape + [-1] }
        let plan: ExecutionPlan
        if let cached = plans[signature] { plan = cached }
        else {
            plan = try ExecutionPlan(graph: graph, feeds: feeds)
            plans[signature] = plan
        }
        return try plan.execute(feeds: feeds, pool: pool, context: context)
    }

    /// The plan for inputs of these shapes (built and cached on first use), for inspection and tests.
    public func plan(for feeds: [String: Tensor]) throws -> ExecutionPlan {
        try checkFeeds(feeds)
        return try ExecutionPlan(graph: graph, feeds: feeds)
    }

    /// Bytes the pool keeps for intermediate tensors between runs.
    public var pooledBytes: Int { pool.heldBytes + context.workspace.byteCount }

    private func checkFeeds(_ feeds: [String: Tensor]) throws {
        let expected = Set(graph.inputs.map(\.name))
        if let unknown = feeds.keys.first(where: { !expected.contains($0) }) {
            throw InferenceError(.wrongModelInput, "the model has no input '\(unknown)' (inputs: \(graph.inputs.map(\.name).joined(separator: ", ")))")
        }
        for input in graph.inputs {
            guard let tensor = feeds[input.name] else {
                throw InferenceError(.wrongModelInput, "input '\(input.name)' is missing")
            }
            guard tensor.elementType == input.elementType else {
                throw InferenceError(.wrongModelInput, "input '\(input.name)' must be \(input.elementType), not \(tensor.elementType)")
            }
            let fits = input.shape.isEmpty && tensor.shape.isEmpty
                || (input.shape.count == tensor.shape.count && zip(input.shape, tensor.shape).allSatisfy { $0.0 == nil || $0.0 == $0.1 })
            guard fits || input.shape.isEmpty else {
                let expectedShape = input.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
                throw InferenceError(.wrongModelInput, "input '\(input.name)' must have shape [\(expectedShape)], not \(tensor.shape)")
            }
        }
    }
}
