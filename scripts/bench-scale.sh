#!/usr/bin/env bash
# Scale benchmarks of the core (no server needed): listing + detection + pairing + planning
# at 10k and 100k items, and iCalendar parsing of one large component and of a large
# calendar. Each prints medians and the ratio between sizes (linear: about 10).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet -p synchro-core --example bench_scale --example bench_ical
target/release/examples/bench_scale "$@"
target/release/examples/bench_ical
