// Which handlers a binary serves, by the name `_HANDLER` gives.

/// A table from `_HANDLER` values to the code that builds each handler at init.
public struct HandlerCatalog {
    public typealias Factory = (LambdaInitContext) throws -> LambdaByteHandler

    private var factories: [String: Factory] = [:]

    public init() {}

    /// Adds or replaces the handler served under `name`.
    public mutating func register(_ name: String, _ factory: @escaping Factory) {
        factories[name] = factory
    }

    public var names: [String] { factories.keys.sorted() }

    /// Builds the handler `_HANDLER` names; an unknown name is an init error that lists the known ones.
    public func makeHandler(_ context: LambdaInitContext) throws -> LambdaByteHandler {
        guard let factory = factories[context.handlerName] else {
            let name = context.handlerName.isEmpty ? "(empty)" : "'\(context.handlerName)'"
            throw LambdaRuntimeError(.unknownHandler,
                                     "_HANDLER is \(name), which names no handler here; known handlers: \(names.joined(separator: ", "))")
        }
        return try factory(context)
    }
}
