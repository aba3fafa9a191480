//! vCalendar 1.0 content lines: unfolding (whitespace kept, QUOTED-PRINTABLE soft breaks),
//! parameters (bare `;QUOTED-PRINTABLE` included), QUOTED-PRINTABLE and charsets, `\;`
//! escaping; and the same on the way out (QUOTED-PRINTABLE + UTF-8 when needed, folding).

use crate::ical::{Component, Property};
use crate::{Error, Result};

/// Deepest component nesting accepted (VCALENDAR > VEVENT is 2).
const MAX_DEPTH: usize = 16;

/// Longest physical line written, in octets, without CRLF.
const MAX_LINE: usize = 75;

fn invalid(msg: &str) -> Error {
    Error::InvalidCalendar(format!("vCalendar: {msg}"))
}

/// Parses one vCalendar 1.0 object into the generic tree. Property values are decoded
/// (QUOTED-PRINTABLE, CHARSET; CRLF in decoded text becomes LF) but still vCalendar-escaped
/// (`\;`), so compound values can be split; ENCODING and CHARSET parameters are removed
/// (except ENCODING=BASE64, kept with the value as written).
pub fn parse(text: &str) -> Result<Component> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut stack: Vec<Component> = Vec::new();
    let mut root: Option<Component> = None;
    for line in unfold(text) {
        if line.trim().is_empty() {
            continue;
        }
        let p = parse_line(&line)?;
        match p.name.as_str() {
            "BEGIN" => {
                if root.is_some() {
                    return Err(invalid("more than one top-level component"));
                }
                let name = p.value.trim().to_ascii_uppercase();
                if name.is_empty() {
                    return Err(invalid("BEGIN without a name"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid("components nested too deeply"));
                }
                stack.push(Component {
                    name,
                    properties: Vec::new(),
                    components: Vec::new(),
                });
            }
            "END" => {
                let c = stack.pop().ok_or_else(|| invalid("END without BEGIN"))?;
                if c.name != p.value.trim().to_ascii_uppercase() {
                    return Err(invalid("END does not match BEGIN"));
                }
                match stack.last_mut() {
                    Some(parent) => parent.components.push(c),
                    None => root = Some(c),
                }
            }
            _ => match stack.last_mut() {
                Some(c) => c.properties.push(p),
                None => return Err(invalid("property outside any component")),
            },
        }
    }
    if let Some(open) = stack.last() {
        return Err(invalid(&format!(
            "missing END:{} (truncated data?)",
            open.name
        )));
    }
    let root = root.ok_or_else(|| invalid("no component"))?;
    if root.name != "VCALENDAR" {
        return Err(invalid("top-level component is not VCALENDAR"));
    }
    Ok(root)
}

/// The part of a line before its value (name and parameters).
fn head_of(line: &str) -> &str {
    match value_start(line) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The byte index of the `:` that starts the value (outside a quoted parameter).
fn value_start(line: &str) -> Option<usize> {
    let mut in_quotes = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => return Some(i),
            _ => {}
        }
    }
    None
}

fn is_qp_line(line: &str) -> bool {
    head_of(line)
        .to_ascii_uppercase()
        .contains("QUOTED-PRINTABLE")
}

/// Logical lines: a line starting with a space or tab continues the previous one (vCalendar
/// 1.0 keeps that white space, unlike RFC 5545); a QUOTED-PRINTABLE value ending in `=`
/// continues on the next line.
pub fn unfold(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut qp_open = false;
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let upper_start = raw
            .get(..6)
            .map(|s| s.to_ascii_uppercase())
            .unwrap_or_default();
        let structural = upper_start.starts_with("END:") || upper_start == "BEGIN:";
        match out.last_mut() {
            Some(last) if qp_open => {
                last.pop();
                if structural {
                    out.push(raw.to_string());
                } else {
                    last.push_str(raw);
                }
            }
            Some(last) if raw.starts_with([' ', '\t']) => last.push_str(raw),
            _ => out.push(raw.to_string()),
        }
        qp_open = out
            .last()
            .is_some_and(|l| l.ends_with('=') && is_qp_line(l));
    }
    out
}

