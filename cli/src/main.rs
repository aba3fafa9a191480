//! `synchro`: the command line over synchro-core.
fn main() {}
