// The region the emulator gives runtimes when a developer runs one: the one the AWS CLI would use.
import Foundation
import LambdaEmulator
import ObjectStore

extension EmulatorConfiguration {
    /// AWS_REGION, else AWS_DEFAULT_REGION, else the region of the shared files' profile, else
    /// us-east-1. The runtimes sign their S3 requests for it, and read the same profile's keys.
    static var callersProfileRegion: String {
        S3Configuration.fromEnvironment(ProcessInfo.processInfo.environment).region
    }
}
