//! What a PKCS#12 is made of, and whether iOS will import it.

use pbkit_pki::{hex, Facts};
use serde::Serialize;

use crate::pbe::{Algorithm, Digest, Pbes1Cipher, Pbes2Cipher};
use crate::structure::{Bag, BagKind, Pfx, Safe};
use crate::{Contents, Error, Password, Suite};

/// The report of `pbkit p12 inspect`.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The MAC, if the file has one.
    pub mac: Option<MacReport>,
    /// Each SafeContents, in order.
    pub safes: Vec<SafeReport>,
    /// The named suite the file matches (ignoring iteration counts), if any.
    pub suite: Option<Suite>,
    /// Whether iOS's SecPKCS12Import is expected to take it.
    pub ios: IosVerdict,
    /// With the password: each identity (a key and its certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identities: Option<Vec<IdentityReport>>,
    /// With the password: certificates that belong to no key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_certificates: Option<Vec<Facts>>,
    /// The PFX version (3 per RFC 7292; others are read, as OpenSSL reads them).
    pub version: u32,
    /// Bytes after the PFX, ignored (as OpenSSL ignores them).
    pub trailing_bytes: usize,
    /// Opened with an empty password: which of its two spellings the file uses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_password: Option<crate::EmptyPassword>,
    /// With the password: bags that did not decode (everything else is still shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// MacData, summarised.
#[derive(Debug, Serialize)]
pub struct MacReport {
    /// HMAC digest.
    pub digest: Digest,
    /// KDF iterations (PBKDF2's, for PBMAC1).
    pub iterations: u32,
    /// Salt length in bytes (PBKDF2's, for PBMAC1).
    pub salt_bytes: usize,
    /// For PBMAC1 (RFC 9579): PBKDF2's PRF; the key comes from PBKDF2, not the PKCS#12 KDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pbmac1_prf: Option<Digest>,
}

/// One SafeContents.
#[derive(Debug, Serialize)]
pub struct SafeReport {
    /// Its encryption (`None`: plain).
    pub encryption: Option<String>,
    /// Iterations of that encryption.
    pub iterations: Option<u32>,
    /// Its bags; `None` when encrypted and no password was given.
    pub bags: Option<Vec<BagReport>>,
}

/// One SafeBag. What a bag does not have is left out of the JSON, as from the text.
#[derive(Debug, Serialize)]
pub struct BagReport {
    /// `certificate`, `pkcs8-shrouded-key`, `key`, …
    pub kind: &'static str,
    /// For a shrouded key: its encryption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
    /// For a shrouded key: its iterations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u32>,
    /// `friendlyName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// `localKeyId`, uppercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_key_id: Option<String>,
}

/// A key and its certificate.
#[derive(Debug, Serialize)]
pub struct IdentityReport {
    /// `friendlyName` of the key (or its certificate).
    pub friendly_name: Option<String>,
    /// The certificate's facts; `None` when no certificate matches the key.
    pub certificate: Option<Facts>,
}

/// Whether iOS imports the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IosImport {
    /// Algorithms iOS has always imported.
    Works,
    /// Algorithms reported to fail on many iOS versions.
    Risky,
    /// iOS cannot import it.
    Fails,
    /// No public evidence either way.
    Unknown,
}

/// `works`, `risky`, `fails` or `unknown`, as in the JSON.
impl std::fmt::Display for IosImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IosImport::Works => "works",
            IosImport::Risky => "risky",
            IosImport::Fails => "fails",
            IosImport::Unknown => "unknown",
        })
    }
}

/// The iOS verdict and why.
#[derive(Debug, Clone, Serialize)]
pub struct IosVerdict {
    /// The verdict.
    pub import: IosImport,
    /// Why, in a sentence.
    pub reason: String,
}

