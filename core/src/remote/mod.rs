//! Talking to servers: [`http`] (one HTTP agent with auth, limits and counters), [`tls`]
//! (whom a connection trusts) and the protocols on top of it ([`caldav`], [`syncml`]).

pub mod caldav;
pub mod digest;
pub mod http;
pub mod syncml;
#[cfg(test)]
pub(crate) mod testserver;
pub mod tls;
