// The container image's runtime stage installs every Debian package whose libraries bootstrap loads.
// No Docker engine runs here, so this checks the package list instead of building the image.
import Foundation
import TestServers
import XCTest

final class DockerfileTests: XCTestCase {
    /// Package names on the runtime stage's `apt-get install` line (the stage after the last FROM).
    static func runtimeStagePackages() throws -> Set<String> {
        let text = try String(contentsOf: RepoPaths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let stage = try XCTUnwrap(text.components(separatedBy: "\nFROM ").last)
        let install = try XCTUnwrap(stage.components(separatedBy: "apt-get install").dropFirst().first)
        let command = install.components(separatedBy: "&&").first ?? ""
        let words = command.replacingOccurrences(of: "\\\n", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" })
        return Set(words.map(String.init).filter { !$0.hasPrefix("-") })
    }

    /// The bootstrap the image ships: the deploy build `make test` makes, else the release build.
    private var shippedBootstrap: String {
        let deployBuild = RepoPaths.root.appendingPathComponent(".build-static/release/bootstrap").path
        return FileManager.default.isExecutableFile(atPath: deployBuild) ? deployBuild : BuiltProducts.executable("bootstrap")
    }

    func testTheRuntimeStageInstallsThePackageOfEveryLibraryBootstrapLoads() throws {
        let bootstrap = shippedBootstrap
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RepoPaths.root.appendingPathComponent(".venv/bin/python").path)
        process.arguments = [RepoPaths.root.appendingPathComponent("scripts/runtime_packages.py").path, bootstrap]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let needed = output.split(separator: "\n").map(String.init)
        // The release build links Swift's runtime dynamically from the toolchain; the image links it statically.
        let unowned = needed.filter { $0.hasPrefix("?") && !$0.contains("/swift/") }
        XCTAssertEqual(unowned, [], "libraries no Debian package provides")
        let packages = Set(needed.filter { !$0.hasPrefix("?") })
        XCTAssertTrue(packages.contains("libavcodec59") && packages.contains("libopenblas0-pthread") && packages.contains("libcurl4"),
                      "ldd lists the FFmpeg, OpenBLAS and curl libraries: \(packages.sorted())")
        let installed = try Self.runtimeStagePackages()
        let missing = packages.subtracting(installed).sorted()
        XCTAssertEqual(missing, [], "add these to the runtime stage's apt-get install line in the Dockerfile")
    }

    /// bootstrap uses FoundationEssentials only: Foundation itself brings CoreFoundation and ICU
    /// (~50 MB of the static binary, ~0.6 ms at every start). Test builds link Swift's libraries
    /// dynamically, so ldd shows which ones it needs.
    func testBootstrapNeedsNeitherFoundationNorICU() throws {
        let ldd = try CommandRun.run("/usr/bin/ldd", [BuiltProducts.executable("bootstrap")])
        XCTAssertEqual(ldd.status, 0)
        XCTAssertTrue(ldd.output.contains("libFoundationEssentials"), ldd.output)
        for library in ["libFoundation.so", "libFoundationInternationalization", "lib_FoundationICU", "libCoreFoundation"] {
            XCTAssertFalse(ldd.output.contains(library), "bootstrap links \(library):\n\(ldd.output)")
        }
    }

    func testTheImageRunsBootstrapWithAFunctionAsItsCommand() throws {
        let text = try String(contentsOf: RepoPaths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        XCTAssertTrue(text.contains("FROM --platform=linux/amd64 debian:bookworm-slim"))
        XCTAssertTrue(text.contains("-static-stdlib"))
        XCTAssertTrue(text.contains(#"ENTRYPOINT ["/var/task/bootstrap"]"#))
        XCTAssertTrue(text.contains(#"CMD ["video-moderation"]"#))
        for function in ["video-moderation", "video-orientation"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: RepoPaths.root.appendingPathComponent("functions/\(function)/function.json").path))
        }
    }

    /// The benchmarks measure the Makefile's deploy build: the image must link its bootstrap alike.
    /// A flag naming a make variable (the static libstdc++ directory) must be there with its own path.
    func testTheImageBuildsBootstrapWithTheMakefilesDeployFlags() throws {
        let makefile = try String(contentsOf: RepoPaths.root.appendingPathComponent("Makefile"), encoding: .utf8)
        let dockerfile = try String(contentsOf: RepoPaths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let line = try XCTUnwrap(makefile.split(separator: "\n").first { $0.hasPrefix("DEPLOY_FLAGS") })
        let flags = line.split(separator: "=", maxSplits: 1)[1].split(separator: " ").map(String.init)
        XCTAssertFalse(flags.isEmpty)
        let build = try XCTUnwrap(dockerfile.components(separatedBy: "swift build -c release --product bootstrap").dropFirst().first)
        let command = build.components(separatedBy: "&&")[0].replacingOccurrences(of: "\\\n", with: " ")
        let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
        for flag in flags {
            if let variable = flag.range(of: "$(") {
                let prefix = String(flag[..<variable.lowerBound])
                XCTAssertTrue(words.contains { $0.hasPrefix(prefix) && $0.count > prefix.count }, "the Dockerfile's swift build lacks \(flag)")
            } else {
                XCTAssertTrue(words.contains(flag), "the Dockerfile's swift build lacks \(flag)")
            }
        }
        XCTAssertTrue(dockerfile.contains("-print-file-name=libstdc++.a"), "the Dockerfile does not put the static libstdc++ where -L looks")
    }

    /// .dockerignore leaves out everything but what the image copies from the build context: each
    /// COPY source (not one from a build stage) must be let back in by a `!` line.
    func testTheBuildContextHoldsWhatTheImageCopies() throws {
        let dockerfile = try String(contentsOf: RepoPaths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let ignore = try String(contentsOf: RepoPaths.root.appendingPathComponent(".dockerignore"), encoding: .utf8)
        let lines = ignore.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        XCTAssertEqual(lines.first, "*", "the context starts from nothing")
        let included = Set(lines.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) })
        let sources = Self.copiedSources(dockerfile)
        XCTAssertFalse(sources.isEmpty)
        for source in sources {
            XCTAssertTrue(included.contains(source), "COPY \(source) but .dockerignore leaves it out of the context")
        }
    }

    /// The build stage's COPY sources (not those from another stage).
    private static func copiedSources(_ dockerfile: String) -> [String] {
        dockerfile.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ").map(String.init)
            guard words.first == "COPY", !words.contains(where: { $0.hasPrefix("--from") }), words.count >= 3 else { return nil }
            return words[1]
        }
    }

    /// SwiftPM checks the folder of every target in the manifest when it loads it, test targets
    /// included, even to build one product: each must be in what the image copies (the image once
    /// copied Sources only, and `swift build` stopped at "invalid custom path 'Tests/TestServers'").
    func testTheImageCopiesTheFolderOfEveryTargetInTheManifest() throws {
        let manifest = try String(contentsOf: RepoPaths.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let dockerfile = try String(contentsOf: RepoPaths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let copied = Set(Self.copiedSources(dockerfile))
        let declaration = #/^\s*\.(target|testTarget|executableTarget|systemLibrary)\(name: "([^"]+)"/#
        let customPath = #/path: "([^"]+)"/#
        var folders: [String] = []
        for line in manifest.split(separator: "\n") {
            guard let match = line.firstMatch(of: declaration) else { continue }
            let folder = line.firstMatch(of: customPath).map { String($0.1) }
                ?? (match.1 == "testTarget" ? "Tests/" : "Sources/") + match.2
            folders.append(folder)
            XCTAssertTrue(FileManager.default.fileExists(atPath: RepoPaths.root.appendingPathComponent(folder).path), folder)
        }
        XCTAssertGreaterThanOrEqual(folders.count, 25, "the manifest's targets were not found: \(folders)")
        for folder in folders {
            let top = String(folder.split(separator: "/")[0])
            XCTAssertTrue(copied.contains(top), "target folder \(folder) is not in what the Dockerfile copies (\(copied.sorted()))")
        }
    }

    /// The image refuses to build without the models (fetched, never committed), and makes every
    /// file of the functions readable by Lambda's user: the Dockerfile's step, run here on a copy of
    /// functions/'s layout with and without them, its files made 0600 by a strict umask.
    func testTheImageRefusesToBuildWithoutTheModelsAndMakesThemReadable() throws {
        let dockerfile = try String(contentsOf: RepoPaths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let run = try XCTUnwrap(dockerfile.components(separatedBy: "\nRUN ").first { $0.contains("make models") && $0.hasPrefix("for ") })
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        // The real functions/ folder's layout without its models: every folder, and the function.json
        // of those that have one (folders without one, like echo's, hold no model to check).
        let functions = RepoPaths.root.appendingPathComponent("functions")
        var withModels: [String] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: functions.path) {
            let copy = root.appendingPathComponent("functions/\(folder)")
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            let config = functions.appendingPathComponent("\(folder)/function.json")
            guard FileManager.default.fileExists(atPath: config.path) else { continue }
            try FileManager.default.copyItem(at: config, to: copy.appendingPathComponent("function.json"))
            try FileManager.default.createDirectory(at: copy.appendingPathComponent("model"), withIntermediateDirectories: true)
            withModels.append(folder)
        }
        XCTAssertEqual(withModels.sorted(), ["video-moderation", "video-orientation"])
        // The RUN instruction: its line and every line a backslash continues.
        var lines: [String] = []
        for line in run.components(separatedBy: "\n") {
            lines.append(line)
            if !line.hasSuffix("\\") { break }
        }
        let script = lines.joined(separator: "\n").replacingOccurrences(of: "/src/functions", with: root.appendingPathComponent("functions").path)
        let missing = try CommandRun.run("/bin/sh", ["-c", script])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("run 'make models'"), missing.output)
        for function in withModels {
            FileManager.default.createFile(atPath: root.appendingPathComponent("functions/\(function)/model/model.onnx.zst").path, contents: Data([1]),
                                           attributes: [.posixPermissions: 0o600])
        }
        let present = try CommandRun.run("/bin/sh", ["-c", script])
        XCTAssertEqual(present.status, 0, present.output)
        for function in withModels {
            let model = root.appendingPathComponent("functions/\(function)/model/model.onnx.zst").path
            let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: model)[.posixPermissions] as? Int)
            XCTAssertEqual(mode & 0o444, 0o444, "\(model) is \(String(mode, radix: 8)): not readable by Lambda's user")
        }
    }
}
