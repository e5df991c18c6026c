//! SHA-1 applied to its own 20-byte output `n` times, for several chains at once.
//!
//! The PKCS#12 KDF spends nearly all its time here. One chain is bound by the latency of
//! the SHA-1 round instruction: each round needs the previous one's result. Chains that do
//! not depend on each other (a file's cipher keys, IVs and MAC key) can share the unit and
//! run at its throughput instead, so the SHA-NI path interleaves up to [`LANES`] of them
//! instruction by instruction. Each lane holds seven 128-bit registers (state, four
//! message words, the previous state): with AVX-512's 32 registers (its VL subset, for
//! the 128-bit forms) six lanes fit without spilling to the stack, so on such CPUs the
//! same code is compiled a second time with them.
//!
//! After the first hash, every block a chain hashes is the previous digest, `0x80`, zeros
//! and the bit length 160. So the message never touches memory: the digest's words are the
//! message's first five words as they come out of the round instructions.

use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroize;

/// How many independent chains the SHA-NI path interleaves: a rollout user's two files
/// give 12 blocks under one password, two of them waiting on another (a 3DES key is two
/// blocks), so six lanes run them in two full rounds. (On an AMD Zen 5, `cargo bench
/// --bench pkcs12`: a compression takes 28.7 ns alone, 14.8 ns at 4 lanes and 11.9 ns at 6
/// without AVX-512's registers, 10.7 ns at 4 and 9.8 ns at 6 with them.)
pub const LANES: usize = 6;

/// The SHA-1 initial state.
const IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// How the lane loop has been used by this process: the passes it made (each up to
/// [`LANES`] chains for the same number of iterations) and the chains they carried. A
/// caller that keeps the lanes full has `chains == LANES * passes`; counted so that a test
/// can hold the hot path to that without timing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaneUse {
    /// Passes of the loop.
    pub passes: u64,
    /// Chains, summed over the passes.
    pub chains: u64,
}

static PASSES: AtomicU64 = AtomicU64::new(0);
static CHAINS: AtomicU64 = AtomicU64::new(0);

/// The lane loop's use so far (see [`LaneUse`]).
pub fn lane_use() -> LaneUse {
    LaneUse {
        passes: PASSES.load(Ordering::Relaxed),
        chains: CHAINS.load(Ordering::Relaxed),
    }
}

