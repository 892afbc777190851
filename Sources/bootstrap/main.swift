// The Lambda entry point: serves the function `_HANDLER` names (a directory of functions/) over the Runtime API.
import LambdaRuntime
import VideoFunction
#if canImport(Glibc)
import Glibc
#endif

// The environment is read once, for the catalog and the loop alike.
let environment = ProcessEnvironment.current()
exit(Lambda.run(catalog: VideoFunctions.catalog(environment: environment), environment: environment))
