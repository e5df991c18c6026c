//! From PFX bytes and a password to keys and certificates.

use openssl::pkey::{PKey, Private};
use pbkit_pki::Certificate;

use crate::kdf::{Purpose, Request, Secrets};
use crate::structure::{parse_safe_contents, Bag, BagKind, Pfx, Safe};
use crate::work::Work;
use crate::{ensure_legacy_provider, Error, Password, WriteOptions};
use zeroize::Zeroizing;

/// A private key found in a PKCS#12, with its bag attributes.
pub struct KeyEntry {
    /// The key.
    pub key: PKey<Private>,
    /// `friendlyName` of its bag.
    pub friendly_name: Option<String>,
    /// `localKeyId` of its bag.
    pub local_key_id: Option<Vec<u8>>,
}

/// A certificate found in a PKCS#12, with its bag attributes.
#[derive(Debug, Clone)]
pub struct CertEntry {
    /// The certificate.
    pub certificate: Certificate,
    /// `friendlyName` of its bag.
    pub friendly_name: Option<String>,
    /// `localKeyId` of its bag.
    pub local_key_id: Option<Vec<u8>>,
}

/// Everything a PKCS#12 holds, decrypted, in file order.
pub struct Contents {
    /// The PFX structure (algorithms, iterations, MAC).
    pub pfx: Pfx,
    /// Private keys.
    pub keys: Vec<KeyEntry>,
    /// Certificates.
    pub certificates: Vec<CertEntry>,
    /// The bags of each safe, decrypted, in the order of `pfx.safes`.
    pub(crate) opened: Vec<Vec<Bag>>,
    /// With an empty password: which of its two spellings opened the file.
    pub empty_password: Option<EmptyPassword>,
    /// Bags that decrypted but could not be decoded, each as its error (unsupported: a key
    /// algorithm OpenSSL does not have; malformed: damaged): shown by `inspect`, an error
    /// for anything that needs the whole file ([`crate::Identity::from_contents`]).
    pub problems: Vec<Error>,
}

impl Contents {
    /// Verifies the MAC with `password`, decrypts every bag, and collects keys and
    /// certificates.
    pub fn read(der: &[u8], password: &Password) -> Result<Contents, Error> {
        let opened = Opened::open(der, password)?;
        let mut contents = Contents {
            pfx: opened.pfx,
            keys: Vec::new(),
            certificates: Vec::new(),
            opened: opened.safes,
            empty_password: opened.empty,
            problems: Vec::new(),
        };
        for (i, c) in opened.certs.into_iter().enumerate() {
            match Certificate::from_der(&c.value) {
                Ok(certificate) => contents.certificates.push(CertEntry {
                    certificate,
                    friendly_name: c.friendly_name,
                    local_key_id: c.local_key_id,
                }),
                Err(e) => contents.problems.push(Error::Malformed(format!(
                    "certificate bag {}: not a certificate OpenSSL can decode ({e})",
                    i + 1
                ))),
            }
        }
        for (i, k) in opened.keys.into_iter().enumerate() {
            match PKey::private_key_from_pkcs8(&k.value) {
                Ok(key) => contents.keys.push(KeyEntry {
                    key,
                    friendly_name: k.friendly_name,
                    local_key_id: k.local_key_id,
                }),
                Err(_) => contents.problems.push(key_problem(i + 1, &k.value)),
            }
        }
        Ok(contents)
    }
}

/// A PFX with its MAC checked and every safe and key bag decrypted; nothing decoded.
struct Opened {
    pfx: Pfx,
    safes: Vec<Vec<Bag>>,
    keys: Vec<RawBag<Zeroizing<Vec<u8>>>>,
    certs: Vec<RawBag<Vec<u8>>>,
    empty: Option<EmptyPassword>,
}

/// A parsed file whose declared key-derivation work is charged ([`Work`]), before any of
/// it is done.
struct Parsed {
    pfx: Pfx,
    work: Work,
}

