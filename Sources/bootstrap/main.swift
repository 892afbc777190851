// The Lambda entry point: serves the function its first argument or `_HANDLER` names (a directory of
// functions/) over the Runtime API.
import LambdaRuntime
import VideoFunction
#if canImport(Glibc)
import Glibc
#endif

// The environment is read once, for the catalog and the loop alike.
var environment = ProcessEnvironment.current()
// A container image's CMD (the template's ImageConfig.Command) reaches the entry point as its
// arguments; Lambda does not put it in _HANDLER for an image of our own (AWS's base images export
// their entry script's first argument as _HANDLER, which is what this does). The emulator and a
// zip deployment's runtime settings give _HANDLER. (Read from /proc: in this statically linked
// binary CommandLine.arguments can come back empty, see ProcessArguments.)
let arguments = ProcessArguments.current()
if arguments.count > 1 { environment["_HANDLER"] = arguments[1] }
exit(Lambda.run(catalog: VideoFunctions.catalog(environment: environment), environment: environment))
