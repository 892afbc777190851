// The Lambda entry point: serves the function `_HANDLER` names over the Runtime API.
import LambdaRuntime
#if canImport(Glibc)
import Glibc
#endif

exit(Lambda.run(catalog: .builtIn))
