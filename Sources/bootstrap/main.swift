// The Lambda entry point: serves the function `_HANDLER` names (a directory of functions/) over the Runtime API.
import LambdaRuntime
import VideoFunction
#if canImport(Glibc)
import Glibc
#endif

// libcurl loads on its own thread while the environment and the catalog are read.
Lambda.startLoadingClient()
// The environment is read once, for the catalog and the loop alike.
let environment = ProcessEnvironment.current()
exit(Lambda.run(catalog: VideoFunctions.catalog(environment: environment), environment: environment))
