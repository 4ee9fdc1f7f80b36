//! Encryption at rest: the master key, sealing of user content with XChaCha20-Poly1305, keyed
//! lookup hashes and bearer tokens. Nothing here touches the database or the file system.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Length of the random nonce that opens every sealed value.
const NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag that closes every sealed value.
const TAG_LEN: usize = 16;

/// Labels for the sub-keys derived from the master key. Sealing and lookup hashing use separate
/// keys so that a hash can never be mistaken for, or help forge, a ciphertext.
const SEAL_LABEL: &[u8] = b"praxis-server seal v1";
const LOOKUP_LABEL: &[u8] = b"praxis-server lookup v1";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("sealed value is too short to hold a nonce and a tag")]
    Truncated,
    #[error("sealed value does not open: wrong key, or it was tampered with or moved")]
    Open,
}

/// The server's 32-byte master key. Its `Debug` shows no bytes, so it cannot leak through a log
/// line, and it is overwritten when dropped.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh key from the operating system's random number generator.
    pub fn generate() -> Self {
        Self(random())
    }

    /// The raw bytes, for writing a key file; nothing else should need them.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        // Best effort without unsafe code: `black_box` keeps the compiler from proving the
        // zeroed bytes are never read and eliding the write.
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

/// Seals and opens column values, and computes keyed lookup hashes, under one master key.
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    lookup_key: [u8; 32],
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Drop for Sealer {
    fn drop(&mut self) {
        self.lookup_key.fill(0);
        std::hint::black_box(&self.lookup_key);
    }
}

impl Sealer {
    pub fn new(key: &MasterKey) -> Self {
        let mut seal_key = derive(key, SEAL_LABEL);
        let cipher = XChaCha20Poly1305::new(&Key::from(seal_key));
        seal_key.fill(0);
        std::hint::black_box(&seal_key);
        Self { cipher, lookup_key: derive(key, LOOKUP_LABEL) }
    }

    /// Encrypts `plaintext` for one cell: `table`, `column` and `row_id` are bound in as
    /// associated data, so a sealed value copied to another row or column does not open.
    /// Returns nonce || ciphertext || tag.
    pub fn seal(&self, table: &str, column: &str, row_id: impl fmt::Display, plaintext: &[u8]) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = random();
        let nonce = XNonce::from(nonce_bytes);
        let aad = associated_data(table, column, row_id);
        // Encryption into a growable buffer only fails if the message exceeds the cipher's
        // limit of 256 GiB, which no request body gets near.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: aad.as_bytes() })
            .expect("XChaCha20-Poly1305 encryption of an in-memory value cannot fail");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts what [`Sealer::seal`] produced for the same cell.
    pub fn open(
        &self,
        table: &str,
        column: &str,
        row_id: impl fmt::Display,
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Truncated);
        }
        let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce_bytes).map_err(|_| CryptoError::Truncated)?;
        let aad = associated_data(table, column, row_id);
        self.cipher.decrypt(&nonce, Payload { msg: ciphertext, aad: aad.as_bytes() }).map_err(|_| CryptoError::Open)
    }

    /// HMAC-SHA256 of `data` under a key derived from the master key, for looking up and
    /// enforcing uniqueness of sealed values (e-mail addresses, names) without storing them in
    /// the clear. `purpose` separates the hash spaces, so equal strings used for different
    /// things do not hash alike.
    pub fn keyed_hash(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.lookup_key).expect("HMAC accepts a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

/// SHA-256 of a bearer token. Tokens carry 256 random bits, so an unkeyed hash is enough: there
/// is nothing to guess, and the hash lets the store match tokens without keeping them.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A new bearer token: `prx_` and 256 random bits in URL-safe base64 without padding. The
/// prefix makes leaked tokens easy to spot by secret scanners.
pub fn new_token() -> String {
    let bytes: [u8; 32] = random();
    format!("prx_{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn associated_data(table: &str, column: &str, row_id: impl fmt::Display) -> String {
    // NUL cannot occur in the identifiers we pass, so the encoding is unambiguous.
    format!("{table}\0{column}\0{row_id}")
}

fn derive(key: &MasterKey, label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(&key.0).expect("HMAC accepts a key of any length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    // Without randomness we cannot make keys, nonces or tokens safely; carrying on would be
    // worse than stopping.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&MasterKey::from_bytes([7; 32]))
    }

    #[test]
    fn seal_opens_only_in_its_own_cell() {
        let s = sealer();
        let sealed = s.seal("users", "email", 3, b"a@example.com");
        assert_eq!(s.open("users", "email", 3, &sealed).unwrap(), b"a@example.com");
        assert!(s.open("users", "email", 4, &sealed).is_err());
        assert!(s.open("users", "name", 3, &sealed).is_err());
        assert!(s.open("spaces", "email", 3, &sealed).is_err());
        let other = Sealer::new(&MasterKey::from_bytes([8; 32]));
        assert!(other.open("users", "email", 3, &sealed).is_err());
    }

    #[test]
    fn tampering_and_truncation_are_caught() {
        let s = sealer();
        let mut sealed = s.seal("t", "c", 1, b"secret");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(matches!(s.open("t", "c", 1, &sealed), Err(CryptoError::Open)));
        assert!(matches!(s.open("t", "c", 1, &sealed[..10]), Err(CryptoError::Truncated)));
    }

    #[test]
    fn nonces_differ_between_seals() {
        let s = sealer();
        assert_ne!(s.seal("t", "c", 1, b"same"), s.seal("t", "c", 1, b"same"));
    }

    #[test]
    fn keyed_hash_depends_on_key_and_purpose() {
        let s = sealer();
        assert_eq!(s.keyed_hash("email", b"x"), s.keyed_hash("email", b"x"));
        assert_ne!(s.keyed_hash("email", b"x"), s.keyed_hash("space", b"x"));
        let other = Sealer::new(&MasterKey::from_bytes([8; 32]));
        assert_ne!(s.keyed_hash("email", b"x"), other.keyed_hash("email", b"x"));
    }

    #[test]
    fn tokens_are_prefixed_and_unique() {
        let a = new_token();
        assert!(a.starts_with("prx_"));
        assert_eq!(a.len(), 4 + 43);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", MasterKey::from_bytes([0xab; 32])), "MasterKey(..)");
        assert_eq!(format!("{:?}", sealer()), "Sealer(..)");
    }
}
