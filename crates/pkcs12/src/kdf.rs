//! The PKCS#12 key-derivation function (RFC 7292 appendix B.2).
//!
//! Used for the PBES1 bag ciphers (IDs 1 and 2: key and IV) and the MAC key (ID 3). Almost
//! all the CPU time of reading a legacy PKCS#12 is spent here: `iterations` hash
//! compressions per output block.

use sha1::digest::core_api::BlockSizeUser;
use sha1::Digest;
use zeroize::{Zeroize, Zeroizing};

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

/// I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, where B is A repeated
/// (appendix B.2, step 6C): the input of the next output block.
fn next_i(i_buf: &mut [u8], a: &[u8], v: usize) {
    let b: Vec<u8> = (0..v).map(|k| a[k % a.len()]).collect();
    for block in i_buf.chunks_mut(v) {
        let mut carry = 1u16;
        for k in (0..v).rev() {
            let sum = u16::from(block[k]) + u16::from(b[k]) + carry;
            block[k] = sum as u8;
            carry = sum >> 8;
        }
    }
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
        next_i(&mut i_buf, &a, v);
    }
}

/// The SHA-1 initial state.
const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// [`derive`] with SHA-1, the digest of every legacy PKCS#12: the same output, faster.
///
/// After the first hash, each iteration hashes exactly 20 bytes: one SHA-1 block whose
/// padding never changes. So the block is padded once and each iteration is a single call
/// of the compression function (SHA-NI where the CPU has it), with no buffering, no length
/// bookkeeping and no allocation.
pub fn derive_sha1(
    purpose: Purpose,
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    const V: usize = 64;
    const U: usize = 20;
    let d = [purpose as u8; V];
    let mut i_buf = Zeroizing::new([fill(salt, V), fill(bmp_password, V)].concat());
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    // One block: 20 bytes of input, 0x80, zeros, and the bit length 160 at the end.
    let mut block = sha1::digest::generic_array::GenericArray::from([0u8; V]);
    block[U] = 0x80;
    block[V - 2..].copy_from_slice(&160u16.to_be_bytes());
    loop {
        let first = sha1::Sha1::new()
            .chain_update(d)
            .chain_update(&*i_buf)
            .finalize();
        let mut a = Zeroizing::new([0u8; U]);
        a.copy_from_slice(&first);
        for _ in 1..iterations {
            block[..U].copy_from_slice(&*a);
            let mut state = SHA1_IV;
            sha1::compress(&mut state, std::slice::from_ref(&block));
            for (chunk, word) in a.chunks_exact_mut(4).zip(state) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
        }
        let take = U.min(len - out.len());
        out.extend_from_slice(&a[..take]);
        if out.len() == len {
            // The block held the last intermediate hash: wipe it like the rest.
            block.as_mut_slice().zeroize();
            return out;
        }
        next_i(&mut i_buf, &*a, V);
    }
}

/// OpenSSL's own PKCS#12 KDF (`PKCS12_key_gen_uni`), for differential tests and benchmarks:
/// pbkit's KDF must equal it byte for byte.
pub fn openssl_reference(
    purpose: Purpose,
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Result<Vec<u8>, crate::Error> {
    use std::os::raw::c_int;
    extern "C" {
        // libcrypto, linked through openssl-sys; not bound by the openssl crates.
        fn PKCS12_key_gen_uni(
            pass: *mut u8,
            passlen: c_int,
            salt: *mut u8,
            saltlen: c_int,
            id: c_int,
            iter: c_int,
            n: c_int,
            out: *mut u8,
            md_type: *const openssl_sys::EVP_MD,
        ) -> c_int;
    }
    let (mut pass, mut salt) = (bmp_password.to_vec(), salt.to_vec());
    let mut out = vec![0u8; len];
    let too_big = |_| crate::Error::Malformed("KDF argument too large".into());
    // SAFETY: every pointer is valid for the length passed with it; OpenSSL writes `len`
    // bytes to `out` and reads the others only.
    let ok = unsafe {
        PKCS12_key_gen_uni(
            pass.as_mut_ptr(),
            c_int::try_from(pass.len()).map_err(too_big)?,
            salt.as_mut_ptr(),
            c_int::try_from(salt.len()).map_err(too_big)?,
            purpose as c_int,
            c_int::try_from(iterations).map_err(too_big)?,
            c_int::try_from(len).map_err(too_big)?,
            out.as_mut_ptr(),
            openssl::hash::MessageDigest::sha1().as_ptr(),
        )
    };
    if ok != 1 {
        return Err(crate::Error::OpenSsl(openssl::error::ErrorStack::get()));
    }
    Ok(out)
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

    /// The fast path equals the generic one for every shape of input.
    #[test]
    fn fast_sha1_equals_generic() {
        let salts: [&[u8]; 4] = [b"", b"12345678", &[7u8; 64], &[9u8; 65]];
        for pw in [
            "",
            "a",
            "password",
            "p\u{e9}ssw\u{f6}rd-with-more-than-sixty-four-bytes-when-utf16-encoded!!",
        ] {
            let bmp = bmp_password(pw);
            for salt in salts {
                for iterations in [0, 1, 2, 3, 1000, 2048] {
                    for len in [1, 5, 8, 20, 21, 24, 40, 64] {
                        for purpose in [Purpose::Key, Purpose::Iv, Purpose::Mac] {
                            assert_eq!(
                                derive_sha1(purpose, &bmp, salt, iterations, len),
                                derive::<Sha1>(purpose, &bmp, salt, iterations, len),
                                "{pw:?} {salt:?} {iterations} {len} {purpose:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bmp_encoding_has_a_terminator() {
        assert_eq!(&*bmp_password(""), &[0, 0]);
        assert_eq!(&*bmp_password("ab"), &[0, b'a', 0, b'b', 0, 0]);
    }
}
