//! Uppercase hexadecimal, the way Purebred and Apple write serials and fingerprints.

/// Uppercase hex of `bytes`, two digits a byte, no separators: `[0x04, 0x8f]` → `048F`.
pub fn upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

/// The bytes of hex text (either case, no separators); `None` for an odd length or a
/// character that is no hex digit.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    // from_str_radix would take a sign ("+F").
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_bytes_uppercase() {
        assert_eq!(super::upper(&[0x04, 0x8f]), "048F");
        assert_eq!(super::upper(&[0x02, 0x57, 0x1f]), "02571F");
        assert_eq!(super::upper(&[]), "");
    }

    #[test]
    fn decode_is_upper_reversed_and_refuses_what_is_no_hex() {
        assert_eq!(super::decode("048F"), Some(vec![0x04, 0x8f]));
        assert_eq!(super::decode("048f"), Some(vec![0x04, 0x8f]));
        assert_eq!(super::decode("048"), None);
        assert_eq!(super::decode("04+F"), None);
        assert_eq!(super::decode("é0"), None);
        assert_eq!(super::decode("éé"), None);
    }
}
