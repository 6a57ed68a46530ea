//! Per-address limits for what anyone may do without signing in (filing reports, looking up receipt
//! codes): a fixed hourly window per address, kept in memory by each instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{Error, Result};

#[derive(Debug, Default)]
pub struct Limiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

const WINDOW: Duration = Duration::from_secs(3600);

impl Limiter {
    /// Counts one more for `key`; past `per_hour` within the hour it is refused (0: no limit).
    pub fn check(&self, key: &str, per_hour: u32) -> Result<()> {
        if per_hour == 0 {
            return Ok(());
        }
        let Ok(mut windows) = self.windows.lock() else { return Ok(()) };
        let now = Instant::now();
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= per_hour {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(Error::TooManyAttempts {
                retry_after_seconds: i64::try_from(left.as_secs()).unwrap_or(3600).max(1),
            });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_past_its_hourly_limit_is_refused_and_others_are_not() {
        let l = Limiter::default();
        for _ in 0..3 {
            l.check("10.0.0.1", 3).unwrap();
        }
        assert!(matches!(l.check("10.0.0.1", 3), Err(Error::TooManyAttempts { .. })));
        l.check("10.0.0.2", 3).unwrap();
        l.check("10.0.0.1", 0).unwrap();
    }
}
