//! SHA-1 applied to its own 20-byte output `n` times, for several chains at once.
//!
//! The PKCS#12 KDF spends nearly all its time here. One chain is bound by the latency of
//! the SHA-1 round instruction: each round needs the previous one's result. Chains that do
//! not depend on each other (a file's cipher keys, IVs and MAC key) can share the unit and
//! run at its throughput instead, so the SHA-NI path interleaves up to [`LANES`] of them
//! instruction by instruction.
//!
//! After the first hash, every block a chain hashes is the previous digest, `0x80`, zeros
//! and the bit length 160. So the message never touches memory: the digest's words are the
//! message's first five words as they come out of the round instructions.

use zeroize::Zeroize;

/// How many independent chains the SHA-NI path interleaves.
pub const LANES: usize = 4;

/// The SHA-1 initial state.
const IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// Replaces each digest by SHA-1 applied `n` times to it (the chains are independent).
pub fn iterate(digests: &mut [[u8; 20]], n: u32) {
    #[cfg(target_arch = "x86_64")]
    if shani::available() {
        for chunk in digests.chunks_mut(LANES) {
            // SAFETY: the CPU has every instruction the function is compiled for (checked
            // just above).
            #[allow(unsafe_code)]
            unsafe {
                shani::iterate(chunk, n)
            };
        }
        return;
    }
    portable(digests, n);
}

/// One chain after the other over RustCrypto's compression function: for CPUs without
/// SHA-NI, and the reference the SHA-NI path is tested against.
pub fn portable(digests: &mut [[u8; 20]], n: u32) {
    let mut block = sha1::digest::generic_array::GenericArray::from([0u8; 64]);
    block[20] = 0x80;
    block[62..].copy_from_slice(&160u16.to_be_bytes());
    for digest in digests {
        for _ in 0..n {
            block[..20].copy_from_slice(digest);
            let mut state = IV;
            sha1::compress(&mut state, std::slice::from_ref(&block));
            for (chunk, word) in digest.chunks_exact_mut(4).zip(state) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
        }
    }
    // The block held an intermediate hash: wipe it like the digests' other copies.
    block.as_mut_slice().zeroize();
}

