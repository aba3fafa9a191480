//! SyncML in-message authentication (`Cred` in the SyncHdr): `syncml:auth-basic` and
//! `syncml:auth-md5`, and the small base64 codec both need.
//!
//! md5 (OMA DS 1.2 §5.2.3.2): `Data = b64(md5(b64(md5("user:pass")) + ":" + nonce))`, where
//! the nonce is the raw bytes of the base64 `NextNonce` the server sent in a `Chal` or a
//! Status.

use md5::{Digest, Md5};

/// `syncml:auth-basic`.
pub const AUTH_BASIC: &str = "syncml:auth-basic";
/// `syncml:auth-md5`.
pub const AUTH_MD5: &str = "syncml:auth-md5";

/// How the client authenticates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthType {
    /// No credentials (an empty user name).
    None,
    /// `syncml:auth-basic`: b64(user:pass).
    Basic,
    /// `syncml:auth-md5`: a digest over a server nonce (the default: no password on the
    /// wire).
    #[default]
    Md5,
}

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

    /// The name kept in the store: `none`, `basic`, `md5`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::None => "none",
            AuthType::Basic => "basic",
            AuthType::Md5 => "md5",
        }
    }

    /// Parses [`AuthType::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(AuthType::None),
            "basic" => Some(AuthType::Basic),
            "md5" => Some(AuthType::Md5),
            _ => None,
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

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional, whitespace ignored); `None` when invalid.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

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
