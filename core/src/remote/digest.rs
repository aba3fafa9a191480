//! HTTP Digest authentication (RFC 7616: MD5 and SHA-256, qop=auth).
