import XSellCore

/// The span of time in which contacts or outcomes are counted against a policy or metric.
///
/// Period semantics (guide §3 leaves them open; the configuration has no field to choose):
/// * **Rolling** windows are used by `frequency_cap` (day = the last 24 h, week = the last 7 × 24 h,
///   month = the last 30 × 24 h), `cooldown` (`hours`), `outcome_based` (`suppressForDays` × 24 h),
///   `mutual_exclusion` (`withinDays` × 24 h) and the rolling metrics (`contacts_7d`, …).
///   A rolling window of length L at `now` holds the instants `t` with `t > now − L`: an event
///   exactly L ago has just left it.
/// * **Calendar** periods are used by `customer_total_cap`: `daily` is the UTC day containing
///   `now`, `weekly` the ISO week (Monday 00:00 UTC onwards), `monthly` the calendar month in UTC.
///   A calendar period holds the instants `t ≥` its start, so the budget resets at midnight UTC,
///   on Monday, or on the 1st.
///
/// Neither has an upper bound: an event stamped after `now` (a clock a little ahead) still counts,
/// which errs on the side of contacting less.
public enum CountingWindow: Sendable, Hashable {
    /// The last `milliseconds` before `now`.
    case rolling(milliseconds: Int64)
    /// The calendar period containing `now`.
    case calendar(CalendarPeriod)

    /// A rolling window of `hours` hours (fractions allowed).
    public static func hours(_ hours: Double) -> CountingWindow {
        .rolling(milliseconds: Int64((hours * 3_600_000).rounded()))
    }

    /// A rolling window of `days` × 24 h.
    public static func days(_ days: Int) -> CountingWindow {
        .rolling(milliseconds: Int64(days) * Timestamp.millisecondsPerDay)
    }

    /// The earliest instant inside the window at `now`, and whether that instant itself counts.
    public func lowerBound(at now: Timestamp) -> InstantBound {
        switch self {
        case .rolling(let length): InstantBound(instant: now.adding(milliseconds: -length), inclusive: false)
        case .calendar(let period): InstantBound(instant: period.start(containing: now), inclusive: true)
        }
    }
}

/// A calendar period in UTC.
public enum CalendarPeriod: Sendable, Hashable {
    /// A UTC day.
    case day
    /// An ISO week, Monday to Sunday.
    case isoWeek
    /// A calendar month.
    case month

    /// The period of a `customer_total_cap`'s `periodType`.
    public init(_ periodType: PeriodType) {
        switch periodType {
        case .daily: self = .day
        case .weekly: self = .isoWeek
        case .monthly: self = .month
        }
    }

    /// The first instant of the period containing `t`.
    public func start(containing t: Timestamp) -> Timestamp {
        let msPerDay = Timestamp.millisecondsPerDay
        let day = t.millisecondsSinceEpoch >= 0
            ? t.millisecondsSinceEpoch / msPerDay
            : (t.millisecondsSinceEpoch - msPerDay + 1) / msPerDay
        switch self {
        case .day:
            return Timestamp(millisecondsSinceEpoch: day * msPerDay)
        case .isoWeek:
            // 1970-01-01 was a Thursday: days since the last Monday = (day + 3) mod 7.
            let sinceMonday = ((day + 3) % 7 + 7) % 7
            return Timestamp(millisecondsSinceEpoch: (day - sinceMonday) * msPerDay)
        case .month:
            // The day of the month of `day` (H. Hinnant's civil_from_days, proleptic Gregorian),
            // then back to the 1st. Integer arithmetic only: this runs for every offer of every
            // decision under a monthly cap (formatting and parsing RFC 3339 here cost ~1 µs each).
            let z = day + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from 1 March
            let monthIndex = (5 * dayOfYear + 2) / 153
            let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
            return Timestamp(millisecondsSinceEpoch: (day - (dayOfMonth - 1)) * msPerDay)
        }
    }
}
