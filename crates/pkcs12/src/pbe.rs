//! Password-based encryption schemes of PKCS#12 bags: what they are called, and decrypting.

use std::fmt;

use asn1_rs::Any;
use openssl::hash::MessageDigest;
use openssl::symm::Cipher;
use zeroize::Zeroizing;

use crate::ber;
use crate::kdf::{self, Purpose, Request, Secrets};
use crate::Error;

/// Above this many iterations a file is refused rather than making pbkit spin for minutes.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// A digest, as used by the MAC and by PBKDF2's PRF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Digest {
    /// SHA-1
    Sha1,
    /// SHA-224
    Sha224,
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
    /// SHA-512
    Sha512,
}

impl Digest {
    /// The digest a MacData's digestAlgorithm names: a digest OID, or (as OpenSSL's
    /// digest aliases also take them) the RSA signature OID of that digest.
    fn from_mac_oid(oid: &str) -> Option<Digest> {
        Some(match oid {
            "1.3.14.3.2.26" | "1.3.14.3.2.29" | "1.2.840.113549.1.1.5" => Digest::Sha1,
            "2.16.840.1.101.3.4.2.4" | "1.2.840.113549.1.1.14" => Digest::Sha224,
            "2.16.840.1.101.3.4.2.1" | "1.2.840.113549.1.1.11" => Digest::Sha256,
            "2.16.840.1.101.3.4.2.2" | "1.2.840.113549.1.1.12" => Digest::Sha384,
            "2.16.840.1.101.3.4.2.3" | "1.2.840.113549.1.1.13" => Digest::Sha512,
            _ => return None,
        })
    }

    /// The digest of a PBKDF2 PRF: only the hmacWithSHA* OIDs, as in OpenSSL.
    fn from_prf_oid(oid: &str) -> Option<Digest> {
        Some(match oid {
            "1.2.840.113549.2.7" => Digest::Sha1,
            "1.2.840.113549.2.8" => Digest::Sha224,
            "1.2.840.113549.2.9" => Digest::Sha256,
            "1.2.840.113549.2.10" => Digest::Sha384,
            "1.2.840.113549.2.11" => Digest::Sha512,
            _ => return None,
        })
    }

    /// The digest's name (`SHA-1`, `SHA-256`, …).
    pub fn name(self) -> &'static str {
        match self {
            Digest::Sha1 => "SHA-1",
            Digest::Sha224 => "SHA-224",
            Digest::Sha256 => "SHA-256",
            Digest::Sha384 => "SHA-384",
            Digest::Sha512 => "SHA-512",
        }
    }

    pub(crate) fn openssl(self) -> MessageDigest {
        match self {
            Digest::Sha1 => MessageDigest::sha1(),
            Digest::Sha224 => MessageDigest::sha224(),
            Digest::Sha256 => MessageDigest::sha256(),
            Digest::Sha384 => MessageDigest::sha384(),
            Digest::Sha512 => MessageDigest::sha512(),
        }
    }

    /// The PKCS#12 KDF (appendix B) with this digest.
    pub(crate) fn pkcs12_kdf(
        self,
        purpose: Purpose,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
        len: usize,
    ) -> Zeroizing<Vec<u8>> {
        use kdf::derive;
        match self {
            Digest::Sha1 => kdf::derive_sha1(purpose, bmp_password, salt, iterations, len),
            Digest::Sha224 => derive::<sha2::Sha224>(purpose, bmp_password, salt, iterations, len),
            Digest::Sha256 => derive::<sha2::Sha256>(purpose, bmp_password, salt, iterations, len),
            Digest::Sha384 => derive::<sha2::Sha384>(purpose, bmp_password, salt, iterations, len),
            Digest::Sha512 => derive::<sha2::Sha512>(purpose, bmp_password, salt, iterations, len),
        }
    }

    /// Parses MacData's digestAlgorithm.
    pub(crate) fn from_mac_algorithm(any: &Any<'_>, what: &str) -> Result<Digest, Error> {
        Digest::from_algorithm(any, what, Digest::from_mac_oid)
    }

    /// Parses a PBKDF2 PRF AlgorithmIdentifier.
    pub(crate) fn from_prf_algorithm(any: &Any<'_>, what: &str) -> Result<Digest, Error> {
        Digest::from_algorithm(any, what, Digest::from_prf_oid)
    }

    fn from_algorithm(
        any: &Any<'_>,
        what: &str,
        table: fn(&str) -> Option<Digest>,
    ) -> Result<Digest, Error> {
        let items = ber::sequence(any, what)?;
        let oid = ber::oid(items.first().ok_or_else(|| short(what))?, what)?;
        table(&oid)
            .ok_or_else(|| Error::UnsupportedAlgorithm(format!("{what} {}", name_of_oid(&oid))))
    }
}

