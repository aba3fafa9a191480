//! A progress bar on the terminal for long phases (download, apply); silent otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use synchro_core::sync::Progress;

/// Shows core progress as an indicatif bar on stderr.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar when stderr is a terminal and output is for humans; nothing otherwise.
    pub fn new(enabled: bool) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        Bar { bar }
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(crate::display::escape(name).into_owned());
            bar.set_length(total);
            bar.set_position(0);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
