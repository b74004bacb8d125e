import Synchronization

/// One at a time, in order of arrival, across suspension points: what a mutex is for
/// synchronous code. Neither the standard library nor a library in the package set has one
/// (swift-async-algorithms is not among them), so this is ours: a flag and a queue of
/// waiting continuations behind a `Mutex`.
final class AsyncGate: Sendable {
    private let state = Mutex<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T>(_ body: () async throws -> T) async throws -> T {
        await self.enter()
        defer { self.leave() }
        return try await body()
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now: Bool = self.state.withLock { state in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the gate to the next in line (it stays busy), or opens it.
    private func leave() {
        let next: CheckedContinuation<Void, Never>? = self.state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
