//! The audit trail's hash chain (留痕): every row hashes its content and the previous row's hash,
//! so an edit, a deletion, an insertion or a reordering breaks the chain at that row.

use sha2::{Digest, Sha256};

/// The hash the first row chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row of the trail, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// RFC 3339, UTC, microseconds: the exact text that is hashed.
    pub at: String,
    /// The path of the authority whose trail this row belongs to (`None`: the installation's).
    pub scope: Option<String>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON text, hashed byte for byte as stored.
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// SHA-256 over the previous hash and an unambiguous encoding of the row's fields (each field
    /// length-prefixed, so no two different rows encode alike).
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |s: &str| {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        };
        field(&self.prev_hash);
        field(&self.seq.to_string());
        field(&self.at);
        field(self.scope.as_deref().unwrap_or("\u{0}"));
        field(self.actor_id.as_deref().unwrap_or("\u{0}"));
        field(&self.actor_name);
        field(&self.action);
        field(&self.entity);
        field(self.entity_id.as_deref().unwrap_or("\u{0}"));
        field(&self.summary);
        hex::encode(h.finalize())
    }
}

/// Why the chain does not verify, naming the first row that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("row seq={seq}: its content does not match its hash (edited)")]
    Edited { seq: i64 },
    #[error("row seq={seq}: it does not follow the row before it (a row was deleted, inserted or moved before it)")]
    Unlinked { seq: i64 },
    #[error("row seq={seq}: expected seq={expected} (a row was deleted or inserted)")]
    Gap { seq: i64, expected: i64 },
    #[error("the trail ends at seq={last} but the head says seq={head} (rows were removed from the end)")]
    Truncated { last: i64, head: i64 },
    #[error("the head's hash does not match the last row (the head or the last row was changed)")]
    HeadMismatch,
}

/// Checks rows (in stored `seq` order) one after the other; call [`Verifier::finish`] with the head.
#[derive(Debug)]
pub struct Verifier {
    prev_hash: String,
    next_seq: i64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self { prev_hash: GENESIS.to_owned(), next_seq: 1 }
    }
}

impl Verifier {
    pub fn check(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.seq != self.next_seq {
            return Err(ChainBreak::Gap { seq: r.seq, expected: self.next_seq });
        }
        if r.expected_hash() != r.hash {
            return Err(ChainBreak::Edited { seq: r.seq });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: r.seq });
        }
        self.prev_hash.clone_from(&r.hash);
        self.next_seq += 1;
        Ok(())
    }

    /// `head` is the stored (last seq, last hash); rows must reach exactly there.
    pub fn finish(self, head: (i64, &str)) -> Result<i64, ChainBreak> {
        let last = self.next_seq - 1;
        if last != head.0 {
            return Err(ChainBreak::Truncated { last, head: head.0 });
        }
        if head.1 != self.prev_hash {
            return Err(ChainBreak::HeadMismatch);
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: format!("2026-11-29T03:00:0{seq}.000000Z"),
                    scope: None,
                    actor_id: None,
                    actor_name: "系统".into(),
                    action: "unit.create".into(),
                    entity: "unit".into(),
                    entity_id: Some(format!("id{seq}")),
                    summary: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = r.expected_hash();
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(rows: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut v = Verifier::default();
        for r in rows {
            v.check(r)?;
        }
        v.finish(head)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let rows = chain(5);
        assert_eq!(verify(&rows, (5, &rows[4].hash)), Ok(5));
    }

    #[test]
    fn an_edited_row_is_named() {
        let mut rows = chain(5);
        rows[2].summary = r#"{"x":1}"#.into();
        assert_eq!(verify(&rows, (5, &rows[4].hash.clone())), Err(ChainBreak::Edited { seq: 3 }));
    }

    #[test]
    fn swapped_rows_are_caught() {
        let mut rows = chain(5);
        rows.swap(1, 2);
        let head = rows[4].hash.clone();
        assert!(matches!(verify(&rows, (5, &head)), Err(ChainBreak::Gap { seq: 3, .. })));
    }

    #[test]
    fn a_truncated_tail_is_caught() {
        let rows = chain(5);
        let head = rows[4].hash.clone();
        assert!(matches!(verify(&rows[..4], (5, &head)), Err(ChainBreak::Truncated { .. })));
    }
}
