//! Whom a TLS connection trusts: the platform's verifier (rustls-platform-verifier: the
//! system store on desktops, Android's and Apple's own verifiers), an account's extra CA
//! file, or a pinned certificate or key; the ureq connector that applies it; and what a
//! failed handshake is called ([`TlsFailure`]).
//!
//! A certificate is accepted when:
//! - the account has pins: the server's own (end-entity) certificate matches one of them.
//!   The pin is then the whole proof: issuer, name and dates are not checked, as for a
//!   server with a self-signed certificate;
//! - otherwise: the platform's verifier accepts it, or it chains to a certificate of the
//!   account's CA file (with the name and dates checked as usual).
//!
//! The handshake ends before a single byte of a request is written, so a server that fails
//! verification never sees a request, let alone a password.

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct};
use rustls::{OtherError, RootCertStore, SignatureScheme, StreamOwned};
use sha2::{Digest, Sha256};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
    TransportAdapter,
};

use crate::error::{Error, Result};

/// A pinned certificate or key: SHA-256 of the server's public key (SubjectPublicKeyInfo)
/// or of its whole certificate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// `sha256/BASE64`: SHA-256 of the SubjectPublicKeyInfo, as curl's `--pinnedpubkey`
    /// and HPKP write it. Survives a renewed certificate with the same key.
    Spki([u8; 32]),
    /// 64 hex digits (colons allowed): SHA-256 of the DER certificate, as
    /// `openssl x509 -noout -fingerprint -sha256` prints it.
    Cert([u8; 32]),
}

impl Pin {
    /// Parses `sha256/BASE64` (a key) or 64 hex digits, colons allowed (a certificate).
    pub fn parse(text: &str) -> Result<Pin> {
        let t = text.trim();
        let bad = || {
            Error::Config(format!(
                "invalid pin {t:?}: use sha256/BASE64 (the key's SHA-256) or 64 hex digits \
                 (the certificate's SHA-256 fingerprint)"
            ))
        };
        if let Some(b64) = t.strip_prefix("sha256/") {
            let bytes = crate::remote::syncml::auth::b64_decode(b64).ok_or_else(bad)?;
            return Ok(Pin::Spki(bytes.try_into().map_err(|_| bad())?));
        }
        let hex: String = t.chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Pin::Cert(out))
    }

    /// The pin of a DER certificate's key (`sha256/BASE64`).
    pub fn of_key(cert_der: &[u8]) -> Result<Pin> {
        Ok(Pin::Spki(spki_sha256(cert_der).ok_or_else(|| {
            Error::Config("not an X.509 certificate".into())
        })?))
    }

    /// Whether `cert` (the server's end-entity certificate) matches.
    fn matches(&self, cert: &CertificateDer<'_>) -> bool {
        match self {
            Pin::Cert(h) => Sha256::digest(cert.as_ref()).as_slice() == h,
            Pin::Spki(h) => spki_sha256(cert.as_ref()).is_some_and(|s| &s == h),
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pin::Spki(h) => write!(f, "sha256/{}", crate::remote::syncml::auth::b64_encode(h)),
            Pin::Cert(h) => {
                for (i, b) in h.iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{b:02X}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn spki_sha256(cert_der: &[u8]) -> Option<[u8; 32]> {
    let der = CertificateDer::from(cert_der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    Some(Sha256::digest(cert.subject_public_key_info().as_ref()).into())
}

/// What an account trusts beyond the platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// A PEM file of CA certificates trusted besides the platform's.
    pub ca_file: Option<PathBuf>,
    /// Pins: when there are any, the server's certificate must match one.
    pub pins: Vec<Pin>,
}

/// Why a TLS handshake failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The certificate is not signed by a trusted authority (nor by the account's CA file).
    UnknownIssuer,
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotYetValid,
    /// The certificate is for another host name.
    NameMismatch,
    /// The certificate was revoked.
    Revoked,
    /// The certificate matches none of the account's pins.
    PinMismatch,
    /// Anything else (protocol versions, ciphers, a bad certificate encoding).
    Other(String),
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::UnknownIssuer => f.write_str(
                "the server's certificate is signed by an unknown issuer (trust its CA with \
                 --ca-file FILE, or pin the server's key with --pin)",
            ),
            TlsFailure::Expired => f.write_str("the server's certificate has expired"),
            TlsFailure::NotYetValid => f.write_str("the server's certificate is not valid yet"),
            TlsFailure::NameMismatch => {
                f.write_str("the server's certificate is for another host name (name mismatch)")
            }
            TlsFailure::Revoked => f.write_str("the server's certificate was revoked"),
            TlsFailure::PinMismatch => f.write_str(
                "the server's certificate does not match the account's pin (pin mismatch)",
            ),
            TlsFailure::Other(m) => write!(f, "handshake failed: {m}"),
        }
    }
}

