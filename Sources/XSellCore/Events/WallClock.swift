#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The wall clock, for the edges only: ingest's receive time and clock-skew check, dead-letter
/// and quarantine stamps, request times of requesters and simulators. The fold and the decision
/// engine never read it: their time is the event time the log carries (docs/projection-state.md).
public enum WallClock {
    /// Now (`CLOCK_REALTIME`), to the millisecond.
    public static func now() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(millisecondsSinceEpoch: Int64(now.tv_sec) * 1_000 + Int64((now.tv_nsec + 500_000) / 1_000_000))
    }
}