impl Parsed {
    fn of(der: &[u8]) -> Result<Parsed, Error> {
        let pfx = Pfx::parse(der)?;
        let mut work = Work::default();
        if let Some(mac) = &pfx.mac {
            work.charge(mac.pbmac1.as_ref().map_or(mac.iterations, |p| p.iterations))?;
        }
        for safe in &pfx.safes {
            match safe {
                Safe::Encrypted { algorithm, .. } => work.charge(algorithm.iterations())?,
                Safe::Plain(bags) => charge_keys(bags, &mut work)?,
            }
        }
        Ok(Parsed { pfx, work })
    }
}

impl Opened {
    /// Opens with `password`. An empty password has two spellings in PKCS#12 files: an
    /// empty string (the KDF takes its two-byte NUL terminator) and no password at all (the
    /// KDF takes zero bytes: Windows exports, pyca's NoEncryption, OpenSSL with a NULL
    /// password). As OpenSSL, pyca and Go do, both are tried; [`EmptyPassword`] says which
    /// one opened the file.
    fn open(der: &[u8], password: &Password) -> Result<Opened, Error> {
        ensure_legacy_provider()?;
        if !password.as_str().is_empty() {
            return Opened::open_with(der, Secrets::new(password.as_str()), None);
        }
        match Opened::open_with(der, Secrets::new(""), Some(EmptyPassword::EmptyString)) {
            Err(first @ (Error::WrongPassword | Error::Malformed(_))) => Opened::open_with(
                der,
                Secrets::empty_as_no_bytes(),
                Some(EmptyPassword::Absent),
            )
            .map_err(|_| first),
            other => other,
        }
    }

    fn open_with(
        der: &[u8],
        mut secrets: Secrets,
        empty: Option<EmptyPassword>,
    ) -> Result<Opened, Error> {
        let parsed = Parsed::of(der)?;
        secrets.prepare(&requests(&parsed.pfx));
        Opened::finish(parsed, &secrets, empty)
    }

    /// Several files under one non-empty password, their key derivations run together
    /// (a rollout user's signing and encryption identities); each file's result apart.
    fn open_many<const N: usize>(
        files: [&[u8]; N],
        password: &Password,
    ) -> Result<[Result<Opened, Error>; N], Error> {
        ensure_legacy_provider()?;
        let parsed = files.map(Parsed::of);
        let mut secrets = Secrets::new(password.as_str());
        let all: Vec<Request<'_>> = parsed
            .iter()
            .flatten()
            .flat_map(|p| requests(&p.pfx))
            .collect();
        secrets.prepare(&all);
        drop(all);
        Ok(parsed.map(|p| Opened::finish(p?, &secrets, None)))
    }

    /// The rest of opening a parsed file, its up-front derivations prepared in `secrets`.
    fn finish(
        Parsed { pfx, mut work }: Parsed,
        secrets: &Secrets,
        empty: Option<EmptyPassword>,
    ) -> Result<Opened, Error> {
        if pfx.mac.is_some() {
            verify_mac(&pfx, secrets)?;
        }
        // With a verified MAC, a decryption failure is damage; without a MAC it is the
        // only sign of a wrong password.
        let has_mac = pfx.mac.is_some();
        let undecryptable = |what: &str| {
            if has_mac {
                Error::Malformed(format!("{what} does not decrypt although the MAC verified"))
            } else {
                Error::WrongPassword
            }
        };
        let safes = pfx
            .safes
            .iter()
            .map(|safe| {
                let bags = safe_bags(safe, secrets, &undecryptable)?;
                if let Safe::Encrypted { .. } = safe {
                    charge_keys(&bags, &mut work)?;
                }
                Ok(bags)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let (mut keys, mut certs) = (Vec::new(), Vec::new());
        for bags in &safes {
            walk(bags, secrets, &mut keys, &mut certs, &undecryptable)?;
        }
        Ok(Opened {
            pfx,
            safes,
            keys,
            certs,
            empty,
        })
    }
}

/// Why key bag `n` did not decode: a PKCS#8 whose algorithm OpenSSL does not have
/// (GOST, say) is unsupported; anything else is malformed.
fn key_problem(n: usize, pkcs8: &[u8]) -> Error {
    let what = "PrivateKeyInfo";
    let algorithm = crate::ber::only(pkcs8, what)
        .and_then(|info| crate::ber::sequence(&info, what))
        .ok()
        .and_then(|items| {
            let alg = crate::ber::sequence(items.get(1)?, what).ok()?;
            crate::ber::oid(alg.first()?, what).ok()
        });
    match algorithm {
        Some(oid) if !known_key_algorithm(&oid) => Error::UnsupportedAlgorithm(format!(
            "key bag {n}: key algorithm {}",
            crate::pbe::name_of_oid(&oid)
        )),
        _ => Error::Malformed(format!(
            "key bag {n}: not a PKCS#8 private key OpenSSL can decode"
        )),
    }
}

/// Key algorithms OpenSSL decodes: RSA, RSA-PSS, DSA, EC, Ed25519, Ed448, X25519, X448.
fn known_key_algorithm(oid: &str) -> bool {
    matches!(
        oid,
        "1.2.840.113549.1.1.1"
            | "1.2.840.113549.1.1.10"
            | "1.2.840.10040.4.1"
            | "1.2.840.10045.2.1"
            | "1.3.101.112"
            | "1.3.101.113"
            | "1.3.101.110"
            | "1.3.101.111"
    )
}

/// Which spelling of the empty password opened a file (see [`Contents::empty_password`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmptyPassword {
    /// An empty string: the KDF takes the BMPString terminator, two zero bytes.
    EmptyString,
    /// No password at all: the KDF takes zero bytes.
    Absent,
}

impl EmptyPassword {
    /// In words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            EmptyPassword::EmptyString => "an empty string (the KDF takes a two-byte NUL)",
            EmptyPassword::Absent => {
                "absent (a NULL password: the KDF takes zero bytes, as Windows and pyca write)"
            }
        }
    }
}

