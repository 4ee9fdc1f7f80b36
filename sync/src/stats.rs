//! Counting usage locally: per practice and language, findings, suppressions, fixes applied,
//! files checked and engine time. What a [`Tally`] holds is exactly what a batch carries:
//! practice ids, language names and numbers, nothing about a person, machine, path or code.

use std::collections::BTreeMap;

use crate::wire::Counter;

/// Counters being taken, merged per practice and language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    counters: BTreeMap<(String, String), Counter>,
    /// Engine time in nanoseconds, kept finer than the counters' milliseconds so that many
    /// short checks add up; turned into milliseconds when the counters are taken.
    nanos: BTreeMap<(String, String), u128>,
}

impl Tally {
    /// The counter of `practice` in `language`, created at zero.
    pub fn entry(&mut self, practice: &str, language: &str) -> &mut Counter {
        self.counters.entry((practice.to_owned(), language.to_owned())).or_insert_with(|| Counter {
            practice: practice.to_owned(),
            language: language.to_owned(),
            ..Counter::default()
        })
    }

    /// Adds engine time spent by `practice` in `language`.
    pub fn add_time(&mut self, practice: &str, language: &str, time: std::time::Duration) {
        self.entry(practice, language);
        *self.nanos.entry((practice.to_owned(), language.to_owned())).or_default() += time.as_nanos();
    }

    pub fn merge(&mut self, other: Tally) {
        for (key, nanos) in other.nanos {
            *self.nanos.entry(key).or_default() += nanos;
        }
        for (key, counter) in other.counters {
            match self.counters.get_mut(&key) {
                Some(kept) => kept.add(&counter),
                None => {
                    self.counters.insert(key, counter);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counters.is_empty()
    }

    /// The counters, sorted by practice and language.
    pub fn counters(&self) -> Vec<Counter> {
        self.counters
            .iter()
            .map(|(key, counter)| {
                let nanos = self.nanos.get(key).copied().unwrap_or(0);
                let millis = u64::try_from((nanos + 500_000) / 1_000_000).unwrap_or(u64::MAX);
                Counter { millis: counter.millis.saturating_add(millis), ..counter.clone() }
            })
            .collect()
    }

    /// The counters, leaving the tally empty.
    pub fn take(&mut self) -> Vec<Counter> {
        let counters = self.counters();
        *self = Tally::default();
        counters
    }
}

/// Today in UTC, `YYYY-MM-DD`: the day counters are filed under.
pub fn today() -> String {
    day_of(crate::cache::now())
}

/// The UTC day of a Unix time, `YYYY-MM-DD` (the proleptic Gregorian calendar).
pub fn day_of(seconds: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A new random batch id: 32 hex digits, from the OS's random source.
pub fn batch_id() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the id falls back to the time; the server then may (rarely) take two
    // batches as one, which loses counts but never double-counts or identifies anyone.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(951_782_400), "2000-02-29");
        assert_eq!(day_of(1_795_996_799), "2026-11-29");
        assert_eq!(day_of(1_795_996_800), "2026-11-30");
        assert_eq!(day_of(-1), "1969-12-31");
    }

    #[test]
    fn tallies_merge_per_practice_and_language() {
        let mut a = Tally::default();
        a.entry("p", "python").findings += 2;
        let mut b = Tally::default();
        b.entry("p", "python").findings += 3;
        b.entry("p", "go").files += 1;
        a.merge(b);
        let counters = a.take();
        assert_eq!(counters.len(), 2);
        assert_eq!((counters[0].language.as_str(), counters[0].files), ("go", 1));
        assert_eq!((counters[1].language.as_str(), counters[1].findings), ("python", 5));
        assert!(a.is_empty());
        for _ in 0..1000 {
            a.add_time("p", "python", std::time::Duration::from_micros(300));
        }
        assert_eq!(a.take()[0].millis, 300, "short checks add up");
        assert_ne!(batch_id(), batch_id());
        assert_eq!(batch_id().len(), 32);
    }
}
