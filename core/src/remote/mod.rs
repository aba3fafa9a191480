//! Talking to servers: [`http`] (one HTTP agent with auth, limits and counters), [`tls`]
//! (whom a connection trusts) and the protocols on top of it ([`caldav`], [`syncml`]);
//! [`limits`] bounds what reading one answer may keep; [`log_body`] keeps credentials out
//! of trace logs.

pub mod caldav;
pub mod digest;
pub mod http;
pub mod limits;
pub mod log_body;
pub mod syncml;
#[cfg(test)]
pub(crate) mod testserver;
pub mod tls;
