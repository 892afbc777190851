// The functions this binary can run locally: the same table `bootstrap` serves.
import Foundation
import LambdaRuntime
import VideoFunction

enum FunctionCatalog {
    static var all: HandlerCatalog { VideoFunctions.catalog() }

    /// Another executable of this package, built into the same directory as this one.
    static func siblingExecutable(_ name: String) -> String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent(name).path
    }
}
