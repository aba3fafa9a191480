//! What a trace log may show of an HTTP body: text with every credential removed (the
//! content of SyncML `<Cred>` elements, whatever their prefix), and no binary (WBXML
//! carries the same credentials as inline strings).

/// Placeholder for a removed credential.
const REDACTED: &str = "[redacted]";

/// `body` as a log may print it (see the module notes).
pub fn loggable(body: &[u8]) -> String {
    if matches!(body.first(), Some(0x00..=0x08)) || body.contains(&0) {
        return format!("({} bytes of binary data, not shown)", body.len());
    }
    redact_creds(&String::from_utf8_lossy(body))
}

/// The text with the content of every `Cred` element (any namespace prefix, any case)
/// replaced by `[redacted]`; an unclosed one is cut to the end.
pub fn redact_creds(text: &str) -> String {
    // ASCII lower-casing keeps byte offsets.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(open) = find_open_tag(&lower, pos) {
        let Some(gt) = lower[open..].find('>').map(|i| open + i) else {
            break;
        };
        out.push_str(&text[pos..=gt]);
        pos = gt + 1;
        if lower[..gt].ends_with('/') {
            // <Cred/>: nothing inside.
            continue;
        }
        out.push_str(REDACTED);
        match find_close_tag(&lower, gt + 1) {
            Some(close) => pos = close,
            None => return out,
        }
    }
    out.push_str(&text[pos..]);
    out
}

/// The byte offset of the next `<cred` or `<prefix:cred` start tag at or after `from`.
fn find_open_tag(lower: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = lower[at..].find('<').map(|i| at + i) {
        let name_end = lower[i + 1..]
            .find(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
            .map_or(lower.len(), |j| i + 1 + j);
        let name = &lower[i + 1..name_end];
        if name == "cred" || name.ends_with(":cred") {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// The byte offset of the next `</cred>` or `</prefix:cred>` at or after `from`.
fn find_close_tag(lower: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = lower[at..].find("</").map(|i| at + i) {
        let name_end = lower[i + 2..].find('>').map(|j| i + 2 + j)?;
        let name = lower[i + 2..name_end].trim();
        if name == "cred" || name.ends_with(":cred") {
            return Some(i);
        }
        at = i + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncml_credentials_are_removed_whatever_the_prefix() {
        let xml = "<SyncML><SyncHdr><Cred><Meta><Type>syncml:auth-basic</Type></Meta>\
                   <Data>YWxpY2U6c2VjcmV0</Data></Cred><Source/></SyncHdr>\
                   <s:CRED x='1'>c2VjcmV0</s:CRED><Credit>kept</Credit><Cred/>tail</SyncML>";
        let out = redact_creds(xml);
        assert!(
            !out.contains("YWxpY2U6c2VjcmV0") && !out.contains("c2VjcmV0"),
            "{out}"
        );
        assert!(out.contains("<Cred>[redacted]</Cred><Source/>"), "{out}");
        assert!(out.contains("<Credit>kept</Credit>"), "{out}");
        assert!(out.ends_with("<Cred/>tail</SyncML>"), "{out}");
    }

    #[test]
    fn an_unclosed_credential_is_cut_and_binary_is_not_shown() {
        assert_eq!(redact_creds("<Cred><Data>abc"), "<Cred>[redacted]");
        assert_eq!(redact_creds("no tags < here"), "no tags < here");
        let wbxml = [0x02, 0xa4, 0x01, 0x6a, 0x00, b'c', b'r', b'e', b'd'];
        assert_eq!(loggable(&wbxml), "(9 bytes of binary data, not shown)");
        assert_eq!(loggable(b"<a>x</a>"), "<a>x</a>");
    }
}