/// Bare parameter values (vCard 2.1 / vCalendar 1.0 style) and the parameter they stand for.
fn bare_param(v: &str) -> (String, String) {
    let up = v.trim().to_ascii_uppercase();
    match up.as_str() {
        "QUOTED-PRINTABLE" | "BASE64" | "8BIT" | "7BIT" | "B" => ("ENCODING".into(), up),
        "WAVE" | "PCM" | "AIFF" | "VCARD" | "PDF" | "PGP" | "JPEG" | "GIF" => ("TYPE".into(), up),
        "INLINE" | "URL" | "CID" | "CONTENT-ID" => ("VALUE".into(), up),
        _ => (up, String::new()),
    }
}

/// One logical line as a [`Property`], its value decoded (see [`parse`]).
pub fn parse_line(line: &str) -> Result<Property> {
    let colon = value_start(line).ok_or_else(|| invalid("a line without ':'"))?;
    let (head, raw) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or_default().trim();
    // A group prefix (`A.SUMMARY`) is dropped.
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(invalid("a line without a valid property name"));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for part in parts {
        if part.trim().is_empty() {
            continue;
        }
        let (k, v) = match part.split_once('=') {
            Some((k, v)) => (
                k.trim().to_ascii_uppercase(),
                v.trim().trim_matches('"').to_string(),
            ),
            None => bare_param(part),
        };
        // A name iCalendar cannot hold (quotes, spaces...) is not a parameter: dropped.
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            continue;
        }
        params.push((k, v));
    }
    let get = |k: &str| {
        params
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.to_ascii_uppercase())
    };
    let encoding = get("ENCODING").unwrap_or_default();
    let charset = get("CHARSET");
    let value = match encoding.as_str() {
        "QUOTED-PRINTABLE" => {
            decode_charset(&qp_decode(raw), charset.as_deref()).replace("\r\n", "\n")
        }
        "BASE64" | "B" => raw.chars().filter(|c| !c.is_whitespace()).collect(),
        _ => raw.to_string(),
    };
    params.retain(|(k, v)| k != "CHARSET" && (k != "ENCODING" || v.eq_ignore_ascii_case("BASE64")));
    Ok(Property {
        name,
        params,
        value,
    })
}

/// Decodes QUOTED-PRINTABLE: `=XX` octets; a `=` not followed by two hex digits is kept.
pub fn qp_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let hex = |c: u8| (c as char).to_digit(16);
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// windows-1252 code points for 0x80..=0x9F (undefined ones map to themselves, as WHATWG).
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
];

fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9F => char::from_u32(u32::from(CP1252_HIGH[usize::from(b - 0x80)]))
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        _ => char::from(b),
    }
}

fn latin9(b: u8) -> char {
    match b {
        0xA4 => '€',
        0xA6 => 'Š',
        0xA8 => 'š',
        0xB4 => 'Ž',
        0xB8 => 'ž',
        0xBC => 'Œ',
        0xBD => 'œ',
        0xBE => 'Ÿ',
        _ => char::from(b),
    }
}

/// Decodes octets in a CHARSET: UTF-8 (also the default), US-ASCII, ISO-8859-1 (read as
/// windows-1252, as browsers do), windows-1252, ISO-8859-15. Invalid UTF-8 and unknown
/// charsets fall back to windows-1252, which maps every octet.
pub fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let cs = charset
        .unwrap_or("UTF-8")
        .trim()
        .trim_matches('"')
        .to_ascii_uppercase()
        .replace('_', "-");
    match cs.as_str() {
        "ISO-8859-15" | "ISO8859-15" | "LATIN-9" | "LATIN9" => {
            bytes.iter().map(|&b| latin9(b)).collect()
        }
        "ISO-8859-1" | "ISO8859-1" | "LATIN1" | "LATIN-1" | "WINDOWS-1252" | "CP1252" => {
            bytes.iter().map(|&b| cp1252(b)).collect()
        }
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
        },
    }
}

