//! A short-lived, in-process memory of who is behind a session, so that a page view does not pay
//! a database round trip just to learn its caller. Every change that ends sessions on this
//! instance forgets them here at once; another instance may serve a revoked session for at most
//! `session_cache_seconds` (0 turns the cache off). An entry never outlives the session itself: past its
//! idle or absolute end it is not served, however recently it was remembered.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::Actor;

/// Entries beyond this are dropped wholesale: a full cache costs one query per request, nothing more.
const CAPACITY: usize = 20_000;

#[derive(Debug, Default)]
pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    remembered: Instant,
    /// When the session itself ends (idle or absolute, whichever comes first).
    ends: DateTime<Utc>,
    actor: Actor,
}

impl SessionCache {
    pub fn new(ttl: Duration) -> SessionCache {
        SessionCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, id_hash: &str) -> Option<Actor> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let now = store::now();
        entries.get(id_hash).filter(|e| e.remembered.elapsed() < self.ttl && now < e.ends).map(|e| e.actor.clone())
    }

    /// Remembers who is behind a session that ends (idle or absolute, whichever comes first) at `ends`.
    pub fn put(&self, id_hash: &str, actor: &Actor, ends: DateTime<Utc>) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                let ttl = self.ttl;
                entries.retain(|_, e| e.remembered.elapsed() < ttl);
                if entries.len() >= CAPACITY {
                    entries.clear();
                }
            }
            entries.insert(id_hash.to_owned(), Entry { remembered: Instant::now(), ends, actor: actor.clone() });
        }
    }

    /// Forgets one session (logout).
    pub fn forget(&self, id_hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id_hash);
        }
    }

    /// Forgets every session of a user (password change or reset, deactivation).
    pub fn forget_user(&self, user_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, e| e.actor.user_id != Some(user_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(user: Uuid) -> Actor {
        Actor { user_id: Some(user), ..Actor::system(Uuid::nil(), "/".into()) }
    }

    fn in_an_hour() -> DateTime<Utc> {
        store::now() + chrono::Duration::hours(1)
    }

    #[test]
    fn entries_expire_and_can_be_forgotten_by_session_or_user() {
        let cache = SessionCache::new(Duration::from_millis(50));
        let (u1, u2) = (Uuid::now_v7(), Uuid::now_v7());
        cache.put("a", &actor(u1), in_an_hour());
        cache.put("b", &actor(u1), in_an_hour());
        cache.put("c", &actor(u2), in_an_hour());
        assert!(cache.get("a").is_some());
        cache.forget("a");
        assert!(cache.get("a").is_none());
        cache.forget_user(u1);
        assert!(cache.get("b").is_none());
        assert!(cache.get("c").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get("c").is_none(), "expired");
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = SessionCache::new(Duration::ZERO);
        cache.put("a", &actor(Uuid::now_v7()), in_an_hour());
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn an_entry_is_not_served_past_the_end_of_its_session() {
        let cache = SessionCache::new(Duration::from_secs(60));
        cache.put("a", &actor(Uuid::now_v7()), store::now() + chrono::Duration::milliseconds(30));
        assert!(cache.get("a").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("a").is_none(), "served after the session ended");
    }
}
