//! TLS for the tests: certificates made on the spot (a private CA and server certificates
//! signed by it: valid, expired, for another host name; or self-signed), and a TLS front on
//! 127.0.0.1 that terminates TLS and hands each request to a plain http origin (a real
//! server, or a [`crate::proxy::Proxy`] before it, to see what arrived).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

/// A private certificate authority.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate and its key.
#[derive(Clone)]
pub struct ServerCert {
    /// The certificate (DER).
    pub der: CertificateDer<'static>,
    key: Vec<u8>,
}

/// Validity of a server certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From 2020 to 2090.
    Current,
    /// Ended in 2021.
    Expired,
}

impl TestCa {
    /// A new CA ("Synchro Test CA").
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Synchro Test CA");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    /// Writes the CA certificate as PEM into `dir/name` and returns its path.
    pub fn write_pem(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.issuer.pem()).expect("write CA PEM");
        path
    }

    /// A server certificate for `names` (DNS names or IP addresses) signed by this CA.
    pub fn issue(&self, names: &[&str], validity: Validity) -> ServerCert {
        let key = KeyPair::generate().expect("server key");
        let params = server_params(names, validity);
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        ServerCert {
            der: cert.der().clone(),
            key: key.serialize_der(),
        }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

fn server_params(names: &[&str], validity: Validity) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "synchro test server");
    let (from, to) = match validity {
        Validity::Current => (
            rcgen::date_time_ymd(2020, 1, 1),
            rcgen::date_time_ymd(2090, 1, 1),
        ),
        Validity::Expired => (
            rcgen::date_time_ymd(2020, 1, 1),
            rcgen::date_time_ymd(2021, 1, 1),
        ),
    };
    params.not_before = from;
    params.not_after = to;
    params
}

impl ServerCert {
    /// A self-signed certificate for `names`.
    pub fn self_signed(names: &[&str]) -> ServerCert {
        let key = KeyPair::generate().expect("server key");
        let cert = server_params(names, Validity::Current)
            .self_signed(&key)
            .expect("self-sign");
        ServerCert {
            der: cert.der().clone(),
            key: key.serialize_der(),
        }
    }

    /// The pin of this certificate's key: `sha256/BASE64` of its SubjectPublicKeyInfo.
    pub fn key_pin(&self) -> String {
        let pin = synchro_core::remote::tls::Pin::of_key(self.der.as_ref()).expect("pin");
        pin.to_string()
    }

    /// The SHA-256 fingerprint of the certificate, as `openssl x509 -fingerprint -sha256`
    /// prints it (hex pairs with colons).
    pub fn fingerprint(&self) -> String {
        Sha256::digest(self.der.as_ref())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// A running TLS front; it stops accepting when dropped.
pub struct TlsFront {
    /// `https://127.0.0.1:PORT` (no trailing slash).
    pub origin: String,
    upstream: String,
    handshakes: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl TlsFront {
    /// Serves `cert` on a new port of 127.0.0.1 and forwards every request to
    /// `upstream_origin` (`http://127.0.0.1:PORT`), one request per connection: the upstream
    /// must close the connection after its answer, as a [`crate::proxy::Proxy`] does.
    pub fn start(upstream_origin: &str, cert: &ServerCert) -> TlsFront {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.der.clone()], key)
            .expect("server certificate");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind TLS front");
        let origin = format!("https://{}", listener.local_addr().unwrap());
        let upstream = upstream_origin
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (h, r, u) = (handshakes.clone(), requests.clone(), upstream.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (h, r, u, c) = (h.clone(), r.clone(), u.clone(), config.clone());
                thread::spawn(move || {
                    let _ = serve(conn, c, &u, &h, &r);
                });
            }
        });
        TlsFront {
            origin,
            upstream,
            handshakes,
            requests,
        }
    }

    /// Rewrites a URL of the upstream server to go through this front.
    pub fn url(&self, upstream_url: &str) -> String {
        upstream_url.replace(&format!("http://{}", self.upstream), &self.origin)
    }

    /// TLS handshakes completed so far.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    /// Requests received (decrypted) so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    upstream: &str,
    handshakes: &AtomicUsize,
    requests: &AtomicUsize,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    handshakes.fetch_add(1, Ordering::SeqCst);
    // One request: its head up to the empty line, then Content-Length bytes of body.
    let mut reader = BufReader::new(&mut tls);
    let mut request = Vec::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        request.extend_from_slice(line.as_bytes());
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    request.extend_from_slice(&body);
    requests.fetch_add(1, Ordering::SeqCst);
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(&request)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    tls.write_all(&answer)?;
    tls.conn.send_close_notify();
    tls.flush()?;
    Ok(())
}
