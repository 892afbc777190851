// The AWS shared config and credentials files: their format, the profile the environment selects,
// what comes from them and what the environment overrides, and a real request signed with their keys.
import Foundation
import TestServers
import XCTest
@testable import ObjectStore

final class SharedProfileTests: XCTestCase {
    private var home: URL!

    override func setUpWithError() throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".aws"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: home)
    }

    private func write(_ text: String, to name: String) throws {
        try text.write(to: home.appendingPathComponent(".aws/\(name)"), atomically: true, encoding: .utf8)
    }

    func testParsesTheFormatAsTheCLIDoes() {
        let credentials = SharedConfigFile.profiles(in: """
            # a comment
            [default]
            aws_access_key_id = AKIDDEFAULT
            AWS_Secret_Access_Key=secret=with=equals\r
            ; another comment
            [dev]\t
              indented = belongs to the line above
            aws_access_key_id\t=\tAKIDDEV
            s3 =
              addressing_style = path
            [default]
            aws_session_token = later
            """, kind: .credentials)
        XCTAssertEqual(credentials["default"], ["aws_access_key_id": "AKIDDEFAULT", "aws_secret_access_key": "secret=with=equals",
                                                "aws_session_token": "later"])
        XCTAssertEqual(credentials["dev"], ["aws_access_key_id": "AKIDDEV", "s3": ""])

        let config = SharedConfigFile.profiles(in: """
            [default]
            region = eu-west-1
            [profile dev]
            region = ap-south-1
            [sso-session corp]
            sso_region = us-east-1
            [services local]
            s3 =
              endpoint_url = http://127.0.0.1:1
            [dev]
            region = not-a-config-profile
            """, kind: .config)
        XCTAssertEqual(Set(config.keys), ["default", "dev"])
        XCTAssertEqual(config["dev"]?["region"], "ap-south-1")
    }

    func testKeysAndRegionComeFromTheSelectedProfile() throws {
        try write("""
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret
            [dev]
            aws_access_key_id = AKIDDEV
            aws_secret_access_key = dev-secret
            aws_session_token = dev-token
            """, to: "credentials")
        try write("""
            [default]
            region = eu-west-1
            [profile dev]
            region = ap-south-1
            endpoint_url = http://127.0.0.1:9000/
            """, to: "config")
        let byDefault = S3Configuration.fromEnvironment(["HOME": home.path])
        XCTAssertEqual(byDefault.credentials?.accessKeyID, "AKIDDEFAULT")
        XCTAssertNil(byDefault.credentials?.sessionToken)
        XCTAssertEqual(byDefault.region, "eu-west-1")
        XCTAssertNil(byDefault.endpoint)

        let dev = S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "dev"])
        XCTAssertEqual(dev.credentials?.accessKeyID, "AKIDDEV")
        XCTAssertEqual(dev.credentials?.secretAccessKey, "dev-secret")
        XCTAssertEqual(dev.credentials?.sessionToken, "dev-token")
        XCTAssertEqual(dev.region, "ap-south-1")
        XCTAssertEqual(dev.endpoint, "http://127.0.0.1:9000")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path, "AWS_DEFAULT_PROFILE": "dev"]).region, "ap-south-1")

        // The environment comes first, each setting on its own.
        let overridden = S3Configuration.fromEnvironment([
            "HOME": home.path, "AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
            "AWS_REGION": "us-west-2", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"])
        XCTAssertEqual(overridden.credentials?.accessKeyID, "AKIDENV")
        XCTAssertNil(overridden.credentials?.sessionToken)
        XCTAssertEqual(overridden.region, "us-west-2")
        XCTAssertEqual(overridden.endpoint, "http://127.0.0.1:1")
        // A key without its secret in the environment is no credentials: the profile's are used.
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path, "AWS_ACCESS_KEY_ID": "AKIDENV"]).credentials?.accessKeyID,
                       "AKIDDEFAULT")
    }

    /// The session token's older name, which the AWS CLI still reads, in the environment and in the
    /// credentials file (a request signed without it is refused).
    func testTheTokensOlderNameIsRead() throws {
        let environment = S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                                                           "AWS_SECURITY_TOKEN": "old-name-token"])
        XCTAssertEqual(environment.credentials?.sessionToken, "old-name-token")
        try write("[default]\naws_access_key_id = AKIDOLD\naws_secret_access_key = old-secret\naws_security_token = old-token\n", to: "credentials")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path]).credentials?.sessionToken, "old-token")
    }

    func testTheCredentialsFileWinsAndAPairIsNeverSplitAcrossFiles() throws {
        try write("[default]\naws_access_key_id = AKIDHALF\n", to: "credentials")
        try write("[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\n", to: "config")
        let configuration = S3Configuration.fromEnvironment(["HOME": home.path])
        XCTAssertEqual(configuration.credentials?.accessKeyID, "AKIDCONFIG")
        XCTAssertEqual(configuration.credentials?.secretAccessKey, "config-secret")
        try write("[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = creds-secret\n", to: "credentials")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path]).credentials?.accessKeyID, "AKIDCREDS")
    }

    func testFileVariablesNameTheFilesAndATildeIsTheHome() throws {
        try write("[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n", to: "other-credentials")
        try write("[default]\nregion = sa-east-1\n", to: "other-config")
        let configuration = S3Configuration.fromEnvironment([
            "HOME": home.path, "AWS_SHARED_CREDENTIALS_FILE": "~/.aws/other-credentials",
            "AWS_CONFIG_FILE": home.appendingPathComponent(".aws/other-config").path])
        XCTAssertEqual(configuration.credentials?.accessKeyID, "AKIDOTHER")
        XCTAssertEqual(configuration.region, "sa-east-1")
    }

    /// Without HOME or the file variables (Lambda's case) nothing is read; with them, a missing file
    /// is no profile.
    func testNoFilesNoProfile() {
        let bare = S3Configuration.fromEnvironment([:])
        XCTAssertNil(bare.credentials)
        XCTAssertEqual(bare.region, "us-east-1")
        XCTAssertEqual(bare.whyUnsigned, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        let missing = S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "dev"])
        XCTAssertNil(missing.credentials)
        XCTAssertTrue(missing.whyUnsigned.contains("profile 'dev' is in neither \(home.path)/.aws/credentials nor \(home.path)/.aws/config"),
                      missing.whyUnsigned)
    }

    func testAProfileWhoseKeysComeOtherwiseSaysHowToExportThem() throws {
        try write("[profile corp]\nsso_session = corp\nregion = eu-central-1\n[profile half]\naws_access_key_id = AKID\n", to: "config")
        let sso = S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "corp"])
        XCTAssertNil(sso.credentials)
        XCTAssertEqual(sso.region, "eu-central-1")
        XCTAssertTrue(sso.whyUnsigned.contains("profile 'corp' gets its keys through sso_session, which is not followed here"), sso.whyUnsigned)
        XCTAssertTrue(sso.whyUnsigned.contains("aws configure export-credentials --profile corp --format env"), sso.whyUnsigned)
        let half = S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "half"])
        XCTAssertTrue(half.whyUnsigned.contains("profile 'half' has no aws_access_key_id and aws_secret_access_key pair"), half.whyUnsigned)
    }

    /// Where the AWS CLI would not use the stored keys, neither does the store: a role to assume
    /// (signing as the base user instead would act with the wrong rights), and a credential program,
    /// which the CLI prefers to the config file's keys (not to the credentials file's).
    func testStoredKeysAreNotUsedWhereTheCLIWouldGetOthers() throws {
        try write("[dev]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n", to: "credentials")
        try write("""
            [profile dev]
            role_arn = arn:aws:iam::123456789012:role/deployer
            source_profile = dev
            [profile tool]
            credential_process = /usr/local/bin/get-keys
            aws_access_key_id = AKIDCONFIG
            aws_secret_access_key = s
            """, to: "config")
        let role = S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "dev"])
        XCTAssertNil(role.credentials)
        XCTAssertTrue(role.whyUnsigned.contains("profile 'dev' gets its keys through role_arn"), role.whyUnsigned)
        let tool = S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "tool"])
        XCTAssertNil(tool.credentials)
        XCTAssertTrue(tool.whyUnsigned.contains("through credential_process"), tool.whyUnsigned)
        try write("[tool]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = s\n", to: "credentials")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "tool"]).credentials?.accessKeyID, "AKIDCREDS")
    }

    /// The credentials file's settings win over the config file's, as the CLI merges them; a region
    /// that is not a region's name is not taken (it goes into host names); configured endpoints
    /// can be turned off.
    func testRegionAndEndpointSettings() throws {
        try write("[default]\nregion = ca-central-1\n[odd]\nregion = eu-north-1 # comment\n", to: "credentials")
        try write("[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9000\n", to: "config")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path]).region, "ca-central-1")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path, "AWS_PROFILE": "odd"]).region, "us-east-1")
        XCTAssertEqual(S3Configuration.fromEnvironment(["HOME": home.path]).endpoint, "http://127.0.0.1:9000")
        XCTAssertNil(S3Configuration.fromEnvironment(["HOME": home.path, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]).endpoint)
    }

    /// A file that is there but cannot be a config file (here a FIFO, which would block a read) is
    /// not read, and the message says so.
    func testAFileThatCannotBeReadIsNamed() throws {
        let fifo = home.appendingPathComponent(".aws/credentials").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let configuration = S3Configuration.fromEnvironment(["HOME": home.path])
        XCTAssertNil(configuration.credentials)
        XCTAssertTrue(configuration.whyUnsigned.contains("(\(fifo) could not be read)"), configuration.whyUnsigned)
    }

    func testPrintedCredentialsShowNoSecret() {
        let configuration = S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIDPRINTED", "AWS_SECRET_ACCESS_KEY": "very-secret",
                                                             "AWS_SESSION_TOKEN": "secret-token"])
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            XCTAssertTrue(text.contains("AKIDPRINTED"), text)
            XCTAssertFalse(text.contains("very-secret") || text.contains("secret-token"), text)
        }
    }

    /// The profile's keys sign real requests (the session token goes along); a profile without keys
    /// sends them unsigned, and the refusal says why.
    func testRequestsAreSignedWithTheProfilesKeys() throws {
        let server = try ScriptedHTTPServer(doGET: """
            signed = "Credential=AKIDFILE/" in self.headers.get("Authorization", "") and self.headers.get("x-amz-security-token") == "file-token"
            body = b"hello" if signed else b"<Error><Code>AccessDenied</Code></Error>"
            self.send_response(200 if signed else 403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            """)
        try write("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\naws_session_token = file-token\n"
                  + "[nokeys]\nrole_arn = arn:aws:iam::123456789012:role/r\n", to: "credentials")
        try write("[default]\nendpoint_url = \(server.endpoint)\n[profile nokeys]\nendpoint_url = \(server.endpoint)\n", to: "config")
        let store = ObjectStore(policy: AccessPolicy(allowedRoots: []), s3: .fromEnvironment(["HOME": home.path]))
        XCTAssertEqual(try store.readAll("s3://videos/clip.mp4"), Array("hello".utf8))

        let unsigned = ObjectStore(policy: AccessPolicy(allowedRoots: []), s3: .fromEnvironment(["HOME": home.path, "AWS_PROFILE": "nokeys"]))
        XCTAssertThrowsError(try unsigned.readAll("s3://videos/clip.mp4")) { error in
            XCTAssertEqual((error as? ObjectStoreError)?.code, .accessDenied)
            XCTAssertTrue("\(error)".contains("the request went unsigned: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, "
                                              + "and profile 'nokeys' gets its keys through role_arn"), "\(error)")
        }
    }
}
