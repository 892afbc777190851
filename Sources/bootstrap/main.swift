// The Lambda entry point: serves the function `_HANDLER` names (a directory of functions/) over the Runtime API.
import LambdaRuntime
import VideoFunction
#if canImport(Glibc)
import Glibc
#endif

exit(Lambda.run(catalog: VideoFunctions.catalog()))
