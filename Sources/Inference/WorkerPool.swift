// Threads that stay awake through a run's parallel loops. Handing a loop to libdispatch wakes a
// sleeping thread every time (tens of microseconds on a VM), and a model run at batch 1 has a few
// parallel loops per layer: the hand-offs then cost more than the split saves. Workers here wait for
// the next loop by polling for a while (yielding the core to anything else that wants it) and only
// then sleep, so the loops of one run reach them within a microsecond or two.
import Glibc
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// One pool per process: kernels of every session share its threads, one loop at a time.
    static let shared = WorkerPool()

    /// How long a worker polls for the next loop before it sleeps: longer than the gaps between the
    /// loops of one run, short enough that an idle process goes quiet at once.
    static let pollNanoseconds: UInt64 = 1_000_000

    /// The current loop's number (bumped for each loop) and part count, in one word: a worker that
    /// sees a new value takes its part, and reads both at once (a worker with no part in one loop
    /// must not take the next loop's part count for this one's).
    private let generation = Atomic<Int>(0)
    private static let partBits = 8
    /// Workers' parts of the current loop not yet done.
    private let remaining = Atomic<Int>(0)
    /// Set while a loop runs: a second caller (a nested loop, another session's thread) is refused
    /// and runs its loop elsewhere.
    private let busy = Atomic<Bool>(false)
    /// Workers asleep on `wakeup`, so a caller signals only when someone is asleep.
    private let sleepers = Atomic<Int>(0)

    // The current loop: written before `generation` is bumped, read by workers after they see it.
    private var part: ((Int) -> Void)?

    private var mutex = pthread_mutex_t()
    private var wakeup = pthread_cond_t()
    private var workers = 0

    private init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wakeup, nil)
    }

    /// Runs `body(0)` ..< `body(count - 1)` at once, part 0 on the calling thread, and returns when
    /// all are done; false (nothing run) when the pool is already running a loop.
    func run(_ count: Int, _ body: (Int) -> Void) -> Bool {
        guard count > 1 else {
            if count == 1 { body(0) }
            return true
        }
        guard count < 1 << Self.partBits else { return false }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        // Without threads of its own (none could be started) the pool refuses the loop.
        guard startWorkers(upTo: count - 1) else { return false }
        withoutActuallyEscaping(body) { body in
            part = body
            remaining.store(count - 1, ordering: .relaxed)
            let number = generation.load(ordering: .relaxed) >> Self.partBits + 1
            generation.store(number << Self.partBits | count, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&wakeup)
                pthread_mutex_unlock(&mutex)
            }
            body(0)
            while remaining.load(ordering: .acquiring) > 0 { sched_yield() }
            part = nil
        }
        return true
    }

    /// Starts workers until there are `count`; false if the system refuses a thread.
    private func startWorkers(upTo count: Int) -> Bool {
        while workers < count {
            // The worker starts from the generation before the caller's bump, however late it runs.
            let start = WorkerStart(pool: self, index: workers + 1, seen: generation.load(ordering: .acquiring))
            let context = Unmanaged.passRetained(start).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                let start = Unmanaged<WorkerStart>.fromOpaque(context!).takeRetainedValue()
                start.pool.work(index: start.index, after: start.seen)
                return nil
            }, context)
            guard created == 0 else {
                Unmanaged<WorkerStart>.fromOpaque(context).release()
                return false
            }
            pthread_detach(thread)
            workers += 1
        }
        return true
    }

    /// A worker's life: wait for a loop after generation `seen`, take part `index` if the loop has
    /// that many parts, repeat.
    private func work(index: Int, after seen: Int) {
        var seen = seen
        while true {
            seen = waitForLoop(after: seen)
            guard index < seen & (1 << Self.partBits - 1) else { continue }
            part!(index)
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// The generation after `seen`: polled for `pollNanoseconds`, then slept for.
    private func waitForLoop(after seen: Int) -> Int {
        let deadline = Self.now() + Self.pollNanoseconds
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            if Self.now() > deadline { break }
            sched_yield()
        }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(&mutex)
        while generation.load(ordering: .sequentiallyConsistent) == seen {
            pthread_cond_wait(&wakeup, &mutex)
        }
        pthread_mutex_unlock(&mutex)
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        return generation.load(ordering: .acquiring)
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// What a new worker thread needs to know: its pool, its part number and the last loop it missed.
private final class WorkerStart {
    let pool: WorkerPool
    let index: Int
    let seen: Int
    init(pool: WorkerPool, index: Int, seen: Int) { self.pool = pool; self.index = index; self.seen = seen }
}
