// The counts a benchmark repeats or takes a median of come from the command line; a median of
// nothing has no value, so each must be at least 1 (0 stopped the process with a trap).
import ArgumentParser

/// Throws a usage error naming the first option in `counts` below 1.
func requireAtLeastOne(_ counts: KeyValuePairs<String, Int>) throws {
    for (option, value) in counts where value < 1 {
        throw ValidationError("--\(option) must be at least 1, not \(value)")
    }
}
