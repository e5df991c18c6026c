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

#[cfg(test)]
mod tests {
    #[test]
    fn whole_bytes_uppercase() {
        assert_eq!(super::upper(&[0x04, 0x8f]), "048F");
        assert_eq!(super::upper(&[0x02, 0x57, 0x1f]), "02571F");
        assert_eq!(super::upper(&[]), "");
    }
}
