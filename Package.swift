// swift-tools-version:6.1
// VideoLambda: deep-learning video inference as AWS Lambda functions, in one Swift binary.
// Targets are grouped by area (see ../shared/DESIGN.md "Layout"); each group is its own constant so
// that work on one area does not touch the lines of another.
import PackageDescription

// Exact versions: Package.resolved is not committed, and the container image (sam build, docker
// build) resolves afresh wherever it is built; a newer release there would give the deployed
// bootstrap code no test here ran (a protobuf trait turned back on would link Foundation again).
let dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
    // Without the default BinaryDelimitedStreams trait: its Foundation streams would link Foundation,
    // CoreFoundation and ICU into bootstrap (~50 MB, ~0.6 ms at every start) for an API we do not use.
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0", traits: []),
    .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
]

#if arch(x86_64)
/// AVX2 and FMA, so kernel loops vectorise 8 floats wide: every x86_64 Lambda host has them.
let vectorFlags = ["-target-cpu", "haswell"]
#else
let vectorFlags: [String] = []
#endif

/// Release builds of the numeric code drop bounds checks inside kernels that index by computed offsets.
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"] + vectorFlags, .when(configuration: .release))]

#if arch(x86_64)
/// The same AVX2 and FMA for the C kernels (their intrinsics need the flags in every configuration).
let vectorCSettings: [CSetting] = [.unsafeFlags(["-mavx2", "-mfma", "-O3"])]
#else
let vectorCSettings: [CSetting] = []
#endif

// MARK: - System libraries (module.modulemap + shim.h only)

let systemLibraries: [Target] = [
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    // FFmpeg's and OpenBLAS's headers only: the binaries are not linked against them; their loader
    // targets open them on first use (Debian's FFmpeg and its codec libraries cost ~30 ms at every
    // process start, OpenBLAS ~2.5 ms).
    .target(name: "CLibraryLoader"),
    .systemLibrary(name: "CFFmpeg", providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
    .target(name: "CFFmpegLoader", dependencies: ["CFFmpeg", "CLibraryLoader"]),
    .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
    .target(name: "COpenBLASLoader", dependencies: ["COpenBLAS", "CLibraryLoader"]),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(name: "CMalloc"),
]

// MARK: - Runtime: the Lambda Runtime API client and run loop

let runtimeTargets: [Target] = [
    .target(name: "LambdaRuntime", dependencies: ["CCurl"]),
    .testTarget(name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "CMalloc"]),
    // Fault-injecting handlers for the integration tests, served by the real run loop.
    .executableTarget(name: "lambda-test-function", dependencies: ["LambdaRuntime"]),
]

// MARK: - Emulator: the Runtime API server that runs runtimes as child processes

let emulatorTargets: [Target] = [
    .target(name: "LambdaEmulator", dependencies: [
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
    ]),
    .testTarget(name: "LambdaEmulatorTests", dependencies: [
        "LambdaEmulator", "LambdaRuntime", "TestServers", "bootstrap", "lambda-test-function", "video-lambda",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
    ]),
]

// MARK: - Object store: URI → random-access bytes

let objectStoreTargets: [Target] = [
    .target(name: "ObjectStore", dependencies: ["CCurl", .product(name: "Crypto", package: "swift-crypto")]),
    .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "TestServers"]),
    // Real servers the tests run against (moto_server for S3), started on loopback and stopped by PID.
    .target(name: "TestServers", path: "Tests/TestServers"),
]

// MARK: - Video: demux, decode, sample, preprocess

let videoTargets: [Target] = [
    .target(name: "VideoIO", dependencies: ["CFFmpeg", "CFFmpegLoader", "ObjectStore", "Inference"], swiftSettings: numericSettings),
    // video-lambda: the `frames` command is tested end to end against the ffmpeg CLI.
    .testTarget(name: "VideoIOTests", dependencies: ["VideoIO", "ObjectStore", "TestServers", "video-lambda"]),
]

// MARK: - Inference engine and its ONNX front end

let inferenceTargets: [Target] = [
    // The lane transposes of the blocked depthwise convolution, in C for AVX's shuffles.
    .target(name: "CLaneTranspose", cSettings: vectorCSettings),
    // Convolution products on AVX-512 with weights packed at load; compiled for AVX2, its kernels
    // carry AVX-512 as a function attribute and run only where the CPU has it.
    .target(name: "CPackedGEMM", cSettings: vectorCSettings),
    // Winograd's input and output transforms over rows of tiles, on AVX2's shuffles.
    .target(name: "CWinograd", cSettings: vectorCSettings),
    .target(name: "Inference", dependencies: ["COpenBLAS", "COpenBLASLoader", "CLaneTranspose", "CPackedGEMM", "CWinograd"],
            swiftSettings: numericSettings),
    .testTarget(name: "InferenceTests", dependencies: ["Inference"]),
    .target(name: "ONNX", dependencies: [
        "Inference", "CZstd", "CMalloc",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Crypto", package: "swift-crypto"),
    ]),
    .testTarget(name: "ONNXTests", dependencies: ["ONNX", "TestServers", "video-lambda"], exclude: ["node-tests.txt"]),
]

// MARK: - Executables: wiring only

// MARK: - Video functions: function.json, events, the pipeline, results

let functionTargets: [Target] = [
    .target(name: "VideoFunction", dependencies: ["LambdaRuntime", "ObjectStore", "VideoIO", "ONNX", "Inference", "CMalloc"]),
    .testTarget(name: "VideoFunctionTests", dependencies: ["VideoFunction", "LambdaEmulator", "TestServers", "bootstrap"]),
]

// MARK: - Deployment: the template and the container image's package list, checked by tests

let deploymentTargets: [Target] = [
    .testTarget(name: "DeploymentTests", dependencies: ["TestServers"]),
]

let executableTargets: [Target] = [
    .executableTarget(name: "bootstrap", dependencies: ["LambdaRuntime", "VideoFunction"]),
    .executableTarget(name: "video-lambda", dependencies: [
        "LambdaRuntime", "LambdaEmulator", "ObjectStore", "VideoIO", "Inference", "ONNX", "VideoFunction",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ]),
]

let package = Package(
    name: "VideoLambda",
    products: [
        .executable(name: "bootstrap", targets: ["bootstrap"]),
        .executable(name: "video-lambda", targets: ["video-lambda"]),
    ],
    dependencies: dependencies,
    targets: systemLibraries + runtimeTargets + emulatorTargets + objectStoreTargets + videoTargets
        + inferenceTargets + functionTargets + deploymentTargets + executableTargets,
    swiftLanguageModes: [.v5]
)