// SHA-NI intrinsics are unsafe to call: the one place in pbkit that needs `unsafe`.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod shani {
    use std::arch::x86_64::*;

    use super::{IV, LANES};

    pub(super) fn available() -> bool {
        is_x86_feature_detected!("sha") && is_x86_feature_detected!("sse4.1")
    }

    /// Up to [`LANES`] chains, one SIMD register set per chain.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) unsafe fn iterate(digests: &mut [[u8; 20]], n: u32) {
        match digests.len() {
            1 => lanes::<1>(digests, n),
            2 => lanes::<2>(digests, n),
            3 => lanes::<3>(digests, n),
            4 => lanes::<4>(digests, n),
            _ => unreachable!("the caller passes 1 to {LANES} chains"),
        }
    }

    /// The 20 four-round groups of one compression on `W` lanes: `abcd` and `e` enter as
    /// the previous digests (A and E in the high lane, which is where the first message
    /// words belong) and leave as the new ones.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    unsafe fn lanes<const W: usize>(digests: &mut [[u8; 20]], n: u32) {
        let word = |d: &[u8; 20], i: usize| {
            i32::from_be_bytes([d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3]])
        };
        let iv_abcd = _mm_set_epi32(IV[0] as i32, IV[1] as i32, IV[2] as i32, IV[3] as i32);
        let iv_e = _mm_set_epi32(IV[4] as i32, 0, 0, 0);
        // W5 = 0x80000000 (the padding bit), W6..W14 = 0, W15 = 160 (the bit length).
        let pad = _mm_set_epi32(0, 0x8000_0000_u32 as i32, 0, 0);
        let length = _mm_set_epi32(0, 0, 0, 160);
        let zero = _mm_setzero_si128();

        let mut abcd = [zero; W];
        let mut e = [zero; W];
        for l in 0..W {
            let d = &digests[l];
            abcd[l] = _mm_set_epi32(word(d, 0), word(d, 1), word(d, 2), word(d, 3));
            e[l] = _mm_set_epi32(word(d, 4), 0, 0, 0);
        }
        for _ in 0..n {
            let mut m = [abcd, e, [zero; W], [length; W]];
            for l in 0..W {
                m[1][l] = _mm_or_si128(e[l], pad);
            }
            let mut prev = [zero; W];
            // Rounds 0-3: E enters by addition.
            for l in 0..W {
                let e_in = _mm_add_epi32(iv_e, m[0][l]);
                prev[l] = iv_abcd;
                abcd[l] = _mm_sha1rnds4_epu32::<0>(iv_abcd, e_in);
            }
            // Rounds 4-79: E from the state four rounds back; the message schedule for
            // words 16-79 is computed four words at a time, alongside.
            macro_rules! group {
                ($g:literal, $f:literal) => {
                    for l in 0..W {
                        let e_in = _mm_sha1nexte_epu32(prev[l], m[$g % 4][l]);
                        prev[l] = abcd[l];
                        abcd[l] = _mm_sha1rnds4_epu32::<$f>(abcd[l], e_in);
                        if $g >= 3 && $g <= 18 {
                            m[($g + 1) % 4][l] =
                                _mm_sha1msg2_epu32(m[($g + 1) % 4][l], m[$g % 4][l]);
                        }
                        if $g >= 1 && $g <= 16 {
                            m[($g + 3) % 4][l] =
                                _mm_sha1msg1_epu32(m[($g + 3) % 4][l], m[$g % 4][l]);
                        }
                        if $g >= 2 && $g <= 17 {
                            m[($g + 2) % 4][l] = _mm_xor_si128(m[($g + 2) % 4][l], m[$g % 4][l]);
                        }
                    }
                };
            }
            // Group 0's schedule steps (none besides rounds 0-3 above) and groups 1-19.
            group!(1, 0);
            group!(2, 0);
            group!(3, 0);
            group!(4, 0);
            group!(5, 1);
            group!(6, 1);
            group!(7, 1);
            group!(8, 1);
            group!(9, 1);
            group!(10, 2);
            group!(11, 2);
            group!(12, 2);
            group!(13, 2);
            group!(14, 2);
            group!(15, 3);
            group!(16, 3);
            group!(17, 3);
            group!(18, 3);
            group!(19, 3);
            for l in 0..W {
                e[l] = _mm_sha1nexte_epu32(prev[l], iv_e);
                abcd[l] = _mm_add_epi32(abcd[l], iv_abcd);
            }
        }
        for l in 0..W {
            let words = [
                _mm_extract_epi32::<3>(abcd[l]),
                _mm_extract_epi32::<2>(abcd[l]),
                _mm_extract_epi32::<1>(abcd[l]),
                _mm_extract_epi32::<0>(abcd[l]),
                _mm_extract_epi32::<3>(e[l]),
            ];
            for (chunk, w) in digests[l].chunks_exact_mut(4).zip(words) {
                chunk.copy_from_slice(&w.to_be_bytes());
            }
        }
        // The last state: volatile writes, so that they are not optimised away. (The
        // loop's message and round temporaries live in registers and spill slots that Rust
        // cannot name; keeping them in named memory to wipe them costs 9 % at 4 lanes.)
        std::ptr::write_volatile(&mut abcd, [zero; W]);
        std::ptr::write_volatile(&mut e, [zero; W]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lane count and chunking equals the portable path, for iteration counts around
    /// the edges.
    #[test]
    fn every_width_equals_the_portable_path() {
        for count in 1..=9usize {
            for n in [0u32, 1, 2, 3, 17, 2048] {
                let start: Vec<[u8; 20]> = (0..count)
                    .map(|i| std::array::from_fn(|j| (i * 31 + j * 7) as u8))
                    .collect();
                let mut fast = start.clone();
                iterate(&mut fast, n);
                let mut slow = start.clone();
                portable(&mut slow, n);
                assert_eq!(fast, slow, "{count} chains, {n} iterations");
            }
        }
    }

    /// Two iterations are two applications of the plain digest API.
    #[test]
    fn two_iterations_of_a_known_digest() {
        use sha1::Digest;
        let mut d: [u8; 20] = sha1::Sha1::digest(b"abc").into();
        let expected: [u8; 20] = sha1::Sha1::digest(sha1::Sha1::digest(d)).into();
        iterate(std::slice::from_mut(&mut d), 2);
        assert_eq!(d, expected);
    }
}
