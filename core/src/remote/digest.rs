//! HTTP Digest authentication (RFC 7616: MD5 and SHA-256, qop=auth) and the parsing of
//! `WWW-Authenticate` challenges shared with Basic.

use md5::{Digest as _, Md5};
use sha2::Sha256;

/// One challenge of a `WWW-Authenticate` header: a scheme and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The auth scheme, lower-cased (`basic`, `digest`, ...).
    pub scheme: String,
    /// Parameters with lower-cased names and unquoted values.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive), if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses every challenge of one or more `WWW-Authenticate` header values.
///
/// Tolerates several challenges in one header (`Basic realm="x", Digest realm="y", ...`),
/// quoted strings with escapes, and unquoted tokens.
pub fn parse_challenges<'a>(headers: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    for header in headers {
        let b = header.as_bytes();
        let mut i = 0;
        let mut current: Option<Challenge> = None;
        while i < b.len() {
            while i < b.len() && (b[i] == b',' || b[i].is_ascii_whitespace()) {
                i += 1;
            }
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b',' && b[i] != b'=' {
                i += 1;
            }
            if start == i {
                // A stray '=' or similar: skip it.
                i += 1;
                continue;
            }
            let token = &header[start..i];
            let mut j = i;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && b[j] == b'=' {
                // A parameter (or a token68 ending in '=', which we do not need).
                j += 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let mut value = String::new();
                if j < b.len() && b[j] == b'"' {
                    j += 1;
                    let mut chars = header[j..].char_indices();
                    let mut end = header.len();
                    while let Some((k, c)) = chars.next() {
                        match c {
                            '\\' => {
                                if let Some((_, n)) = chars.next() {
                                    value.push(n);
                                }
                            }
                            '"' => {
                                end = j + k + 1;
                                break;
                            }
                            c => value.push(c),
                        }
                    }
                    i = end;
                } else {
                    let vstart = j;
                    while j < b.len() && b[j] != b',' && !b[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    value.push_str(&header[vstart..j]);
                    i = j;
                }
                if let Some(c) = current.as_mut() {
                    c.params.push((token.to_ascii_lowercase(), value));
                }
            } else {
                if let Some(c) = current.take() {
                    out.push(c);
                }
                current = Some(Challenge {
                    scheme: token.to_ascii_lowercase(),
                    params: Vec::new(),
                });
            }
        }
        if let Some(c) = current.take() {
            out.push(c);
        }
    }
    out
}

/// A Digest hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Algorithm {
    /// MD5 (RFC 2617 and 7616).
    Md5,
    /// MD5-sess.
    Md5Sess,
    /// SHA-256 (RFC 7616).
    Sha256,
    /// SHA-256-sess.
    Sha256Sess,
}

