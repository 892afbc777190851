// Which handlers a binary serves, by the name `_HANDLER` gives.

/// A table from `_HANDLER` values to the code that builds each handler at init.
public struct HandlerCatalog {
    public typealias Factory = (LambdaInitContext) throws -> LambdaByteHandler

    /// Finds the handler a name stands for, among handlers that are looked up only when asked for.
    public typealias Resolver = (String) -> Factory?

    private var factories: [String: Factory] = [:]
    private var resolvers: [(resolve: Resolver, names: () -> [String])] = []

    public init() {}

    /// Adds or replaces the handler served under `name`.
    public mutating func register(_ name: String, _ factory: @escaping Factory) {
        factories[name] = factory
    }

    /// Adds handlers found by name when one is asked for (a directory per function), so that a process
    /// start does not enumerate them all; `names` lists them, for `names` and the unknown-handler error.
    public mutating func register(resolving resolve: @escaping Resolver, names: @escaping () -> [String]) {
        resolvers.append((resolve, names))
    }

    public var names: [String] { Set(factories.keys).union(resolvers.flatMap { $0.names() }).sorted() }

    /// The handler factory served under `name`, if any: registered names first, then the resolvers.
    public func factory(named name: String) -> Factory? {
        if let factory = factories[name] { return factory }
        for resolver in resolvers {
            if let factory = resolver.resolve(name) { return factory }
        }
        return nil
    }

    /// Builds the handler `_HANDLER` names; an unknown name is an init error that lists the known ones.
    public func makeHandler(_ context: LambdaInitContext) throws -> LambdaByteHandler {
        guard let factory = factory(named: context.handlerName) else {
            let name = context.handlerName.isEmpty ? "(empty)" : "'\(context.handlerName)'"
            throw LambdaRuntimeError(.unknownHandler,
                                     "the handler \(name) (the entry point's argument or _HANDLER) names no handler here; known handlers: \(names.joined(separator: ", "))")
        }
        return try factory(context)
    }
}