/// The PKCS#12 PBES1 ciphers (RFC 7292 appendix C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Pbes1Cipher {
    /// pbeWithSHA1And3-KeyTripleDES-CBC
    TripleDes3Key,
    /// pbeWithSHA1And2-KeyTripleDES-CBC
    TripleDes2Key,
    /// pbeWithSHA1And128BitRC2-CBC
    Rc2_128,
    /// pbeWithSHA1And40BitRC2-CBC
    Rc2_40,
}

impl Pbes1Cipher {
    const ALL: [Pbes1Cipher; 4] = [
        Pbes1Cipher::TripleDes3Key,
        Pbes1Cipher::TripleDes2Key,
        Pbes1Cipher::Rc2_128,
        Pbes1Cipher::Rc2_40,
    ];

    /// The algorithm's OID (RFC 7292 appendix C): what the reader matches and the writer
    /// writes.
    pub(crate) fn oid(self) -> &'static str {
        match self {
            Pbes1Cipher::TripleDes3Key => "1.2.840.113549.1.12.1.3",
            Pbes1Cipher::TripleDes2Key => "1.2.840.113549.1.12.1.4",
            Pbes1Cipher::Rc2_128 => "1.2.840.113549.1.12.1.5",
            Pbes1Cipher::Rc2_40 => "1.2.840.113549.1.12.1.6",
        }
    }
}

/// The PBES2 ciphers pbkit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Pbes2Cipher {
    /// AES-128-CBC
    Aes128Cbc,
    /// AES-192-CBC
    Aes192Cbc,
    /// AES-256-CBC
    Aes256Cbc,
    /// DES-EDE3-CBC
    DesEde3Cbc,
}

impl Pbes2Cipher {
    fn openssl(self) -> Cipher {
        match self {
            Pbes2Cipher::Aes128Cbc => Cipher::aes_128_cbc(),
            Pbes2Cipher::Aes192Cbc => Cipher::aes_192_cbc(),
            Pbes2Cipher::Aes256Cbc => Cipher::aes_256_cbc(),
            Pbes2Cipher::DesEde3Cbc => Cipher::des_ede3_cbc(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Pbes2Cipher::Aes128Cbc => "AES-128-CBC",
            Pbes2Cipher::Aes192Cbc => "AES-192-CBC",
            Pbes2Cipher::Aes256Cbc => "AES-256-CBC",
            Pbes2Cipher::DesEde3Cbc => "DES-EDE3-CBC",
        }
    }
}

/// How a bag (or a whole SafeContents) is encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Algorithm {
    /// PKCS#12 PBES1: the appendix B KDF with SHA-1, then the cipher.
    Pbes1 {
        /// The cipher.
        cipher: Pbes1Cipher,
        /// KDF salt.
        salt: Vec<u8>,
        /// KDF iterations.
        iterations: u32,
    },
    /// PKCS#5 PBES2: PBKDF2, then the cipher.
    Pbes2 {
        /// PBKDF2's PRF (HMAC with this digest).
        prf: Digest,
        /// PBKDF2 salt.
        salt: Vec<u8>,
        /// PBKDF2 iterations.
        iterations: u32,
        /// The cipher.
        cipher: Pbes2Cipher,
        /// The cipher's IV.
        iv: Vec<u8>,
    },
}

