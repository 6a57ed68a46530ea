//! A short-lived, in-process memory of who is behind a session, so that a page view does not pay
//! a database round trip just to learn its caller. Every change that ends sessions on this
//! instance forgets them here at once; another instance may serve a revoked session for at most
//! `session_cache_seconds` (0 turns the cache off).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::auth::Actor;

/// Entries beyond this are dropped wholesale: a full cache costs one query per request, nothing more.
const CAPACITY: usize = 20_000;

#[derive(Debug, Default)]
pub struct SessionCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Actor)>>,
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
        entries.get(id_hash).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, a)| a.clone())
    }

    pub fn put(&self, id_hash: &str, actor: &Actor) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                let ttl = self.ttl;
                entries.retain(|_, (at, _)| at.elapsed() < ttl);
                if entries.len() >= CAPACITY {
                    entries.clear();
                }
            }
            entries.insert(id_hash.to_owned(), (Instant::now(), actor.clone()));
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
            entries.retain(|_, (_, a)| a.user_id != Some(user_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(user: Uuid) -> Actor {
        Actor { user_id: Some(user), ..Actor::system(Uuid::nil(), "/".into()) }
    }

    #[test]
    fn entries_expire_and_can_be_forgotten_by_session_or_user() {
        let cache = SessionCache::new(Duration::from_millis(50));
        let (u1, u2) = (Uuid::now_v7(), Uuid::now_v7());
        cache.put("a", &actor(u1));
        cache.put("b", &actor(u1));
        cache.put("c", &actor(u2));
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
        cache.put("a", &actor(Uuid::now_v7()));
        assert!(cache.get("a").is_none());
    }
}
