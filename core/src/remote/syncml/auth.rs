//! SyncML in-message authentication (`Cred` in the SyncHdr): `syncml:auth-basic` and
//! `syncml:auth-md5`, and the small base64 codec both need.
//!
//! md5 (OMA DS 1.2 §5.2.3.2): `Data = b64(md5(b64(md5("user:pass")) + ":" + nonce))`, where
//! the nonce is the raw bytes of the base64 `NextNonce` the server sent in a `Chal` or a
//! Status.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};
use md5::{Digest, Md5};

/// `syncml:auth-basic`.
pub const AUTH_BASIC: &str = "syncml:auth-basic";
/// `syncml:auth-md5`.
pub const AUTH_MD5: &str = "syncml:auth-md5";

pub use crate::model::SyncMlAuth as AuthType;

impl AuthType {
    /// The auth type named by a `Meta/Type` (`syncml:auth-basic`, `syncml:auth-md5`).
    pub fn from_meta_type(t: &str) -> Option<Self> {
        match t.trim() {
            AUTH_BASIC => Some(AuthType::Basic),
            AUTH_MD5 => Some(AuthType::Md5),
            _ => None,
        }
    }

    /// The `Meta/Type` of this auth type (`None` for no auth).
    pub fn meta_type(self) -> Option<&'static str> {
        match self {
            AuthType::None => None,
            AuthType::Basic => Some(AUTH_BASIC),
            AuthType::Md5 => Some(AUTH_MD5),
        }
    }
}

/// The basic credential: b64("user:pass").
pub fn basic_credential(user: &str, password: &str) -> String {
    b64_encode(format!("{user}:{password}").as_bytes())
}

/// The md5 credential over `nonce_b64` (the server's NextNonce, base64; an undecodable nonce
/// is used as raw text, as some servers send plain nonces).
pub fn md5_credential(user: &str, password: &str, nonce_b64: &str) -> String {
    let inner = b64_encode(&Md5::digest(format!("{user}:{password}").as_bytes()));
    let nonce = b64_decode(nonce_b64).unwrap_or_else(|| nonce_b64.as_bytes().to_vec());
    let mut h = Md5::new();
    h.update(inner.as_bytes());
    h.update(b":");
    h.update(&nonce);
    b64_encode(&h.finalize())
}

/// Standard base64 with padding.
pub fn b64_encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes standard base64 (padding optional, whitespace ignored, the URL-safe `-` and `_`
/// accepted as some servers send them); `None` when invalid.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    LENIENT.decode(clean.trim_end_matches('=')).ok()
}

/// Standard alphabet, padding optional on input.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(b64_encode(plain.as_bytes()), enc);
            assert_eq!(b64_decode(enc).unwrap(), plain.as_bytes());
        }
        assert!(b64_decode("Zm9v*").is_none());
    }

    #[test]
    fn basic_and_md5_credentials() {
        assert_eq!(
            basic_credential("Bruce2", "OhBehave"),
            "QnJ1Y2UyOk9oQmVoYXZl"
        );
        // The OMA DS 1.2 example: user Bruce2, password OhBehave, nonce "Nonce".
        assert_eq!(
            md5_credential("Bruce2", "OhBehave", &b64_encode(b"Nonce")),
            "Zz6EivR3yeaaENcRN6lpAQ=="
        );
    }
}
