//! Helpers for the integration tests: start real servers on 127.0.0.1, run `synchro`.
//!
//! [`servers`] starts Radicale, Xandikos and a Digest-auth proxy from the builds that
//! `scripts/install-peers.sh` installs; [`cli`] runs the built `synchro` binary; [`http`] is
//! raw HTTP (through `curl`) for tests that play "another client" on the server;
//! [`seed`] makes realistic calendars with `scripts/seed.py` and uploads them; [`proxy`]
//! injects faults between `synchro` and a server; [`calendar`] holds iCalendar in the style
//! of real producers and reads vdir folders; [`tls`] makes certificates and puts a TLS
//! front before a server.
//!
//! [`syncevo`] starts SyncEvolution's SyncML DS 1.2 server (Debian 12) through
//! `scripts/syncevo-server.sh`, configures one peer per SyncML device id with its own data
//! folder (one file per item: tests read and change "the server side" there), and reads the
//! server's per-session logs; its module docs note how the server picks auth types, names
//! datastores and detects changes.

pub mod calendar;
pub mod cli;
pub mod http;
pub mod proxy;
pub mod seed;
pub mod servers;
pub mod syncevo;
pub mod tls;

pub use cli::{synchro_bin, Cli, CliOutput, ProxiedVdir};
pub use servers::{Peer, Server};
