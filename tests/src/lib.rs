//! Helpers for the integration tests: start real servers on 127.0.0.1, run `synchro`.