/// Inspects a PKCS#12. Without a password: the structure. With it: every bag, the
/// identities and the extra certificates (the MAC is verified first).
pub fn inspect(der: &[u8], password: Option<&Password>) -> Result<Report, Error> {
    let pfx = Pfx::parse(der)?;
    let mut identities = None;
    let mut extra_certificates = None;
    let mut empty_password = None;
    let mut problems = Vec::new();
    let mut opened: Vec<Option<Vec<Bag>>> = pfx
        .safes
        .iter()
        .map(|s| match s {
            Safe::Plain(b) => Some(b.clone()),
            Safe::Encrypted { .. } => None,
        })
        .collect();
    if let Some(pw) = password {
        let mut contents = Contents::read(der, pw)?;
        empty_password = contents.empty_password;
        problems = std::mem::take(&mut contents.problems)
            .iter()
            .map(ToString::to_string)
            .collect();
        opened = std::mem::take(&mut contents.opened)
            .into_iter()
            .map(Some)
            .collect();
        let (ids, extra) = pair(contents, &mut problems);
        identities = Some(ids);
        extra_certificates = Some(extra);
    }
    let safes = pfx
        .safes
        .iter()
        .zip(opened)
        .map(|(safe, bags)| {
            let alg = match safe {
                Safe::Plain(_) => None,
                Safe::Encrypted { algorithm, .. } => Some(algorithm),
            };
            SafeReport {
                encryption: alg.map(ToString::to_string),
                iterations: alg.map(Algorithm::iterations),
                bags: bags.map(|b| b.iter().map(bag_report).collect()),
            }
        })
        .collect();
    Ok(Report {
        mac: pfx.mac.as_ref().map(|m| match &m.pbmac1 {
            Some(p) => MacReport {
                digest: m.digest,
                iterations: p.iterations,
                salt_bytes: p.salt.len(),
                pbmac1_prf: Some(p.prf),
            },
            None => MacReport {
                digest: m.digest,
                iterations: m.iterations,
                salt_bytes: m.salt.len(),
                pbmac1_prf: None,
            },
        }),
        safes,
        suite: detect_suite(&pfx),
        ios: ios_verdict(&pfx),
        identities,
        extra_certificates,
        version: pfx.version,
        trailing_bytes: pfx.trailing_bytes,
        empty_password,
        problems,
    })
}

fn bag_report(bag: &Bag) -> BagReport {
    let alg = match &bag.kind {
        BagKind::ShroudedKey { algorithm, .. } => Some(algorithm),
        _ => None,
    };
    BagReport {
        kind: bag.kind.name(),
        encryption: alg.map(ToString::to_string),
        iterations: alg.map(Algorithm::iterations),
        friendly_name: bag.friendly_name.clone(),
        local_key_id: bag.local_key_id.as_deref().map(hex::upper),
    }
}