impl Algorithm {
    /// The iteration count.
    pub fn iterations(&self) -> u32 {
        match self {
            Algorithm::Pbes1 { iterations, .. } | Algorithm::Pbes2 { iterations, .. } => {
                *iterations
            }
        }
    }

    /// Whether this is PBES2 (AES and friends): known to fail on many iOS versions.
    pub fn is_pbes2(&self) -> bool {
        matches!(self, Algorithm::Pbes2 { .. })
    }

    /// Parses an encryption AlgorithmIdentifier; names the algorithm when unsupported.
    pub(crate) fn parse(any: &Any<'_>, what: &str) -> Result<Algorithm, Error> {
        let items = ber::sequence(any, what)?;
        let oid = ber::oid(items.first().ok_or_else(|| short(what))?, what)?;
        let params = items.get(1);
        let pbes1 = |cipher| -> Result<Algorithm, Error> {
            let p = ber::sequence(params.ok_or_else(|| short(what))?, what)?;
            let [salt, iterations] = &p[..] else {
                return Err(short(what));
            };
            Ok(Algorithm::Pbes1 {
                cipher,
                salt: ber::octets(salt, what)?.into_owned(),
                iterations: checked_iterations(ber::uint(iterations, what)?)?,
            })
        };
        if let Some(cipher) = Pbes1Cipher::ALL.into_iter().find(|c| c.oid() == oid) {
            return pbes1(cipher);
        }
        match oid.as_str() {
            "1.2.840.113549.1.5.13" => parse_pbes2(params.ok_or_else(|| short(what))?, what),
            other => Err(Error::UnsupportedAlgorithm(format!(
                "{what} {}",
                name_of_oid(other)
            ))),
        }
    }

    /// The KDF derivations decrypting will ask `Secrets` for (none for PBES2, whose
    /// PBKDF2 is OpenSSL's): to prepare them together with a file's others.
    pub(crate) fn requests(&self) -> Vec<Request<'_>> {
        match self {
            Algorithm::Pbes1 {
                cipher,
                salt,
                iterations,
            } => pbes1_requests(*cipher, salt, *iterations).to_vec(),
            Algorithm::Pbes2 { .. } => Vec::new(),
        }
    }

    /// Decrypts `data` with the password of `secrets`. A padding failure means a wrong
    /// password or a damaged file; the caller knows which (it has checked the MAC).
    pub(crate) fn decrypt(
        &self,
        secrets: &Secrets,
        data: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self {
            Algorithm::Pbes1 {
                cipher,
                salt,
                iterations,
            } => pbes1(
                *cipher,
                secrets,
                salt,
                *iterations,
                data,
                Direction::Decrypt,
            ),
            Algorithm::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                let c = cipher.openssl();
                let mut key = Zeroizing::new(vec![0u8; c.key_len()]);
                openssl::pkcs5::pbkdf2_hmac(
                    secrets.password().as_bytes(),
                    salt,
                    *iterations as usize,
                    prf.openssl(),
                    &mut key,
                )?;
                openssl::symm::decrypt(c, &key, Some(iv), data)
                    .map(Zeroizing::new)
                    .map_err(|_| Error::DecryptionFailed)
            }
        }
    }
}

/// The key and IV derivations of PBES1 with `cipher`.
pub(crate) fn pbes1_requests(
    cipher: Pbes1Cipher,
    salt: &[u8],
    iterations: u32,
) -> [Request<'_>; 2] {
    let key_len = match cipher {
        Pbes1Cipher::TripleDes3Key => 24,
        Pbes1Cipher::TripleDes2Key | Pbes1Cipher::Rc2_128 => 16,
        Pbes1Cipher::Rc2_40 => 5,
    };
    [Purpose::Key, Purpose::Iv].map(|purpose| Request {
        purpose,
        salt,
        iterations,
        len: if purpose == Purpose::Key { key_len } else { 8 },
    })
}