/// Replaces each digest by SHA-1 applied `n` times to it (the chains are independent).
pub fn iterate(digests: &mut [[u8; 20]], n: u32) {
    let passes = digests.len().div_ceil(LANES) as u64;
    PASSES.fetch_add(passes, Ordering::Relaxed);
    CHAINS.fetch_add(digests.len() as u64, Ordering::Relaxed);
    #[cfg(target_arch = "x86_64")]
    if shani::available() {
        let wide = shani::wide();
        for chunk in digests.chunks_mut(LANES) {
            // SAFETY: the CPU has every instruction the function is compiled for (checked
            // just above).
            #[allow(unsafe_code)]
            unsafe {
                shani::iterate(chunk, n, wide)
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

    /// Whether the CPU has AVX-512's 32 vector registers for the 128-bit forms.
    pub(super) fn wide() -> bool {
        is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl")
    }

    /// Up to [`LANES`] chains, one SIMD register set per chain; `wide` (the CPU has
    /// [`wide`]) picks the build that keeps them all in registers.
    pub(super) unsafe fn iterate(digests: &mut [[u8; 20]], n: u32, wide: bool) {
        macro_rules! by_width {
            ($f:ident) => {
                match digests.len() {
                    1 => $f::<1>(digests, n),
                    2 => $f::<2>(digests, n),
                    3 => $f::<3>(digests, n),
                    4 => $f::<4>(digests, n),
                    5 => $f::<5>(digests, n),
                    6 => $f::<6>(digests, n),
                    _ => unreachable!("the caller passes 1 to {LANES} chains"),
                }
            };
        }
        if wide {
            by_width!(lanes_wide)
        } else {
            by_width!(lanes)
        }
    }

    /// One group of four rounds on every lane, with the message schedule's steps that go
    /// with it (group `$g`, round function `$f`).
    macro_rules! group {
        ($abcd:ident, $prev:ident, $m:ident, $w:ident; $g:literal, $f:literal) => {
            for l in 0..$w {
                let e_in = _mm_sha1nexte_epu32($prev[l], $m[$g % 4][l]);
                $prev[l] = $abcd[l];
                $abcd[l] = _mm_sha1rnds4_epu32::<$f>($abcd[l], e_in);
                if $g >= 3 && $g <= 18 {
                    $m[($g + 1) % 4][l] = _mm_sha1msg2_epu32($m[($g + 1) % 4][l], $m[$g % 4][l]);
                }
                if $g >= 1 && $g <= 16 {
                    $m[($g + 3) % 4][l] = _mm_sha1msg1_epu32($m[($g + 3) % 4][l], $m[$g % 4][l]);
                }
                if $g >= 2 && $g <= 17 {
                    $m[($g + 2) % 4][l] = _mm_xor_si128($m[($g + 2) % 4][l], $m[$g % 4][l]);
                }
            }
        };
    }

    /// Defines the lane loop under the given name and attributes: compiled once per set
    /// of target features.
    macro_rules! lanes_fn {
        ($(#[$attr:meta])* $name:ident) => {
            /// The 20 four-round groups of one compression on `W` lanes: `abcd` and
            /// `e` enter as the previous digests (A and E in the high lane, which is
            /// where the first message words belong) and leave as the new ones.
            $(#[$attr])*
            unsafe fn $name<const W: usize>(digests: &mut [[u8; 20]], n: u32) {
                let word = |d: &[u8; 20], i: usize| {
                    i32::from_be_bytes([d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3]])
                };
                let iv_abcd =
                    _mm_set_epi32(IV[0] as i32, IV[1] as i32, IV[2] as i32, IV[3] as i32);
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
                    // Group 0's schedule steps (none besides rounds 0-3 above) and groups 1-19.
                    group!(abcd, prev, m, W; 1, 0);
                    group!(abcd, prev, m, W; 2, 0);
                    group!(abcd, prev, m, W; 3, 0);
                    group!(abcd, prev, m, W; 4, 0);
                    group!(abcd, prev, m, W; 5, 1);
                    group!(abcd, prev, m, W; 6, 1);
                    group!(abcd, prev, m, W; 7, 1);
                    group!(abcd, prev, m, W; 8, 1);
                    group!(abcd, prev, m, W; 9, 1);
                    group!(abcd, prev, m, W; 10, 2);
                    group!(abcd, prev, m, W; 11, 2);
                    group!(abcd, prev, m, W; 12, 2);
                    group!(abcd, prev, m, W; 13, 2);
                    group!(abcd, prev, m, W; 14, 2);
                    group!(abcd, prev, m, W; 15, 3);
                    group!(abcd, prev, m, W; 16, 3);
                    group!(abcd, prev, m, W; 17, 3);
                    group!(abcd, prev, m, W; 18, 3);
                    group!(abcd, prev, m, W; 19, 3);
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
        };
    }

    lanes_fn!(
        #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
        lanes
    );
    lanes_fn!(
        #[target_feature(enable = "sha,sse2,ssse3,sse4.1,avx512f,avx512vl")]
        lanes_wide
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lane count and chunking equals the portable path, for iteration counts around
    /// the edges; on x86-64 with SHA-NI, both builds of the lane loop (with AVX-512's
    /// registers when the CPU has them).
    #[test]
    fn every_width_equals_the_portable_path() {
        for count in 1..=(2 * LANES + 1) {
            for n in [0u32, 1, 2, 3, 17, 2048] {
                let start: Vec<[u8; 20]> = (0..count)
                    .map(|i| std::array::from_fn(|j| (i * 31 + j * 7) as u8))
                    .collect();
                let mut fast = start.clone();
                iterate(&mut fast, n);
                let mut slow = start.clone();
                portable(&mut slow, n);
                assert_eq!(fast, slow, "{count} chains, {n} iterations");
                #[cfg(target_arch = "x86_64")]
                if shani::available() {
                    for wide in [false, true] {
                        if wide && !shani::wide() {
                            continue;
                        }
                        let mut each = start.clone();
                        for chunk in each.chunks_mut(LANES) {
                            // SAFETY: the CPU has the features (checked just above).
                            #[allow(unsafe_code)]
                            unsafe {
                                shani::iterate(chunk, n, wide)
                            };
                        }
                        assert_eq!(each, slow, "{count} chains, {n} iterations, wide {wide}");
                    }
                }
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
