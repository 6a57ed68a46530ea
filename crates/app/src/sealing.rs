//! Sealing reporters' identities: ChaCha20-Poly1305 under a key kept in a file outside the database
//! (a stolen database or backup reveals nobody), bound to the case id so a sealed row cannot be moved
//! to another case.

use std::io::Write;
use std::path::Path;

use domain::hazards::Identity;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Digest;
use store::hazards::SealedIdentity;
use uuid::Uuid;

use crate::{Error, Result};

/// The key, and a short id naming it (rows say which key sealed them, so a key can be rotated).
pub struct IdentityKey {
    id: String,
    key: LessSafeKey,
}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl IdentityKey {
    /// Reads the key file, or makes one (readable by the owner only) when there is none.
    pub fn load_or_create(path: &Path) -> std::result::Result<IdentityKey, String> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut fresh = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut fresh)
                    .map_err(|_| "no system randomness for the identity key".to_owned())?;
                write_private(path, &fresh)
                    .map_err(|e| format!("cannot write the identity key {}: {e}", path.display()))?;
                fresh.to_vec()
            }
            Err(e) => return Err(format!("cannot read the identity key {}: {e}", path.display())),
        };
        IdentityKey::from_bytes(&bytes).map_err(|e| format!("identity key {}: {e}", path.display()))
    }

    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<IdentityKey, String> {
        if bytes.len() != 32 {
            return Err(format!("must hold exactly 32 bytes, has {}", bytes.len()));
        }
        let id = hex::encode(&sha2::Sha256::digest(bytes)[..4]);
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes).map_err(|_| "unusable key".to_owned())?;
        Ok(IdentityKey { id, key: LessSafeKey::new(key) })
    }

    /// Seals an identity for one case.
    pub fn seal(&self, case: Uuid, identity: &Identity) -> Result<SealedIdentity> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| Error::Internal("no system randomness".into()))?;
        let mut data = serde_json::to_vec(identity).map_err(|e| Error::Internal(e.to_string()))?;
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(case.as_bytes()), &mut data)
            .map_err(|_| Error::Internal("sealing failed".into()))?;
        Ok(SealedIdentity { case_id: case, key_id: self.id.clone(), nonce: nonce.to_vec(), sealed: data })
    }

    /// Opens a sealed identity; a row sealed by another key, moved to another case or altered fails.
    pub fn open(&self, s: &SealedIdentity) -> Result<Identity> {
        if s.key_id != self.id {
            return Err(Error::Internal(format!(
                "identity sealed with key {}, this instance has {}",
                s.key_id, self.id
            )));
        }
        let nonce = <[u8; NONCE_LEN]>::try_from(s.nonce.as_slice()).map_err(|_| Error::Internal("bad nonce".into()))?;
        let mut data = s.sealed.clone();
        let plain = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(s.case_id.as_bytes()), &mut data)
            .map_err(|_| Error::Internal("a sealed identity does not open: altered or moved".into()))?;
        serde_json::from_slice(plain).map_err(|e| Error::Internal(e.to_string()))
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity { name: "王举报".into(), phone: "13912345678".into(), email: String::new() }
    }

    #[test]
    fn a_sealed_identity_opens_for_its_case_and_shows_nothing_in_the_clear() {
        let key = IdentityKey::from_bytes(&[7; 32]).unwrap();
        let case = Uuid::now_v7();
        let s = key.seal(case, &identity()).unwrap();
        assert!(!String::from_utf8_lossy(&s.sealed).contains("13912345678"));
        assert_eq!(key.open(&s).unwrap(), identity());
    }

    #[test]
    fn a_sealed_identity_moved_to_another_case_or_altered_does_not_open() {
        let key = IdentityKey::from_bytes(&[7; 32]).unwrap();
        let s = key.seal(Uuid::now_v7(), &identity()).unwrap();
        let moved = SealedIdentity { case_id: Uuid::now_v7(), ..s.clone() };
        let refused = |r: Result<Identity>| match r {
            Err(Error::Internal(why)) => why,
            other => panic!("opened or failed otherwise: {other:?}"),
        };
        assert!(refused(key.open(&moved)).contains("does not open"));
        let mut altered = s.clone();
        altered.sealed[0] ^= 1;
        assert!(refused(key.open(&altered)).contains("does not open"));
        let other = IdentityKey::from_bytes(&[8; 32]).unwrap();
        assert!(refused(other.open(&s)).contains("sealed with key"));
        assert_eq!(IdentityKey::from_bytes(&[1; 16]).err().as_deref(), Some("must hold exactly 32 bytes, has 16"));
    }

    #[test]
    fn the_key_file_is_made_once_readable_by_its_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/identity.key");
        let a = IdentityKey::load_or_create(&path).unwrap();
        let b = IdentityKey::load_or_create(&path).unwrap();
        assert_eq!(a.id, b.id);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(dir.path().join("short.key"), [1u8; 5]).unwrap();
        assert!(IdentityKey::load_or_create(&dir.path().join("short.key")).unwrap_err().contains("32 bytes"));
    }
}
