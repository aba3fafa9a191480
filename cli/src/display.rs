//! The printing layer: every human-readable line goes through [`escape`], so that text from a
//! server or a calendar (display names, hrefs, UIDs, summaries, error messages) can never
//! move the cursor, retitle the window or hide what is printed. JSON output is left to
//! `serde_json`, which escapes control characters itself.

use std::borrow::Cow;

/// `s` with every control character (C0, DEL, C1, line and paragraph separators and the
/// bidirectional overrides) written as `\u{XX}`.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes `line` and a newline to standard output. A reader that went away (`synchro …
/// | head`) ends the output, not the command: what was synced stays synced and the exit
/// code still says how the sync went. Any other write error is said on standard error.
pub fn print_line(line: &str) {
    use std::io::Write;
    static GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if GONE.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            GONE.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Err(e) => eprintln!("synchro: cannot write the output: {e}"),
    }
}

/// Prints one line of JSON (escaped by `serde_json`) to standard output.
macro_rules! emit {
    ($($arg:tt)*) => {
        $crate::display::print_line(&format!($($arg)*))
    };
}

/// Prints one line to standard output through [`escape`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::display::print_line(&$crate::display::escape(&format!($($arg)*)))
    };
}

/// Prints one line to standard error through [`escape`].
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::display::escape(&format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_are_escaped_and_text_kept() {
        assert_eq!(escape("Café ☕ 日本"), "Café ☕ 日本");
        assert_eq!(
            escape("Work\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nx\u{9b}y\u{202e}"),
            "Work\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}\\u{a}x\\u{9b}y\\u{202e}"
        );
    }
}