/// Names what a rustls error says went wrong.
pub fn classify(e: &rustls::Error) -> TlsFailure {
    use CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => TlsFailure::UnknownIssuer,
            C::Expired | C::ExpiredContext { .. } => TlsFailure::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsFailure::NotYetValid,
            C::NotValidForName | C::NotValidForNameContext { .. } => TlsFailure::NameMismatch,
            C::Revoked => TlsFailure::Revoked,
            C::Other(OtherError(inner)) if inner.is::<PinMismatch>() => TlsFailure::PinMismatch,
            other => TlsFailure::Other(format!("certificate rejected ({other:?})")),
        },
        other => TlsFailure::Other(other.to_string()),
    }
}

/// The error a pinned account's verifier gives for an unpinned certificate.
#[derive(Debug)]
struct PinMismatch;

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pin mismatch")
    }
}

impl std::error::Error for PinMismatch {}

/// Reads the CA certificates of a PEM file.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let data = std::fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read the CA file {}: {e}", path.display())))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&data)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Config(format!("invalid PEM in {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "no certificate in the CA file {}",
            path.display()
        )));
    }
    Ok(certs)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for `settings`.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>> {
    let provider = provider();
    let extra = match &settings.ca_file {
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in read_ca_file(path)? {
                roots.add(cert).map_err(|e| {
                    Error::Config(format!("unusable CA in {}: {e}", path.display()))
                })?;
            }
            let v: Arc<dyn ServerCertVerifier> =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| Error::Config(format!("CA file {}: {e}", path.display())))?;
            Some(v)
        }
        None => None,
    };
    let verifier = TrustVerifier {
        // The platform's roots are loaded at the first TLS handshake, not here: a sync over
        // plain http (or one that ends before connecting) never reads them.
        platform: settings.pins.is_empty().then(|| LazyPlatform {
            provider: provider.clone(),
            verifier: OnceLock::new(),
        }),
        extra,
        pins: settings.pins.clone(),
        provider: provider.clone(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS set-up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The platform's verifier; on a desktop without a system store, Mozilla's roots.
fn platform_verifier(provider: Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>> {
    match rustls_platform_verifier::Verifier::new(provider.clone()) {
        Ok(v) => Ok(Arc::new(v)),
        Err(e) => {
            log::warn!("no platform certificate store ({e}): using the bundled Mozilla roots");
            let roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| Error::Config(format!("TLS set-up: {e}")))?;
            Ok(v)
        }
    }
}

/// The platform's verifier, made at its first use.
#[derive(Debug)]
struct LazyPlatform {
    provider: Arc<CryptoProvider>,
    verifier: OnceLock<std::result::Result<Arc<dyn ServerCertVerifier>, String>>,
}

impl LazyPlatform {
    /// The verifier, made now if this is its first use.
    fn get(&self) -> std::result::Result<&Arc<dyn ServerCertVerifier>, rustls::Error> {
        self.verifier
            .get_or_init(|| platform_verifier(self.provider.clone()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| rustls::Error::General(e.clone()))
    }
}

#[derive(Debug)]
struct TrustVerifier {
    platform: Option<LazyPlatform>,
    extra: Option<Arc<dyn ServerCertVerifier>>,
    pins: Vec<Pin>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for TrustVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if !self.pins.is_empty() {
            // Only the end-entity certificate counts: the others are not checked to chain
            // to it, so anyone could send them along.
            return if self.pins.iter().any(|p| p.matches(end_entity)) {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    OtherError(Arc::new(PinMismatch)),
                )))
            };
        }
        // The account's CA first: a certificate it issued then never makes the platform's
        // verifier log a failure. When it does not know the issuer, the platform decides.
        if let Some(extra) = &self.extra {
            match extra.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ) {
                Ok(v) => return Ok(v),
                Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {}
                Err(e) => return Err(e),
            }
        }
        match &self.platform {
            Some(p) => p.get()?.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The ureq connector that wraps https connections in TLS with our verifier.
pub struct TlsConnector {
    config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// A connector using `config` for every https connection.
    pub fn new(config: Arc<ClientConfig>) -> TlsConnector {
        TlsConnector { config }
    }
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").finish_non_exhaustive()
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("no host name"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let name = ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid host name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        if let Err(e) = conn.complete_io(&mut sock) {
            // rustls reports a refused certificate as an io::Error holding its own error.
            let inner = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned();
            return Err(match inner {
                Some(r) => ureq::Error::Rustls(r),
                None => ureq::Error::Io(e),
            });
        }
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TlsTransport {
            buffers,
            stream: StreamOwned::new(conn, sock),
        })))
    }
}