/// Which way [`pbes1`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Encrypt,
    Decrypt,
}

/// PBES1 with the PKCS#12 KDF (key and IV from `secrets`, where they were prepared with the
/// file's other derivations) and a CBC cipher with PKCS#7 padding. No legacy provider
/// needed: 3DES is in OpenSSL's default provider, RC2 is RustCrypto's.
pub(crate) fn pbes1(
    cipher: Pbes1Cipher,
    secrets: &Secrets,
    salt: &[u8],
    iterations: u32,
    data: &[u8],
    direction: Direction,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit};
    let [key, iv] = pbes1_requests(cipher, salt, iterations).map(|r| secrets.sha1(r));
    let mut key = key;
    if cipher == Pbes1Cipher::TripleDes2Key {
        // Two-key 3DES is K1 K2 K1.
        let k1 = key[..8].to_vec();
        key.extend_from_slice(&k1);
    }
    let out = match cipher {
        // OpenSSL's 3DES (its default provider has it): about 2.5 times RustCrypto's
        // speed here, which matters for a 1.2 KB RSA key bag.
        Pbes1Cipher::TripleDes3Key | Pbes1Cipher::TripleDes2Key => {
            let run = match direction {
                Direction::Decrypt => openssl::symm::decrypt,
                Direction::Encrypt => openssl::symm::encrypt,
            };
            run(Cipher::des_ede3_cbc(), &key, Some(&iv), data)
                .map_err(|_| Error::DecryptionFailed)?
        }
        // RC2 is in OpenSSL 3's legacy provider only: RustCrypto's, so that the legacy
        // suites never need that provider.
        Pbes1Cipher::Rc2_40 | Pbes1Cipher::Rc2_128 => {
            let bits = if cipher == Pbes1Cipher::Rc2_40 {
                40
            } else {
                128
            };
            let iv = cbc::cipher::generic_array::GenericArray::from_slice(&iv);
            let rc2 = rc2::Rc2::new_with_eff_key_len(&key, bits);
            match direction {
                Direction::Decrypt => cbc::Decryptor::<rc2::Rc2>::inner_iv_init(rc2, iv)
                    .decrypt_padded_vec_mut::<Pkcs7>(data)
                    .map_err(|_| Error::DecryptionFailed)?,
                Direction::Encrypt => cbc::Encryptor::<rc2::Rc2>::inner_iv_init(rc2, iv)
                    .encrypt_padded_vec_mut::<Pkcs7>(data),
            }
        }
    };
    Ok(Zeroizing::new(out))
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Algorithm::Pbes1 { cipher, .. } => f.write_str(match cipher {
                Pbes1Cipher::TripleDes3Key => "pbeWithSHA1And3-KeyTripleDES-CBC",
                Pbes1Cipher::TripleDes2Key => "pbeWithSHA1And2-KeyTripleDES-CBC",
                Pbes1Cipher::Rc2_128 => "pbeWithSHA1And128BitRC2-CBC",
                Pbes1Cipher::Rc2_40 => "pbeWithSHA1And40BitRC2-CBC",
            }),
            Algorithm::Pbes2 { prf, cipher, .. } => {
                write!(f, "PBES2 (PBKDF2-HMAC-{}, {})", prf.name(), cipher.name())
            }
        }
    }
}

/// PBKDF2's parameters (RFC 8018 appendix A.2), shared by PBES2 and PBMAC1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pbkdf2 {
    pub(crate) salt: Vec<u8>,
    pub(crate) iterations: u32,
    pub(crate) key_length: Option<u32>,
    pub(crate) prf: Digest,
}

