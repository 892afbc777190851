// The profile of the AWS shared files a developer's machine has: the keys `aws configure` wrote and
// the profile's region, so that `video-lambda invoke` reads a real bucket with nothing exported.
// (Lambda gives a function its keys in the environment, which come first; its sandbox has no files.)
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    /// Settings that obtain keys some other way (single sign-on, a role to assume, a program to
    /// run); they are not read here, and a profile that has only these has no keys for us.
    static let unreadSources = ["sso_session", "sso_start_url", "role_arn", "credential_process", "web_identity_token_file"]

    /// The profile `environment` selects; nil when neither file's place is known (no HOME and no
    /// file variables, as in Lambda).
    static func load(environment: [String: String], read: (String) -> String? = readSmallFile) -> SharedProfile? {
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
        func section(_ path: String?, _ kind: SharedConfigFile.Kind) -> [String: String]? {
            path.flatMap(read).flatMap { SharedConfigFile.profiles(in: $0, kind: kind)[name] }
        }
        return SharedProfile(name: name, credentialsPath: credentialsPath, configPath: configPath,
                             credentialsSection: section(credentialsPath, .credentials),
                             configSection: section(configPath, .config))
    }

    /// The profile's keys: the credentials file's, else the config file's (each file's pair whole,
    /// never a key from one and the secret from the other).
    var credentials: AWSCredentials? {
        for section in [credentialsSection, configSection].compactMap({ $0 }) {
            if let key = section["aws_access_key_id"], !key.isEmpty,
               let secret = section["aws_secret_access_key"], !secret.isEmpty {
                let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
                return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token)
            }
        }
        return nil
    }

    var region: String? { configSection?["region"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The profile's `endpoint_url` (a local S3 such as moto or LocalStack).
    var endpoint: String? { configSection?["endpoint_url"].flatMap { $0.isEmpty ? nil : $0 } }

    /// Why the profile gave no keys, for the message of a refused unsigned request.
    var whyNoCredentials: String {
        let files = [credentialsPath, configPath].compactMap { $0 }.joined(separator: " nor ")
        guard credentialsSection != nil || configSection != nil else {
            return "profile '\(name)' is in neither \(files)"
        }
        let sections = [credentialsSection, configSection].compactMap { $0 }
        if let source = Self.unreadSources.first(where: { source in sections.contains { $0[source] != nil } }) {
            return "profile '\(name)' gets its keys through \(source), which is not read here; "
                + "`aws configure export-credentials --profile \(name) --format env` exports them"
        }
        return "profile '\(name)' has no aws_access_key_id and aws_secret_access_key pair"
    }

    /// A config file's text; nil if it is missing, unreadable or too large to be one (1 MB).
    static func readSmallFile(_ path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int, size <= 1 << 20,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
