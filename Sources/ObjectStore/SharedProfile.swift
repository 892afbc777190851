// The profile of the AWS shared files a developer's machine has: the keys `aws configure` wrote and
// the profile's region, so that `video-lambda invoke` reads a real bucket with nothing exported.
// (Lambda gives a function its keys in the environment, which come first; its sandbox has no files.)
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// One profile as the two files give it, chosen as the AWS CLI chooses: `AWS_PROFILE` (else
/// `AWS_DEFAULT_PROFILE`, else `default`), in `AWS_SHARED_CREDENTIALS_FILE` (else
/// ~/.aws/credentials) and `AWS_CONFIG_FILE` (else ~/.aws/config).
struct SharedProfile {
    let name: String
    let credentialsPath: String?
    let configPath: String?
    /// The profile's section in each file; nil where the file or the section is missing.
    let credentialsSection: [String: String]?
    let configSection: [String: String]?
    /// Files that exist but could not be read (not a regular file, unreadable, over 1 MB).
    let unreadablePaths: [String]
    /// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: endpoints come from the environment only.
    let ignoresConfiguredEndpoint: Bool

    /// Settings with which the AWS CLI obtains keys some other way, ahead of any keys the profile
    /// stores (it assumes the role, or asks single sign-on): they are not followed here, so such a
    /// profile gives no keys rather than the wrong ones.
    static let precedingSources = ["role_arn", "web_identity_token_file", "sso_session", "sso_start_url"]
    /// Runs a program for keys; the CLI prefers the credentials file's keys to it, and it to the
    /// config file's.
    static let processSource = "credential_process"

    /// The profile `environment` selects; nil when neither file's place is known (no HOME and no
    /// file variables, as in Lambda).
    static func load(environment: [String: String], read: (String) throws(FileReadFailure) -> String? = readSmallFile) -> SharedProfile? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let home = value("HOME")
        func path(_ variable: String, orUnderHome file: String) -> String? {
            if let given = value(variable) {
                guard given.hasPrefix("~/") else { return given }
                return home.map { $0 + given.dropFirst() }
            }
            return home.map { $0 + "/.aws/" + file }
        }
        let credentialsPath = path("AWS_SHARED_CREDENTIALS_FILE", orUnderHome: "credentials")
        let configPath = path("AWS_CONFIG_FILE", orUnderHome: "config")
        guard credentialsPath != nil || configPath != nil else { return nil }
        let name = value("AWS_PROFILE") ?? value("AWS_DEFAULT_PROFILE") ?? "default"
        var unreadable: [String] = []
        func section(_ path: String?, _ kind: SharedConfigFile.Kind) -> [String: String]? {
            guard let path else { return nil }
            do throws(FileReadFailure) {
                return try read(path).flatMap { SharedConfigFile.profiles(in: $0, kind: kind)[name] }
            } catch {
                unreadable.append(path)
                return nil
            }
        }
        let credentialsSection = section(credentialsPath, .credentials)
        let configSection = section(configPath, .config)
        let ignore = value("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.lowercased() == "true"
            || configSection?["ignore_configured_endpoint_urls"]?.lowercased() == "true"
        return SharedProfile(name: name, credentialsPath: credentialsPath, configPath: configPath,
                             credentialsSection: credentialsSection, configSection: configSection,
                             unreadablePaths: unreadable, ignoresConfiguredEndpoint: ignore)
    }

    /// The profile's stored keys, where the AWS CLI would use them: none if the profile says to get
    /// them another way first; the credentials file's pair; else, unless a program is to give them,
    /// the config file's. A pair is never taken half from each file.
    var credentials: AWSCredentials? {
        let sections = [credentialsSection, configSection].compactMap { $0 }
        if sections.contains(where: { section in Self.precedingSources.contains { section[$0] != nil } }) { return nil }
        if let pair = credentialsSection.flatMap(Self.keyPair) { return pair }
        if sections.contains(where: { $0[Self.processSource] != nil }) { return nil }
        return configSection.flatMap(Self.keyPair)
    }

    private static func keyPair(in section: [String: String]) -> AWSCredentials? {
        guard let key = section["aws_access_key_id"], !key.isEmpty,
              let secret = section["aws_secret_access_key"], !secret.isEmpty else { return nil }
        // aws_security_token is the older name, which the AWS CLI still reads (first, as here).
        let token = ["aws_security_token", "aws_session_token"].lazy.compactMap { section[$0].flatMap { $0.isEmpty ? nil : $0 } }.first
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
    }

    /// A setting as the CLI reads the profile: the credentials file's section over the config file's.
    private func setting(_ name: String) -> String? {
        (credentialsSection?[name] ?? configSection?[name]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The profile's region, if it is a region's name (it goes into host names and signatures).
    var region: String? { setting("region").flatMap(HTTPRemoteObject.validRegion) }

    /// The profile's `endpoint_url` (a local S3 such as moto or LocalStack), unless configured
    /// endpoints are to be ignored.
    var endpoint: String? { ignoresConfiguredEndpoint ? nil : setting("endpoint_url") }

    /// Why the profile gave no keys, for the message of a refused unsigned request.
    var whyNoCredentials: String {
        let sections = [credentialsSection, configSection].compactMap { $0 }
        let unread = unreadablePaths.isEmpty ? "" : " (\(unreadablePaths.joined(separator: " and ")) could not be read)"
        guard !sections.isEmpty else {
            let files = [credentialsPath, configPath].compactMap { $0 }.joined(separator: " nor ")
            return "profile '\(name)' is in neither \(files)\(unread)"
        }
        if let source = (Self.precedingSources + [Self.processSource]).first(where: { source in sections.contains { $0[source] != nil } }) {
            return "profile '\(name)' gets its keys through \(source), which is not followed here; "
                + "`aws configure export-credentials --profile \(name) --format env` exports them"
        }
        return "profile '\(name)' has no aws_access_key_id and aws_secret_access_key pair\(unread)"
    }

    /// Why a config file that exists was not read.
    struct FileReadFailure: Error {}

    /// A config file's text; nil if there is no such file. A file that is there but is not a
    /// regular file (a FIFO or a device would block or never end), cannot be read, or is too large
    /// to be a config file (1 MB) is a failure, which the message of a refusal names.
    static func readSmallFile(_ path: String) throws(FileReadFailure) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileReadFailure()
        }
        guard status.st_mode & S_IFMT == S_IFREG, status.st_size <= 1 << 20,
              let data = FileManager.default.contents(atPath: path) else { throw FileReadFailure() }
        return String(decoding: data, as: UTF8.self)
    }
}