/// Charges the shrouded keys among `bags` (nested ones too).
fn charge_keys(bags: &[Bag], work: &mut Work) -> Result<(), Error> {
    for bag in bags {
        match &bag.kind {
            BagKind::ShroudedKey { algorithm, .. } => work.charge(algorithm.iterations())?,
            BagKind::Nested(inner) => charge_keys(inner, work)?,
            _ => {}
        }
    }
    Ok(())
}

/// The bags of one safe, decrypting it when it is encrypted.
fn safe_bags(
    safe: &Safe,
    secrets: &Secrets,
    undecryptable: &dyn Fn(&str) -> Error,
) -> Result<Vec<Bag>, Error> {
    match safe {
        Safe::Plain(b) => Ok(b.clone()),
        Safe::Encrypted {
            algorithm,
            ciphertext,
        } => {
            let plain = algorithm
                .decrypt(secrets, ciphertext)
                .map_err(|_| undecryptable("an encrypted safe"))?;
            parse_safe_contents(&plain)
        }
    }
}

/// Every KDF derivation opening `pfx` needs that can be known before decrypting anything:
/// the MAC key, each encrypted safe's key and IV, and those of the shrouded keys in plain
/// safes (with `PKCS12_create`'s layout, all of them). Derived together, they share the
/// SHA-1 unit (see [`crate::kdf::derive_sha1_batch`]).
fn requests(pfx: &Pfx) -> Vec<Request<'_>> {
    fn shrouded<'a>(bags: &'a [Bag], out: &mut Vec<Request<'a>>) {
        for bag in bags {
            match &bag.kind {
                BagKind::ShroudedKey { algorithm, .. } => out.extend(algorithm.requests()),
                BagKind::Nested(inner) => shrouded(inner, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(mac) = pfx
        .mac
        .as_ref()
        .filter(|m| m.digest == crate::pbe::Digest::Sha1 && m.pbmac1.is_none())
    {
        out.push(mac_request(mac));
    }
    for safe in &pfx.safes {
        match safe {
            Safe::Plain(bags) => shrouded(bags, &mut out),
            Safe::Encrypted { algorithm, .. } => out.extend(algorithm.requests()),
        }
    }
    out
}

fn mac_request(mac: &crate::structure::Mac) -> Request<'_> {
    Request {
        purpose: Purpose::Mac,
        salt: &mac.salt,
        iterations: mac.iterations,
        len: mac.digest.openssl().size(),
    }
}

/// A key bag's decrypted PKCS#8 or a certificate bag's DER, with the bag's attributes.
struct RawBag<T> {
    value: T,
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

impl<T> RawBag<T> {
    /// `value` with the attributes of `bag`.
    fn of(bag: &Bag, value: T) -> RawBag<T> {
        RawBag {
            value,
            friendly_name: bag.friendly_name.clone(),
            local_key_id: bag.local_key_id.clone(),
        }
    }
}

/// Walks the bags (nested ones too), decrypting shrouded keys; decodes nothing.
fn walk(
    bags: &[Bag],
    secrets: &Secrets,
    keys: &mut Vec<RawBag<Zeroizing<Vec<u8>>>>,
    certs: &mut Vec<RawBag<Vec<u8>>>,
    undecryptable: &dyn Fn(&str) -> Error,
) -> Result<(), Error> {
    for bag in bags {
        match &bag.kind {
            BagKind::Key(der) => keys.push(RawBag::of(bag, der.clone())),
            BagKind::ShroudedKey {
                algorithm,
                ciphertext,
            } => keys.push(RawBag::of(
                bag,
                algorithm
                    .decrypt(secrets, ciphertext)
                    .map_err(|_| undecryptable("the key bag"))?,
            )),
            BagKind::Certificate(der) => certs.push(RawBag::of(bag, der.clone())),
            BagKind::Nested(inner) => walk(inner, secrets, keys, certs, undecryptable)?,
            BagKind::Crl | BagKind::Secret | BagKind::Unknown(_) => {}
        }
    }
    Ok(())
}

/// One identity as bytes: the decrypted PKCS#8 key and the certificates' DER.
///
/// What a re-encryption needs, read without OpenSSL decoding the key or the certificates
/// (in OpenSSL 3.0 that decoding costs more than the KDF).
pub struct RawIdentity {
    /// The PKCS#8 PrivateKeyInfo.
    pub pkcs8: Zeroizing<Vec<u8>>,
    /// The certificate whose public key is the key's.
    pub certificate: Vec<u8>,
    /// The other certificates, in file order.
    pub chain: Vec<Vec<u8>>,
}

impl RawIdentity {
    /// The key and certificates decoded by OpenSSL: for the operations that need them
    /// (signing, the `modern` suite). Costs what [`RawIdentity::read`] saved.
    pub fn to_identity(&self) -> Result<crate::Identity, Error> {
        let bad_key = |_| Error::Malformed("a key bag holds no valid PKCS#8 private key".into());
        let bad_cert = |_| Error::Malformed("a certificate bag holds no valid certificate".into());
        let key = PKey::private_key_from_pkcs8(&self.pkcs8).map_err(bad_key)?;
        let leaf = Certificate::from_der(&self.certificate).map_err(bad_cert)?;
        let chain = self
            .chain
            .iter()
            .map(|c| Certificate::from_der(c).map_err(bad_cert))
            .collect::<Result<_, _>>()?;
        Ok(crate::Identity::new(key, leaf)?.with_chain(chain))
    }

    /// Re-encrypts this identity (its chain too; clear [`RawIdentity::chain`] for the leaf
    /// alone) as a PKCS#12 in `options.suite`: the repack of a rollout or a pack. The
    /// legacy suites never decode the key; `modern` goes through OpenSSL.
    pub fn to_pkcs12(&self, password: &Password, options: &WriteOptions) -> Result<Vec<u8>, Error> {
        let [one] = RawIdentity::to_pkcs12_many([self], password, options)?;
        Ok(one)
    }

    /// [`RawIdentity::to_pkcs12`] for several identities under one password (a rollout
    /// user's signing and encryption identities): in a legacy suite their key derivations
    /// run together, filling the KDF's lanes.
    pub fn to_pkcs12_many<const N: usize>(
        identities: [&RawIdentity; N],
        password: &Password,
        options: &WriteOptions,
    ) -> Result<[Vec<u8>; N], Error> {
        if options.suite == crate::Suite::Modern {
            return crate::write::all_ok(
                identities.map(|id| id.to_identity()?.to_pkcs12(password, options)),
            );
        }
        let chains: [Vec<&[u8]>; N] =
            identities.map(|id| id.chain.iter().map(Vec::as_slice).collect());
        let parts: [crate::write::Parts<'_>; N] = std::array::from_fn(|i| crate::write::Parts {
            pkcs8: &identities[i].pkcs8,
            certificate: &identities[i].certificate,
            chain: &chains[i],
        });
        crate::write::write_legacy_many(parts, password, options)
    }

    /// Reads a PKCS#12 holding one identity; pairs the key with its certificate by
    /// public key, as [`Identity::from_pkcs12`](crate::Identity::from_pkcs12) does.
    pub fn read(der: &[u8], password: &Password) -> Result<RawIdentity, Error> {
        RawIdentity::of(Opened::open(der, password)?)
    }

    /// [`RawIdentity::read`] for several files under one password (a rollout user's
    /// signing and encryption identities): their key derivations run together, filling
    /// the KDF's lanes. Each file's result apart, in order.
    pub fn read_many<const N: usize>(
        files: [&[u8]; N],
        password: &Password,
    ) -> [Result<RawIdentity, Error>; N] {
        // The empty password has two spellings to try: file by file.
        if password.as_str().is_empty() {
            return files.map(|d| RawIdentity::read(d, password));
        }
        match Opened::open_many(files, password) {
            Ok(opened) => opened.map(|o| o.and_then(RawIdentity::of)),
            Err(_) => files.map(|d| RawIdentity::read(d, password)),
        }
    }

    /// The one identity of an opened file.
    fn of(opened: Opened) -> Result<RawIdentity, Error> {
        let Opened {
            mut keys,
            mut certs,
            ..
        } = opened;
        let key = match keys.len() {
            0 => return Err(Error::NoPrivateKey),
            1 => keys.remove(0).value,
            n => return Err(Error::SeveralKeys(n)),
        };
        let mut leaf = None;
        for (i, c) in certs.iter().enumerate() {
            if crate::keymatch::matches(&key, &c.value)? {
                leaf = Some(i);
                break;
            }
        }
        let leaf = leaf.ok_or(Error::KeyMatchesNoCertificate)?;
        let certificate = certs.remove(leaf).value;
        Ok(RawIdentity {
            pkcs8: key,
            certificate,
            chain: certs.into_iter().map(|c| c.value).collect(),
        })
    }
}

/// HMAC over the AuthenticatedSafe with the appendix B MAC key.
fn verify_mac(pfx: &Pfx, secrets: &Secrets) -> Result<(), Error> {
    let Some(mac) = pfx.mac.as_ref() else {
        return Err(Error::Malformed("no MAC to verify".into()));
    };
    let computed = if let Some(p) = &mac.pbmac1 {
        // RFC 9579: PBKDF2 over the password as UTF-8 (not the PKCS#12 BMPString), then
        // HMAC with the derived key.
        let mut key = Zeroizing::new(vec![0u8; p.key_length as usize]);
        openssl::pkcs5::pbkdf2_hmac(
            secrets.password().as_bytes(),
            &p.salt,
            p.iterations as usize,
            p.prf.openssl(),
            &mut key,
        )?;
        let hkey = PKey::hmac(&key)?;
        let mut signer = openssl::sign::Signer::new(mac.digest.openssl(), &hkey)?;
        signer.update(&pfx.auth_safe)?;
        signer.sign_to_vec()?
    } else if mac.digest == crate::pbe::Digest::Sha1 {
        crate::write::hmac_sha1(&secrets.sha1(mac_request(mac)), &pfx.auth_safe)
    } else {
        let md = mac.digest.openssl();
        let key = mac.digest.pkcs12_kdf(
            Purpose::Mac,
            secrets.bmp(),
            &mac.salt,
            mac.iterations,
            md.size(),
        );
        let hkey = PKey::hmac(&key)?;
        let mut signer = openssl::sign::Signer::new(md, &hkey)?;
        signer.update(&pfx.auth_safe)?;
        signer.sign_to_vec()?
    };
    if computed.len() == mac.value.len() && openssl::memcmp::eq(&computed, &mac.value) {
        Ok(())
    } else {
        Err(Error::WrongPassword)
    }
}
