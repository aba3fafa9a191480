//! The generic [`Component`] tree to text: CRLF line endings, parameter quoting, and folding
//! at 75 octets without splitting a UTF-8 character.

use super::{Component, Property};

/// Longest line in octets, excluding CRLF (RFC 5545 3.1).
const MAX_LINE: usize = 75;

/// Writes a component and its sub-components.
pub fn write_calendar(cal: &Component) -> String {
    let mut out = String::with_capacity(1024);
    write_component(&mut out, cal);
    out
}

/// Appends `c` (its lines folded, with its sub-components) to `out`.
pub(crate) fn write_component(out: &mut String, c: &Component) {
    push_line(out, |out| {
        out.push_str("BEGIN:");
        out.push_str(&c.name);
    });
    for p in &c.properties {
        push_line(out, |out| push_content_line(out, p));
    }
    for sub in &c.components {
        write_component(out, sub);
    }
    push_line(out, |out| {
        out.push_str("END:");
        out.push_str(&c.name);
    });
}

/// Appends the unfolded content line of `p` (without CRLF) to `out`.
fn push_content_line(out: &mut String, p: &Property) {
    out.push_str(&p.name);
    for (k, v) in &p.params {
        out.push(';');
        out.push_str(k);
        out.push('=');
        push_param_value(out, v);
    }
    out.push(':');
    out.push_str(&super::values::clean_value(&p.value));
}

/// Appends a line written by `write` to `out`, folded when longer than 75 octets: written in
/// place, and moved only to be folded.
fn push_line(out: &mut String, write: impl FnOnce(&mut String)) {
    let start = out.len();
    write(out);
    if out.len() - start > MAX_LINE {
        let line = out.split_off(start);
        push_folded(out, &line);
    } else {
        out.push_str("\r\n");
    }
}

/// Appends a parameter value, quoted when it holds `:`, `;` or `,`; a value already written
/// as a quoted list (`"a","b"`) is kept as it is.
fn push_param_value(out: &mut String, v: &str) {
    // Printable ASCII without quotes or delimiters (nearly every value) is written as it is.
    let plain = |b: u8| {
        b == b'\t'
            || (b.is_ascii() && !b.is_ascii_control() && !matches!(b, b'"' | b':' | b';' | b','))
    };
    if v.bytes().all(plain) {
        out.push_str(v);
        return;
    }
    let v: String = v
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    if v.starts_with('"') && v.ends_with('"') && v.len() >= 2 {
        out.push_str(&v);
    } else if v.contains([':', ';', ',']) {
        out.push('"');
        out.push_str(&v.replace('"', "'"));
        out.push('"');
    } else {
        out.push_str(&v.replace('"', "'"));
    }
}

/// Appends `line` folded to 75 octets per physical line, each ending in CRLF.
fn push_folded(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = MAX_LINE;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space counts towards the next line's 75 octets.
        limit = MAX_LINE - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One unfolded content line (without CRLF).
    fn content_line(p: &Property) -> String {
        let mut line = String::new();
        push_content_line(&mut line, p);
        line
    }

    #[test]
    fn folds_at_75_octets_without_splitting_chars() {
        let value: String = "é€😀a".repeat(40);
        let c = Component {
            name: "VEVENT".into(),
            properties: vec![Property {
                name: "SUMMARY".into(),
                params: vec![],
                value: value.clone(),
            }],
            components: vec![],
        };
        let text = write_calendar(&c);
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert!(!text.contains('\n') || text.matches('\n').count() == text.matches("\r\n").count());
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{value}\r\n")));
    }

    #[test]
    fn quotes_parameters_that_need_it() {
        let p = Property {
            name: "ATTENDEE".into(),
            params: vec![
                ("CN".into(), "Doe, Jane".into()),
                (
                    "DELEGATED-FROM".into(),
                    "\"mailto:a@x\",\"mailto:b@x\"".into(),
                ),
                ("X-Q".into(), "a:b".into()),
                ("RSVP".into(), "TRUE".into()),
                ("X-T".into(), "a\tb\u{1}c\u{7f}".into()),
                ("X-U".into(), "\u{e9}t\u{e9}\u{85}".into()),
                ("X-V".into(), "it\"s".into()),
            ],
            value: "mailto:j@x".into(),
        };
        assert_eq!(
            content_line(&p),
            "ATTENDEE;CN=\"Doe, Jane\";DELEGATED-FROM=\"mailto:a@x\",\"mailto:b@x\";\
             X-Q=\"a:b\";RSVP=TRUE;X-T=a\tbc;X-U=\u{e9}t\u{e9};X-V=it's:mailto:j@x"
        );
    }
}