/// Unescapes a vCalendar 1.0 value: `\;`, `\\` and `\,`; other backslashes are literal.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n @ (';' | '\\' | ',')) = chars.peek() {
                out.push(n);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Splits a compound value on unescaped `;` and unescapes each part.
pub fn split_compound(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ';' => parts.push(unescape(&std::mem::take(&mut cur))),
            _ => cur.push(c),
        }
    }
    parts.push(unescape(&cur));
    parts
}

/// Escapes text for a vCalendar 1.0 value (`\` and `;`; commas stay literal).
pub fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;")
}

/// One content line with CRLF. `value` is already escaped; it is written
/// QUOTED-PRINTABLE (with `CHARSET=UTF-8` when not ASCII) when it holds a line break, a
/// control character or non-ASCII text, and otherwise folded before spaces when long.
pub fn write_line(name: &str, params: &[(String, String)], value: &str) -> String {
    let mut head = String::from(name);
    for (k, v) in params {
        head.push(';');
        head.push_str(k);
        if !v.is_empty() {
            head.push('=');
            head.push_str(v);
        }
    }
    let needs_qp = value.bytes().any(|b| !(0x20..0x7F).contains(&b));
    if !needs_qp {
        let line = format!("{head}:{value}");
        return fold_at_spaces(&line);
    }
    if !value.is_ascii() {
        head.push_str(";CHARSET=UTF-8");
    }
    head.push_str(";ENCODING=QUOTED-PRINTABLE:");
    let normal = value.replace("\r\n", "\n").replace('\n', "\r\n");
    let bytes = normal.as_bytes();
    let mut out = head.clone();
    let mut col = head.len();
    for (i, &b) in bytes.iter().enumerate() {
        let literal = (b == b' ' && i + 1 < bytes.len()) || (b.is_ascii_graphic() && b != b'=');
        let mut tok = if literal {
            char::from(b).to_string()
        } else {
            format!("={b:02X}")
        };
        if col > 0 && col + tok.len() > MAX_LINE {
            out.push_str("=\r\n");
            col = 0;
            // A continuation line that reads `BEGIN:` or `END:` would be taken for the end of
            // the value (see `unfold`): its first octet goes encoded.
            if looks_structural(&bytes[i..]) {
                tok = format!("={b:02X}");
            }
        }
        out.push_str(&tok);
        col += tok.len();
    }
    out.push_str("\r\n");
    out
}

/// Whether text starting with `rest` at the start of a line would read as a component line.
fn looks_structural(rest: &[u8]) -> bool {
    let upper = |n: usize| rest.get(..n).map(|s| s.to_ascii_uppercase());
    upper(6).as_deref() == Some(b"BEGIN:") || upper(4).as_deref() == Some(b"END:")
}