/// Every key with the certificate of its public key; the other certificates are extra.
/// A certificate whose facts cannot be read, or hold a part that cannot (a DSA key whose
/// parameters it inherits, a malformed extension), is named in `problems`, and the rest
/// is still shown.
fn pair(contents: Contents, problems: &mut Vec<String>) -> (Vec<IdentityReport>, Vec<Facts>) {
    let mut facts = |c: &crate::CertEntry| {
        let subject = || {
            c.certificate
                .x509()
                .subject_name()
                .entries()
                .filter_map(|e| e.data().to_string().ok())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match c.certificate.facts() {
            Ok(f) => {
                for p in &f.problems {
                    problems.push(format!("certificate {}: {p}", subject()));
                }
                Some(f)
            }
            Err(e) => {
                problems.push(format!("certificate {}: {}", subject(), e.undecodable()));
                None
            }
        }
    };
    let mut certs = contents.certificates;
    let mut ids = Vec::new();
    for key in contents.keys {
        let pos = certs.iter().position(|c| {
            c.certificate
                .x509()
                .public_key()
                .is_ok_and(|p| p.public_eq(&key.key))
        });
        let cert = pos.map(|i| certs.remove(i));
        ids.push(IdentityReport {
            friendly_name: key
                .friendly_name
                .or_else(|| cert.as_ref().and_then(|c| c.friendly_name.clone())),
            certificate: cert.as_ref().and_then(&mut facts),
        });
    }
    let extra = certs.iter().filter_map(&mut facts).collect();
    (ids, extra)
}

/// Every encryption algorithm visible without the password.
fn algorithms(pfx: &Pfx) -> Vec<&Algorithm> {
    let mut out = Vec::new();
    for safe in &pfx.safes {
        match safe {
            Safe::Encrypted { algorithm, .. } => out.push(algorithm),
            Safe::Plain(bags) => out.extend(bags.iter().filter_map(|b| match &b.kind {
                BagKind::ShroudedKey { algorithm, .. } => Some(algorithm),
                _ => None,
            })),
        }
    }
    out
}

fn key_algorithm(pfx: &Pfx) -> Option<&Algorithm> {
    pfx.safes.iter().find_map(|s| match s {
        Safe::Plain(bags) => bags.iter().find_map(|b| match &b.kind {
            BagKind::ShroudedKey { algorithm, .. } => Some(algorithm),
            _ => None,
        }),
        Safe::Encrypted { .. } => None,
    })
}

/// The suite whose algorithms the file uses. Encrypted safes are taken to hold the
/// certificates, as every PKCS12_create-style writer does.
fn detect_suite(pfx: &Pfx) -> Option<Suite> {
    let key = key_algorithm(pfx)?;
    let cert_safes: Vec<&Algorithm> = pfx
        .safes
        .iter()
        .filter_map(|s| match s {
            Safe::Encrypted { algorithm, .. } => Some(algorithm),
            Safe::Plain(_) => None,
        })
        .collect();
    // PBMAC1 is none of pbkit's suites.
    let mac = pfx.mac.as_ref().filter(|m| m.pbmac1.is_none())?.digest;
    let triple_des = matches!(
        key,
        Algorithm::Pbes1 {
            cipher: Pbes1Cipher::TripleDes3Key,
            ..
        }
    );
    let is_modern = |a: &Algorithm| {
        matches!(
            a,
            Algorithm::Pbes2 {
                prf: Digest::Sha256,
                cipher: Pbes2Cipher::Aes256Cbc,
                ..
            }
        )
    };
    match (cert_safes.as_slice(), mac) {
        (
            [Algorithm::Pbes1 {
                cipher: Pbes1Cipher::Rc2_40,
                ..
            }],
            Digest::Sha1,
        ) if triple_des => Some(Suite::IosLegacy),
        ([], Digest::Sha1) if triple_des => Some(Suite::Purebred),
        ([c], Digest::Sha256) if is_modern(key) && is_modern(c) => Some(Suite::Modern),
        _ => None,
    }
}

fn ios_verdict(pfx: &Pfx) -> IosVerdict {
    let algs = algorithms(pfx);
    let verdict = |import, reason: &str| IosVerdict {
        import,
        reason: reason.to_string(),
    };
    if pfx.mac.is_none() && algs.is_empty() {
        return verdict(
            IosImport::Fails,
            "no password protects it; iOS cannot import a PKCS#12 without one",
        );
    }
    if pfx.mac.as_ref().is_some_and(|m| m.pbmac1.is_some()) {
        return verdict(
            IosImport::Unknown,
            "PBMAC1 (RFC 9579) is newer than any public report of SecPKCS12Import: untested \
             on devices, so unknown; --suite ios-legacy is the safe choice",
        );
    }
    if algs.iter().any(|a| a.is_pbes2()) {
        return verdict(
            IosImport::Risky,
            "PBES2 (AES) is known to fail on many iOS versions (\"password incorrect\", SecPKCS12Import -25293); repack with --suite ios-legacy",
        );
    }
    match pfx.mac.as_ref().map(|m| m.digest) {
        Some(Digest::Sha1) => verdict(
            IosImport::Works,
            "3DES/RC2 bags with a SHA-1 MAC: the legacy algorithms iOS has always imported",
        ),
        Some(d) => IosVerdict {
            import: IosImport::Unknown,
            reason: format!(
                "legacy bag encryption with a {} MAC: no public evidence either way; --suite ios-legacy is the safe choice",
                d.name()
            ),
        },
        None => verdict(
            IosImport::Unknown,
            "no MAC: iOS's handling of unauthenticated files is not documented",
        ),
    }
}

/// The report as `pbkit p12 inspect` prints it: one labelled row per fact, the bags of each
/// safe indented below it.
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn row(f: &mut std::fmt::Formatter<'_>, label: &str, value: &str) -> std::fmt::Result {
            writeln!(f, "  {label:<15}{value}")
        }
        match &self.mac {
            Some(m) => {
                let kdf = match m.pbmac1_prf {
                    Some(prf) => format!(
                        "PBMAC1: HMAC-{}, key by PBKDF2-HMAC-{}",
                        m.digest.name(),
                        prf.name()
                    ),
                    None => m.digest.name().to_string(),
                };
                row(
                    f,
                    "MAC",
                    &format!(
                        "{kdf}, {}, {}-byte salt",
                        iterations(m.iterations),
                        m.salt_bytes
                    ),
                )?
            }
            None => row(
                f,
                "MAC",
                "none: integrity not protected (any password opens what is not encrypted)",
            )?,
        }
        for (i, safe) in self.safes.iter().enumerate() {
            let enc = match (&safe.encryption, safe.iterations) {
                (Some(e), Some(n)) => format!("encrypted: {e}, {}", iterations(n)),
                _ => "not encrypted".to_string(),
            };
            row(f, &format!("safe {}", i + 1), &enc)?;
            match &safe.bags {
                None => writeln!(f, "    (bags hidden: give --password-file to list them)")?,
                Some(bags) => {
                    for b in bags {
                        let mut line = format!("    {}", b.kind);
                        if let (Some(e), Some(n)) = (&b.encryption, b.iterations) {
                            line += &format!(": {e}, {}", iterations(n));
                        }
                        if let Some(name) = &b.friendly_name {
                            line += &format!("; friendlyName {name:?}");
                        }
                        if let Some(k) = &b.local_key_id {
                            line += &format!("; localKeyId {k}");
                        }
                        writeln!(f, "{line}")?;
                    }
                }
            }
        }
        if let Some(empty) = self.empty_password {
            row(f, "password", empty.describe())?;
        }
        let suite = self
            .suite
            .map_or("none of pbkit's named suites", |s| s.name());
        row(f, "suite", suite)?;
        let verdict = format!("{}: {}", self.ios.import, self.ios.reason);
        row(f, "iOS import", &verdict)?;
        if self.version != 3 {
            let text = format!(
                "{} (RFC 7292 says 3; read anyway, as OpenSSL does)",
                self.version
            );
            row(f, "version", &text)?;
        }
        if self.trailing_bytes > 0 {
            let text = format!(
                "{} bytes after the PKCS#12, ignored (outside the MAC)",
                self.trailing_bytes
            );
            row(f, "trailing", &text)?;
        }
        for (i, id) in self.identities.iter().flatten().enumerate() {
            let text = match &id.certificate {
                Some(c) => format!(
                    "{} (serial {}, until {})",
                    c.subject,
                    c.serial,
                    pbkit_pki::rfc3339(c.not_after)
                ),
                None => "private key with no matching certificate".into(),
            };
            row(f, &format!("identity {}", i + 1), &text)?;
        }
        for p in &self.problems {
            row(f, "problem", p)?;
        }
        for c in self.extra_certificates.iter().flatten() {
            row(
                f,
                "extra cert",
                &format!("{} (serial {})", c.subject, c.serial),
            )?;
        }
        Ok(())
    }
}

fn iterations(n: u32) -> String {
    if n == 1 {
        "1 iteration".into()
    } else {
        format!("{n} iterations")
    }
}
