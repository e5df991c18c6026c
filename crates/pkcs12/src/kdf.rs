//! The PKCS#12 key-derivation function (RFC 7292 appendix B.2).
//!
//! Used for the PBES1 bag ciphers (IDs 1 and 2: key and IV) and the MAC key (ID 3). Almost
//! all the CPU time of reading a legacy PKCS#12 is spent here: `iterations` hash
//! compressions per output block.

use sha1::digest::core_api::BlockSizeUser;
use sha1::Digest;
use zeroize::Zeroizing;

/// Which secret is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// ID 1: cipher key.
    Key = 1,
    /// ID 2: cipher IV.
    Iv = 2,
    /// ID 3: MAC key.
    Mac = 3,
}

/// A password as the PKCS#12 KDF takes it: UTF-16BE with a two-byte NUL terminator.
pub fn bmp_password(password: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// Repeats `src` to fill a whole number of `v`-byte blocks (empty stays empty).
fn fill(src: &[u8], v: usize) -> Vec<u8> {
    if src.is_empty() {
        return Vec::new();
    }
    let len = v * src.len().div_ceil(v);
    (0..len).map(|i| src[i % src.len()]).collect()
}

/// Derives `len` bytes for `purpose` from a BMP-encoded password, with digest `D`.
///
/// An iteration count of 0 is treated as 1, as OpenSSL does.
pub fn derive<D: Digest + BlockSizeUser>(
    purpose: Purpose,
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let v = D::block_size();
    let u = <D as Digest>::output_size();
    let d = vec![purpose as u8; v];
    let mut i_buf = Zeroizing::new([fill(salt, v), fill(bmp_password, v)].concat());
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    loop {
        let mut a = D::new().chain_update(&d).chain_update(&*i_buf).finalize();
        for _ in 1..iterations {
            a = D::digest(&a);
        }
        let take = u.min(len - out.len());
        out.extend_from_slice(&a[..take]);
        if out.len() == len {
            return out;
        }
        // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B = A repeated.
        let b: Vec<u8> = (0..v).map(|k| a[k % u]).collect();
        for block in i_buf.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..v).rev() {
                let sum = u16::from(block[k]) + u16::from(b[k]) + carry;
                block[k] = sum as u8;
                carry = sum >> 8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::Sha1;

    fn hex(b: &[u8]) -> String {
        pbkit_pki::hex::upper(b)
    }

    /// Vectors published with the PKCS#12 KDF (password "smeg", and "queeg").
    #[test]
    fn known_vectors() {
        let salt = [0x0A, 0x58, 0xCF, 0x64, 0x53, 0x0D, 0x82, 0x3F];
        let pw = bmp_password("smeg");
        assert_eq!(
            hex(&derive::<Sha1>(Purpose::Key, &pw, &salt, 1, 24)),
            "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"
        );
        assert_eq!(
            hex(&derive::<Sha1>(Purpose::Iv, &pw, &salt, 1, 8)),
            "79993DFE048D3B76"
        );
        let salt = [0x16, 0x82, 0xC0, 0xFC, 0x5B, 0x3F, 0x7E, 0xC5];
        let pw = bmp_password("queeg");
        assert_eq!(
            hex(&derive::<Sha1>(Purpose::Key, &pw, &salt, 1000, 24)),
            "483DD6E919D7DE2E8E648BA8F862F3FBFBDC2BCB2C02957F"
        );
        assert_eq!(
            hex(&derive::<Sha1>(Purpose::Iv, &pw, &salt, 1000, 8)),
            "9D461D1B00355C50"
        );
    }

    #[test]
    fn bmp_encoding_has_a_terminator() {
        assert_eq!(&*bmp_password(""), &[0, 0]);
        assert_eq!(&*bmp_password("ab"), &[0, b'a', 0, b'b', 0, 0]);
    }
}
