// The arena plan: values alive at the same time never share bytes, and the arena is as small as
// the largest set of values alive at once where the sizes allow it.
import XCTest
@testable import Inference

final class ArenaPlanTests: XCTestCase {
    private func assertNoOverlap(_ values: [ArenaPlan.Value], _ plan: ArenaPlan, file: StaticString = #filePath, line: UInt = #line) {
        for (i, a) in values.enumerated() {
            let start = plan.offsets[a.name]!
            XCTAssertEqual(start % ArenaPlan.alignment, 0, "\(a.name) is not aligned", file: file, line: line)
            XCTAssertLessThanOrEqual(start + a.bytes, plan.byteCount, file: file, line: line)
            for b in values[(i + 1)...] where a.lifetime.overlaps(b.lifetime) {
                let other = plan.offsets[b.name]!
                XCTAssertTrue(start + a.bytes <= other || other + b.bytes <= start,
                              "\(a.name) and \(b.name) are alive together but share bytes", file: file, line: line)
            }
        }
    }

    /// A chain with a residual branch, as in a ResNet block: the arena is the peak of what is alive.
    func testAResidualBlockPacksToItsPeak() {
        let megabyte = 1 << 20
        let values: [ArenaPlan.Value] = [
            .init(name: "stem", bytes: 24 * megabyte, lifetime: 0...1),
            .init(name: "pool", bytes: 6 * megabyte, lifetime: 1...4),     // also the residual
            .init(name: "branch1", bytes: 6 * megabyte, lifetime: 2...3),
            .init(name: "branch2", bytes: 6 * megabyte, lifetime: 3...4),
            .init(name: "sum", bytes: 6 * megabyte, lifetime: 4...5),
        ]
        let plan = ArenaPlan(values)
        assertNoOverlap(values, plan)
        XCTAssertEqual(plan.byteCount, 30 * megabyte, "stem and pool are the most alive at once")
    }

    /// `rounds` random sets of values (sizes up to 5000 bytes, lifetimes from `lifetime`): never an
    /// overlap, never less than the peak alive at once, never more than all of them.
    private func assertRandomPlans(rounds: Int, count: ClosedRange<Int>, starts: Int, lifetime: (inout SystemRandomNumberGenerator) -> Int,
                                   file: StaticString = #filePath, line: UInt = #line) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<rounds {
            let values = (0..<Int.random(in: count, using: &generator)).map { index -> ArenaPlan.Value in
                let start = Int.random(in: 0..<starts, using: &generator)
                return .init(name: "v\(index)", bytes: Int.random(in: 1...5000, using: &generator), lifetime: start...(start + lifetime(&generator)))
            }
            let plan = ArenaPlan(values)
            assertNoOverlap(values, plan, file: file, line: line)
            let lastStep = values.map(\.lifetime.upperBound).max()!
            let peak = (0...lastStep).map { step in values.filter { $0.lifetime.contains(step) }.reduce(0) { $0 + ArenaPlan.aligned($1.bytes) } }.max()!
            XCTAssertGreaterThanOrEqual(plan.byteCount, peak, file: file, line: line)
            XCTAssertLessThanOrEqual(plan.byteCount, values.reduce(0) { $0 + ArenaPlan.aligned($1.bytes) }, file: file, line: line)
        }
    }

    func testRandomValuesNeverShareBytesWhileAlive() {
        assertRandomPlans(rounds: 200, count: 1...40, starts: 30) { Int.random(in: 0..<8, using: &$0) }
    }

    /// Lifetimes long and short together (the long ones are found by offset, the short by step):
    /// the same guarantees.
    func testLongAndShortLifetimesNeverShareBytesWhileAlive() {
        assertRandomPlans(rounds: 50, count: 1...80, starts: 200) { generator in
            Bool.random(using: &generator) ? Int.random(in: 0..<8, using: &generator) : Int.random(in: 60..<300, using: &generator)
        }
    }

    /// Many branches alive together until one node sums them (3,000 here; 20,000 planned for
    /// minutes when each value walked every step of its life and every value alive there).
    func testManyBranchesAliveTogetherArePlacedSideBySide() {
        let count = 3000
        let values = (0..<count).map { ArenaPlan.Value(name: "relu\($0)", bytes: 100, lifetime: $0...count) }
        let plan = ArenaPlan(values)
        XCTAssertEqual(plan.byteCount, count * ArenaPlan.aligned(100))
        XCTAssertEqual(Set(plan.offsets.values).count, count, "each branch has bytes of its own")
    }
}