/// Parses a keyDerivationFunc AlgorithmIdentifier that must be PBKDF2.
pub(crate) fn parse_pbkdf2(kdf: &Any<'_>, what: &str) -> Result<Pbkdf2, Error> {
    let kdf = ber::sequence(kdf, what)?;
    let kdf_oid = ber::oid(kdf.first().ok_or_else(|| short(what))?, what)?;
    if kdf_oid != "1.2.840.113549.1.5.12" {
        return Err(Error::UnsupportedAlgorithm(format!(
            "{what} key derivation {}",
            name_of_oid(&kdf_oid)
        )));
    }
    let pbkdf2 = ber::sequence(kdf.get(1).ok_or_else(|| short(what))?, what)?;
    let salt = ber::octets(pbkdf2.first().ok_or_else(|| short(what))?, what)?.into_owned();
    let iterations =
        checked_iterations(ber::uint(pbkdf2.get(1).ok_or_else(|| short(what))?, what)?)?;
    // Optional keyLength (INTEGER), then optional prf (SEQUENCE, default hmacWithSHA1).
    let mut prf = Digest::Sha1;
    let mut key_length = None;
    for item in &pbkdf2[2..] {
        if item.tag() == asn1_rs::Tag::Sequence {
            prf = Digest::from_prf_algorithm(item, what)?;
        } else {
            key_length = Some(ber::uint(item, what)?);
        }
    }
    Ok(Pbkdf2 {
        salt,
        iterations,
        key_length,
        prf,
    })
}

fn parse_pbes2(params: &Any<'_>, what: &str) -> Result<Algorithm, Error> {
    let p = ber::sequence(params, what)?;
    let [kdf, scheme] = &p[..] else {
        return Err(short(what));
    };
    let Pbkdf2 {
        salt,
        iterations,
        key_length,
        prf,
    } = parse_pbkdf2(kdf, &format!("{what} PBES2"))?;
    let scheme = ber::sequence(scheme, what)?;
    let cipher_oid = ber::oid(scheme.first().ok_or_else(|| short(what))?, what)?;
    let cipher = match cipher_oid.as_str() {
        "2.16.840.1.101.3.4.1.2" => Pbes2Cipher::Aes128Cbc,
        "2.16.840.1.101.3.4.1.22" => Pbes2Cipher::Aes192Cbc,
        "2.16.840.1.101.3.4.1.42" => Pbes2Cipher::Aes256Cbc,
        "1.2.840.113549.3.7" => Pbes2Cipher::DesEde3Cbc,
        other => {
            return Err(Error::UnsupportedAlgorithm(format!(
                "{what} PBES2 cipher {}",
                name_of_oid(other)
            )))
        }
    };
    // A keyLength that is not the cipher's is refused, as OpenSSL refuses it.
    if let Some(n) = key_length.filter(|&n| n as usize != cipher.openssl().key_len()) {
        return Err(Error::UnsupportedAlgorithm(format!(
            "{what} PBKDF2 key length {n} for {}",
            cipher.name()
        )));
    }
    let iv = ber::octets(scheme.get(1).ok_or_else(|| short(what))?, what)?.into_owned();
    if iv.len() != cipher.openssl().iv_len().unwrap_or(0) {
        return Err(Error::Malformed(format!(
            "{what}: IV of {} bytes for {}",
            iv.len(),
            cipher.name()
        )));
    }
    Ok(Algorithm::Pbes2 {
        prf,
        salt,
        iterations,
        cipher,
        iv,
    })
}

pub(crate) fn checked_iterations(n: u32) -> Result<u32, Error> {
    if n > MAX_ITERATIONS {
        return Err(Error::Malformed(format!(
            "iteration count {n} exceeds pbkit's limit of {MAX_ITERATIONS}"
        )));
    }
    Ok(n)
}

fn short(what: &str) -> Error {
    Error::Malformed(format!("{what}: missing fields"))
}

/// OpenSSL's name for an OID, with the OID, for error messages.
pub(crate) fn name_of_oid(oid: &str) -> String {
    openssl::asn1::Asn1Object::from_str(oid)
        .ok()
        .and_then(|o| o.nid().long_name().ok().map(str::to_string))
        .filter(|n| n != "undefined")
        .map_or_else(|| oid.to_string(), |n| format!("{n} ({oid})"))
}
