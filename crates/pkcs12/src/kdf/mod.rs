//! The PKCS#12 key-derivation function (RFC 7292 appendix B.2).
//!
//! Used for the PBES1 bag ciphers (IDs 1 and 2: key and IV) and the MAC key (ID 3). Almost
//! all the CPU time of reading a legacy PKCS#12 is spent here: `iterations` hash
//! compressions per output block.

use sha1::digest::core_api::BlockSizeUser;
use sha1::Digest;
use zeroize::{Zeroize, Zeroizing};

pub mod lanes;

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

/// One derivation of a batch: what [`derive_sha1`] takes besides the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// Which secret.
    pub purpose: Purpose,
    /// The salt.
    pub salt: &'a [u8],
    /// The iteration count (0 is treated as 1).
    pub iterations: u32,
    /// How many bytes.
    pub len: usize,
}

/// [`derive()`] with SHA-1, the digest of every legacy PKCS#12: the same output, faster.
pub fn derive_sha1(
    purpose: Purpose,
    bmp_password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let request = Request {
        purpose,
        salt,
        iterations,
        len,
    };
    derive_sha1_batch(bmp_password, &[request])
        .pop()
        .unwrap_or_default()
}

/// Several SHA-1 derivations from one password, computed together: the outputs of
/// [`derive_sha1`] for each request, in order.
///
/// After its first hash, each output block is SHA-1 applied `iterations - 1` times to a
/// 20-byte digest ([`lanes::iterate`]). The blocks of different requests do not depend on
/// each other, so up to [`lanes::LANES`] of them run interleaved; a request's next block
/// (a 24-byte 3DES key needs two) starts as soon as its previous one ends.
pub fn derive_sha1_batch(bmp_password: &[u8], requests: &[Request<'_>]) -> Vec<Zeroizing<Vec<u8>>> {
    const V: usize = 64;
    struct Pending {
        i_buf: Zeroizing<Vec<u8>>,
        out: Zeroizing<Vec<u8>>,
    }
    let mut pending: Vec<Pending> = requests
        .iter()
        .map(|r| Pending {
            i_buf: Zeroizing::new([fill(r.salt, V), fill(bmp_password, V)].concat()),
            out: Zeroizing::new(Vec::with_capacity(r.len)),
        })
        .collect();
    // Requests with the most blocks first: they are the longest dependent chains.
    let mut ready: std::collections::VecDeque<usize> = (0..requests.len())
        .filter(|&r| requests[r].len > 0)
        .collect();
    ready
        .make_contiguous()
        .sort_by_key(|&r| std::cmp::Reverse(requests[r].len.div_ceil(20)));
    // A block is done: keep its bytes; queue the request's next block, if any, first.
    let finish = |r: usize,
                  a: &[u8; 20],
                  pending: &mut [Pending],
                  ready: &mut std::collections::VecDeque<usize>| {
        let p = &mut pending[r];
        let take = 20.min(requests[r].len - p.out.len());
        p.out.extend_from_slice(&a[..take]);
        if p.out.len() < requests[r].len {
            next_i(&mut p.i_buf, a, V);
            ready.push_front(r);
        }
    };
    // Lanes in flight: (request, iterations left) beside their digests.
    let mut active: Vec<(usize, u32)> = Vec::with_capacity(lanes::LANES);
    let mut digests: Zeroizing<Vec<[u8; 20]>> = Zeroizing::new(Vec::with_capacity(lanes::LANES));
    loop {
        while active.len() < lanes::LANES {
            let Some(r) = ready.pop_front() else { break };
            let d = [requests[r].purpose as u8; V];
            let mut first: [u8; 20] = sha1::Sha1::new()
                .chain_update(d)
                .chain_update(&*pending[r].i_buf)
                .finalize()
                .into();
            let left = requests[r].iterations.saturating_sub(1);
            if left == 0 {
                finish(r, &first, &mut pending, &mut ready);
            } else {
                active.push((r, left));
                digests.push(first);
            }
            first.zeroize();
        }
        let Some(n) = active.iter().map(|&(_, left)| left).min() else {
            break;
        };
        lanes::iterate(&mut digests, n);
        // Retire finished lanes, last first so the indices stay valid.
        for lane in (0..active.len()).rev() {
            active[lane].1 -= n;
            if active[lane].1 == 0 {
                let (r, _) = active.swap_remove(lane);
                let mut a = digests.swap_remove(lane);
                finish(r, &a, &mut pending, &mut ready);
                a.zeroize();
            }
        }
    }
    pending.into_iter().map(|p| p.out).collect()
}

/// What one password yields for one file: the SHA-1 derivations asked for up front
/// ([`Secrets::prepare`]) are computed together by [`derive_sha1_batch`] and then handed
/// out by their parameters; one not asked for up front is derived when asked.
pub(crate) struct Secrets {
    password: Zeroizing<String>,
    bmp: Zeroizing<Vec<u8>>,
    derived: Vec<Derived>,
}

/// A request with its own salt, and its output.
struct Derived {
    purpose: Purpose,
    salt: Vec<u8>,
    iterations: u32,
    len: usize,
    out: Zeroizing<Vec<u8>>,
}

impl Secrets {
    pub(crate) fn new(password: &str) -> Secrets {
        Secrets {
            password: Zeroizing::new(password.to_owned()),
            bmp: bmp_password(password),
            derived: Vec::new(),
        }
    }

    /// The empty password as zero bytes rather than a two-byte NUL: OpenSSL tries both
    /// when a file's MAC is checked with an empty password.
    pub(crate) fn empty_as_no_bytes() -> Secrets {
        Secrets {
            bmp: Zeroizing::new(Vec::new()),
            ..Secrets::new("")
        }
    }

    /// The password as given (UTF-8), for PBES2.
    pub(crate) fn password(&self) -> &str {
        &self.password
    }

    /// The password as the KDF takes it.
    pub(crate) fn bmp(&self) -> &[u8] {
        &self.bmp
    }

    /// Derives `requests` together, so that [`Secrets::sha1`] finds them.
    pub(crate) fn prepare(&mut self, requests: &[Request<'_>]) {
        let mut new: Vec<Request<'_>> = Vec::new();
        for r in requests {
            if self.find(r).is_none() && !new.contains(r) {
                new.push(*r);
            }
        }
        let outputs = derive_sha1_batch(&self.bmp, &new);
        for (r, out) in new.into_iter().zip(outputs) {
            self.derived.push(Derived {
                purpose: r.purpose,
                salt: r.salt.to_vec(),
                iterations: r.iterations,
                len: r.len,
                out,
            });
        }
    }

    fn find(&self, r: &Request<'_>) -> Option<&Zeroizing<Vec<u8>>> {
        self.derived
            .iter()
            .find(|d| {
                (d.purpose, d.salt.as_slice(), d.iterations, d.len)
                    == (r.purpose, r.salt, r.iterations, r.len)
            })
            .map(|d| &d.out)
    }

    /// The SHA-1 derivation `r`: prepared, or computed now.
    pub(crate) fn sha1(&self, r: Request<'_>) -> Zeroizing<Vec<u8>> {
        match self.find(&r) {
            Some(out) => out.clone(),
            None => derive_sha1(r.purpose, &self.bmp, r.salt, r.iterations, r.len),
        }
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
    #[allow(unsafe_code)]
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

    /// A batch gives what each request gives alone, whatever the mix of lengths, counts
    /// and salts, and however many requests (more than the lanes, some of several blocks).
    #[test]
    fn a_batch_equals_its_requests_one_by_one() {
        let bmp = bmp_password("batch");
        let salts: [&[u8]; 3] = [b"", b"12345678", &[3u8; 70]];
        let mut requests = Vec::new();
        for (k, iterations) in [0u32, 1, 2, 7, 2048, 2048, 300, 1].into_iter().enumerate() {
            for len in [0usize, 5, 8, 20, 24, 41] {
                requests.push(Request {
                    purpose: [Purpose::Key, Purpose::Iv, Purpose::Mac][(k + len) % 3],
                    salt: salts[(k * len) % 3],
                    iterations,
                    len,
                });
            }
        }
        for size in [1, 2, 3, 5, requests.len()] {
            let batch = &requests[..size];
            let together = derive_sha1_batch(&bmp, batch);
            assert_eq!(together.len(), batch.len());
            for (r, out) in batch.iter().zip(&together) {
                assert_eq!(
                    **out,
                    *derive::<Sha1>(r.purpose, &bmp, r.salt, r.iterations, r.len),
                    "{r:?} in a batch of {size}"
                );
            }
        }
    }

    #[test]
    fn bmp_encoding_has_a_terminator() {
        assert_eq!(&*bmp_password(""), &[0, 0]);
        assert_eq!(&*bmp_password("ab"), &[0, b'a', 0, b'b', 0, 0]);
    }
}
