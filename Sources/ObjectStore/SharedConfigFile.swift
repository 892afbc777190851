// The INI format of the AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials)
// as the AWS CLI and SDKs read it: sections of `name = value` properties, full-line comments.

enum SharedConfigFile {
    /// Which of the two files the text is: their section headers differ.
    enum Kind {
        /// `[name]` names a profile.
        case credentials
        /// `[default]` or `[profile name]` names a profile; other sections (`[sso-session x]`,
        /// `[services x]`) are not profiles.
        case config
    }

    /// The profiles in `text`, by name, each a map of lower-cased property names to values. A
    /// section that appears twice merges, the later property winning, as the SDKs do.
    static func profiles(in text: String, kind: Kind) -> [String: [String: String]] {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            // An indented line belongs to the property above it (`s3 =` followed by
            // `  addressing_style = path`): a nested setting, not one of the profile's own.
            if let first = rawLine.first, first == " " || first == "\t" { continue }
            if line.hasPrefix("[") {
                current = line.firstIndex(of: "]").flatMap { profileName(header: line[line.index(after: line.startIndex)..<$0], kind: kind) }
                if let current, profiles[current] == nil { profiles[current] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingSpaces().lowercased()
            guard !name.isEmpty else { continue }
            profiles[current]?[name] = String(line[line.index(after: equals)...].trimmingSpaces())
        }
        return profiles
    }

    /// The profile a section header names, nil for a section that is not a profile.
    private static func profileName(header: Substring, kind: Kind) -> String? {
        let header = header.trimmingSpaces()
        switch kind {
        case .credentials:
            return header.isEmpty ? nil : String(header)
        case .config:
            if header == "default" { return "default" }
            let words = header.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, words[0] == "profile" else { return nil }
            return String(words[1])
        }
    }
}