impl Algorithm {
    fn parse(s: Option<&str>) -> Option<Algorithm> {
        match s.map(|s| s.to_ascii_uppercase()).as_deref() {
            None | Some("MD5") => Some(Algorithm::Md5),
            Some("MD5-SESS") => Some(Algorithm::Md5Sess),
            Some("SHA-256") => Some(Algorithm::Sha256),
            Some("SHA-256-SESS") => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex(&Sha256::digest(data.as_bytes())),
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// Preference when a server offers several: SHA-256 first.
    fn strength(self) -> u8 {
        match self {
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A Digest session: the server's last challenge and our nonce count, reused for every
/// request until the server sends a new nonce.
///
/// It holds no secret (the password is only hashed into each request), so it may be kept
/// between syncs: a sync resuming it sends its first request authorised, without the 401
/// round trip a fresh challenge costs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DigestSession {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    qop_auth: bool,
    nc: u32,
    /// Cnonce used by the `-sess` algorithms for the whole nonce lifetime.
    sess_cnonce: Option<String>,
}

impl DigestSession {
    /// Builds a session from a Digest challenge, or `None` when the challenge is not a
    /// usable Digest one (unknown algorithm, qop offered but without `auth`).
    pub fn from_challenge(c: &Challenge) -> Option<DigestSession> {
        if c.scheme != "digest" {
            return None;
        }
        let algorithm = Algorithm::parse(c.param("algorithm"))?;
        let nonce = c.param("nonce")?.to_string();
        let qop_auth = match c.param("qop") {
            None => false,
            Some(q) => {
                if q.split(',').any(|t| t.trim().eq_ignore_ascii_case("auth")) {
                    true
                } else {
                    return None; // only auth-int offered
                }
            }
        };
        Some(DigestSession {
            realm: c.param("realm").unwrap_or_default().to_string(),
            nonce,
            opaque: c.param("opaque").map(str::to_string),
            algorithm,
            qop_auth,
            nc: 0,
            sess_cnonce: None,
        })
    }

    /// Picks the strongest usable Digest challenge among `challenges`.
    pub fn best(challenges: &[Challenge]) -> Option<DigestSession> {
        challenges
            .iter()
            .filter_map(DigestSession::from_challenge)
            .max_by_key(|s| s.algorithm.strength())
    }

    /// Whether the challenge says our nonce was merely stale (credentials were fine).
    pub fn is_stale(c: &Challenge) -> bool {
        c.param("stale")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Takes a fresh nonce (from a `stale=true` challenge or `nextnonce`), resetting the count.
    pub fn renew_nonce(&mut self, nonce: &str) {
        self.nonce = nonce.to_string();
        self.nc = 0;
        self.sess_cnonce = None;
    }

    /// How many requests were authorised with the current nonce.
    pub fn nonce_count(&self) -> u32 {
        self.nc
    }

    /// The `Authorization` header value for one request, with a random cnonce.
    pub fn authorization(&mut self, user: &str, pass: &str, method: &str, uri: &str) -> String {
        let cnonce = hex(&rand::random::<[u8; 16]>());
        self.authorization_with_cnonce(user, pass, method, uri, &cnonce)
    }

    /// The `Authorization` header value with a given cnonce (for tests); counts the nonce use.
    pub fn authorization_with_cnonce(
        &mut self,
        user: &str,
        pass: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> String {
        self.nc += 1;
        let nc = format!("{:08x}", self.nc);
        let alg = self.algorithm;
        let mut ha1 = alg.hash(&format!("{user}:{}:{pass}", self.realm));
        if alg.is_sess() {
            let sc = self
                .sess_cnonce
                .get_or_insert_with(|| cnonce.to_string())
                .clone();
            ha1 = alg.hash(&format!("{ha1}:{}:{sc}", self.nonce));
        }
        let ha2 = alg.hash(&format!("{method}:{uri}"));
        let cnonce_used = if alg.is_sess() {
            self.sess_cnonce
                .clone()
                .unwrap_or_else(|| cnonce.to_string())
        } else {
            cnonce.to_string()
        };
        let response = if self.qop_auth {
            alg.hash(&format!(
                "{ha1}:{}:{nc}:{cnonce_used}:auth:{ha2}",
                self.nonce
            ))
        } else {
            alg.hash(&format!("{ha1}:{}:{ha2}", self.nonce))
        };
        let mut h = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, response=\"{}\"",
            quote(user),
            quote(&self.realm),
            quote(&self.nonce),
            quote(uri),
            alg.name(),
            response
        );
        if self.qop_auth {
            h.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce_used}\""));
        }
        if let Some(o) = &self.opaque {
            h.push_str(&format!(", opaque=\"{}\"", quote(o)));
        }
        h
    }
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response_of(h: &str) -> String {
        let c = parse_challenges([h]);
        c[0].param("response").unwrap().to_string()
    }

    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    #[test]
    fn rfc7616_example_md5_and_sha256() {
        // RFC 7616 section 3.9.1: the server offers SHA-256 and MD5 in two headers.
        let sha = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"{RFC7616_NONCE}\", opaque=\"{RFC7616_OPAQUE}\""
        );
        let md5 = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, nonce=\"{RFC7616_NONCE}\", opaque=\"{RFC7616_OPAQUE}\""
        );
        let challenges = parse_challenges([sha.as_str(), md5.as_str()]);
        assert_eq!(challenges.len(), 2);

        let mut s = DigestSession::from_challenge(&challenges[1]).unwrap();
        let h = s.authorization_with_cnonce(
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            RFC7616_CNONCE,
        );
        assert_eq!(response_of(&h), "8ca523f5e9506fed4657c9700eebdbec");
        assert!(h.contains("nc=00000001"));

        let mut s = DigestSession::best(&challenges).unwrap();
        assert_eq!(s.algorithm, Algorithm::Sha256);
        let h = s.authorization_with_cnonce(
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            RFC7616_CNONCE,
        );
        assert_eq!(
            response_of(&h),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        assert!(h.contains(&format!("opaque=\"{RFC7616_OPAQUE}\"")));
    }

    #[test]
    fn rfc2617_example_and_nonce_count() {
        let h = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
        let c = parse_challenges([h]);
        let mut s = DigestSession::from_challenge(&c[0]).unwrap();
        let a = s.authorization_with_cnonce(
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
        );
        assert_eq!(response_of(&a), "6629fae49393a05397450978507c4ef1");
        // Reuse of the nonce counts up.
        let b = s.authorization("Mufasa", "Circle Of Life", "GET", "/dir/index.html");
        assert!(b.contains("nc=00000002"));
        assert_eq!(s.nonce_count(), 2);
        s.renew_nonce("fresh");
        let c2 = s.authorization("Mufasa", "Circle Of Life", "GET", "/");
        assert!(c2.contains("nc=00000001") && c2.contains("nonce=\"fresh\""));
    }

    #[test]
    fn md5_sess_keeps_its_cnonce() {
        let h = "Digest realm=\"r\", qop=auth, algorithm=MD5-sess, nonce=\"n\"";
        let mut s = DigestSession::best(&parse_challenges([h])).unwrap();
        let a = s.authorization_with_cnonce("u", "p", "GET", "/", "c1");
        let b = s.authorization_with_cnonce("u", "p", "GET", "/", "c2");
        assert!(a.contains("cnonce=\"c1\"") && b.contains("cnonce=\"c1\""));
        // HA1 = MD5(MD5(u:r:p):n:c1); just check it differs from plain MD5.
        let mut plain = DigestSession::best(&parse_challenges([
            "Digest realm=\"r\", qop=auth, nonce=\"n\"",
        ]))
        .unwrap();
        let p = plain.authorization_with_cnonce("u", "p", "GET", "/", "c1");
        assert_ne!(response_of(&a), response_of(&p));
    }

    #[test]
    fn challenge_parsing_mixed() {
        let c = parse_challenges([
            "Basic realm=\"Radicale - Password Required\", Digest realm=\"x\", nonce=\"a,b\", stale=TRUE",
        ]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].param("realm"), Some("Radicale - Password Required"));
        assert_eq!(c[1].param("nonce"), Some("a,b"));
        assert!(DigestSession::is_stale(&c[1]));
        // auth-int only is not usable
        let c = parse_challenges(["Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\""]);
        assert!(DigestSession::best(&c).is_none());
        // No qop: RFC 2069 style response
        let c = parse_challenges(["Digest realm=\"x\", nonce=\"n\""]);
        let mut s = DigestSession::best(&c).unwrap();
        assert!(!s.authorization("u", "p", "GET", "/").contains("qop="));
    }
}
