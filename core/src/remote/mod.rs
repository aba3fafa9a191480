//! Talking to servers: [`http`] (one HTTP agent with auth, limits and counters) and the
//! protocols on top of it ([`caldav`]).

pub mod caldav;
pub mod digest;
pub mod http;
#[cfg(test)]
pub(crate) mod testserver;
