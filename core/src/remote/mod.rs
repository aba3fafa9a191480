//! Talking to servers: [`http`] (one HTTP agent with auth, limits and counters), [`tls`]
//! (whom a connection trusts) and the protocols on top of it ([`caldav`], [`syncml`]).

pub mod caldav;
pub mod digest;
pub mod http;
pub mod syncml;
pub mod tls;
#[cfg(test)]
pub(crate) mod testserver;