/// An established TLS connection, as a ureq transport.
pub struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let n = self.stream.read(input)?;
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_roots_load_at_the_first_handshake_only() {
        let lazy = LazyPlatform {
            provider: provider(),
            verifier: OnceLock::new(),
        };
        assert!(lazy.verifier.get().is_none());
        let first = lazy
            .get()
            .map(|v| Arc::as_ptr(v) as *const ())
            .map_err(|e| e.to_string());
        assert!(lazy.verifier.get().is_some());
        // Made once: a second use gets the same verifier (or the same error).
        let second = lazy
            .get()
            .map(|v| Arc::as_ptr(v) as *const ())
            .map_err(|e| e.to_string());
        assert_eq!(first, second);
    }

    #[test]
    fn pins_parse_both_forms_and_print_back() {
        let hex = "AB:".repeat(31) + "CD";
        let p = Pin::parse(&hex).unwrap();
        assert!(matches!(p, Pin::Cert(h) if h[0] == 0xab && h[31] == 0xcd));
        assert_eq!(p.to_string(), hex);
        assert_eq!(Pin::parse(&hex.replace(':', "").to_lowercase()).unwrap(), p);
        let b64 = format!(
            "sha256/{}",
            crate::remote::syncml::auth::b64_encode(&[7u8; 32])
        );
        let k = Pin::parse(&b64).unwrap();
        assert_eq!(k, Pin::Spki([7u8; 32]));
        assert_eq!(k.to_string(), b64);
        for bad in [
            "",
            "sha256/",
            "sha256/AAAA",
            "md5/xyz",
            &hex[3..],
            "zz".repeat(32).as_str(),
        ] {
            assert!(matches!(Pin::parse(bad), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn failures_are_named() {
        let cert = |c| rustls::Error::InvalidCertificate(c);
        assert_eq!(
            classify(&cert(CertificateError::UnknownIssuer)),
            TlsFailure::UnknownIssuer
        );
        assert_eq!(
            classify(&cert(CertificateError::Expired)),
            TlsFailure::Expired
        );
        assert_eq!(
            classify(&cert(CertificateError::NotValidForName)),
            TlsFailure::NameMismatch
        );
        assert_eq!(
            classify(&cert(CertificateError::Other(OtherError(Arc::new(
                PinMismatch
            ))))),
            TlsFailure::PinMismatch
        );
        assert!(TlsFailure::UnknownIssuer.to_string().contains("--ca-file"));
    }

    #[test]
    fn ca_file_errors_are_clear() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.pem");
        assert!(
            matches!(read_ca_file(&missing), Err(Error::Config(m)) if m.contains("cannot read"))
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not pem").unwrap();
        assert!(
            matches!(read_ca_file(&empty), Err(Error::Config(m)) if m.contains("no certificate"))
        );
    }
}