/// Folds a long line before spaces (the vCalendar 1.0 way: the space stays in the value); a
/// run without spaces stays long. Lines are measured in bytes and cut only before a space,
/// which is one byte: no character is ever split, whatever the line holds.
fn fold_at_spaces(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while rest.len() > MAX_LINE {
        match rest.as_bytes()[1..=MAX_LINE]
            .iter()
            .rposition(|&b| b == b' ')
        {
            Some(i) => {
                let space = i + 1;
                out.push_str(&rest[..space]);
                out.push_str("\r\n");
                rest = &rest[space..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (vcal_roundtrip): a value holding `BEGIN:` text, soft-broken just
    /// before it, did not read back.
    #[test]
    fn a_soft_break_never_starts_a_line_with_begin_or_end() {
        for (pad, word) in [(0, "BEGIN:VCALENDAR"), (3, "end:VEVENT"), (40, "BEGIN:X")] {
            for lead in 30..80 {
                let value = format!("{}{}\n{word} and more", "x".repeat(lead), " ".repeat(pad));
                let line = write_line("DESCRIPTION", &[], &value);
                let lines = unfold(&line);
                assert_eq!(lines.len(), 2, "{line:?}"); // the line, then the empty tail
                let prop = parse_line(&lines[0]).unwrap();
                assert_eq!(prop.value.replace("\r\n", "\n"), value, "{line:?}");
            }
        }
    }

    /// Found by fuzzing (vcal_roundtrip): a folded line whose rest began with a character of
    /// more than one byte was sliced inside it.
    #[test]
    fn folding_never_splits_a_character() {
        for line in [
            format!("SUMMARY:{}", "é".repeat(60)),
            format!("SUMMARY:{} {}", "a".repeat(70), "ĪĪ".repeat(40)),
            format!("SUMMARY:{}", "Ī D".repeat(50)),
            // The name itself may be anything a peer sent.
            format!("ĪE:{}", "x ".repeat(60)),
        ] {
            let folded = fold_at_spaces(&line);
            assert_eq!(folded.replace("\r\n", ""), line, "{folded}");
        }
        let folded = fold_at_spaces(&format!("SUMMARY:{}", "Ī D".repeat(50)));
        assert!(folded.matches("\r\n").count() > 2, "{folded}");
        assert!(folded.split("\r\n").all(|part| part.len() <= MAX_LINE));
    }

    #[test]
    fn qp_soft_breaks_and_charsets() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n\
            SUMMARY;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Caf=E9 =\r\ncr=E8me=0D=0Anext\r\n\
            LOCATION;QUOTED-PRINTABLE;CHARSET=UTF-8:M=C3=BCnchen\r\n\
            DESCRIPTION:long line\r\n  folded\r\n\
            END:VEVENT\r\nEND:VCALENDAR\r\n";
        let cal = parse(text).unwrap();
        let ev = &cal.components[0];
        assert_eq!(ev.properties[0].value, "Café crème\nnext");
        assert!(ev.properties[0].params.is_empty());
        assert_eq!(ev.properties[1].value, "München");
        assert_eq!(ev.properties[2].value, "long line  folded");
    }

    #[test]
    fn charsets() {
        assert_eq!(decode_charset(&[0x80, 0xE9], Some("windows-1252")), "€é");
        assert_eq!(decode_charset(&[0xA4, 0xE9], Some("ISO-8859-15")), "€é");
        assert_eq!(decode_charset(&[0xE9], Some("iso-8859-1")), "é");
        assert_eq!(decode_charset(&[0xE9], None), "é");
        assert_eq!(decode_charset("é".as_bytes(), Some("utf-8")), "é");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            split_compound("a\\;b;c,d;;e\\\\"),
            vec!["a;b", "c,d", "", "e\\"]
        );
        assert_eq!(unescape(&escape("x;y\\z, w")), "x;y\\z, w");
    }

    #[test]
    fn writes_qp_and_folds() {
        let line = write_line("SUMMARY", &[], "Grüße\nzweite Zeile");
        assert!(line.starts_with("SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gr=C3=BC"));
        for l in line.split("\r\n") {
            assert!(l.len() <= 76, "{l}");
        }
        let long = "word ".repeat(40);
        let folded = write_line("DESCRIPTION", &[], long.trim_end());
        assert!(folded.lines().count() > 2);
        let back = parse_line(&unfold(&folded)[0]).unwrap();
        assert_eq!(back.value, long.trim_end());
        let qp = write_line("DESCRIPTION", &[], &"ä ".repeat(60));
        let back = parse_line(&unfold(&qp)[0]).unwrap();
        assert_eq!(back.value, "ä ".repeat(60));
    }
}
