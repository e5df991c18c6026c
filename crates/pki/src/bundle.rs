//! Certificates as they are found and as servers want them: PEM (one or many), DER,
//! PKCS#7 bundles.

use std::path::Path;

use openssl::pkcs7::Pkcs7;
use openssl::x509::X509;

use crate::{Certificate, Error};

const PEM_CERT_MARKERS: [&str; 2] = [
    "-----BEGIN CERTIFICATE-----",
    "-----BEGIN X509 CERTIFICATE-----",
];
const PEM_PKCS7_MARKER: &str = "-----BEGIN PKCS7-----";

/// How certificates are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PEM blocks, one after another (nginx, Apache, Tomcat).
    Pem,
    /// One DER certificate (a path of one certificate only).
    Der,
    /// A PKCS#7 certificates-only bundle, DER (`.p7b`, as GSA and DISA publish).
    P7b,
}

/// Encodes `certs`, in order, as `format`. DER holds one certificate: more is an error.
pub fn encode(certs: &[Certificate], format: Format) -> Result<Vec<u8>, Error> {
    match format {
        Format::Pem => {
            let mut pem = Vec::new();
            for c in certs {
                pem.extend(c.to_pem()?);
            }
            Ok(pem)
        }
        Format::Der => match certs {
            [one] => Ok(one.der().to_vec()),
            _ => Err(Error::NotOne {
                origin: "DER".into(),
                count: certs.len(),
            }),
        },
        Format::P7b => {
            let mut stack = openssl::stack::Stack::new()?;
            for c in certs {
                stack.push(c.x509().to_owned())?;
            }
            // CMS_sign without a signer, left unfinalized (there is no content to sign), is a
            // certificates-only SignedData: a .p7b.
            let cms = openssl::cms::CmsContentInfo::sign::<openssl::pkey::Private>(
                None,
                None,
                Some(&stack),
                None,
                openssl::cms::CMSOptions::PARTIAL | openssl::cms::CMSOptions::DETACHED,
            )?;
            Ok(cms.to_der()?)
        }
    }
}

/// The largest certificate file read: GSA's whole Federal PKI bundle is under 1 MiB.
pub const FILE_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(16 << 20, "a certificate file");

/// Reads every certificate in a file (PEM, DER or PKCS#7); errors name the path.
pub fn read_file(path: impl AsRef<Path>) -> Result<Vec<Certificate>, Error> {
    let path = path.as_ref();
    let bytes = pbkit_infile::read(path, FILE_LIMIT)?;
    parse(&bytes, &path.display().to_string())
}

/// Reads every certificate of several files (anchors given as repeated flags), in order.
pub fn read_files(paths: &[impl AsRef<Path>]) -> Result<Vec<Certificate>, Error> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(read_file(p)?);
    }
    Ok(out)
}

/// Reads the one certificate of a file (a leaf, a signer); a file holding several, or
/// none, is an error that says how many.
pub fn read_one(path: impl AsRef<Path>) -> Result<Certificate, Error> {
    let path = path.as_ref();
    let mut certs = read_file(path)?;
    if certs.len() != 1 {
        return Err(Error::NotOne {
            origin: path.display().to_string(),
            count: certs.len(),
        });
    }
    Ok(certs.remove(0))
}

/// Reads every certificate in `bytes`, in the order they appear.
///
/// `origin` names the input in errors (a path, or `<stdin>`).
pub fn parse(bytes: &[u8], origin: &str) -> Result<Vec<Certificate>, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty {
            origin: origin.into(),
        });
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return parse_pem(bytes, origin);
    }
    if let Ok(cert) = Certificate::from_der(bytes) {
        return Ok(vec![cert]);
    }
    if let Ok(p7) = Pkcs7::from_der(bytes) {
        return pkcs7_certificates(&p7, origin);
    }
    Err(Error::NotCertificate {
        origin: origin.into(),
    })
}

fn parse_pem(bytes: &[u8], origin: &str) -> Result<Vec<Certificate>, Error> {
    let text = String::from_utf8_lossy(bytes);
    let bad = |detail: String| Error::BadPem {
        origin: origin.into(),
        detail,
    };
    let p7_blocks = text.matches(PEM_PKCS7_MARKER).count();
    let cert_blocks: usize = PEM_CERT_MARKERS
        .iter()
        .map(|m| text.matches(m).count())
        .sum();
    if p7_blocks + cert_blocks == 0 {
        return Err(bad("no CERTIFICATE or PKCS7 block".into()));
    }
    if p7_blocks > 0 && cert_blocks > 0 {
        return Err(bad("mixes CERTIFICATE and PKCS7 blocks".into()));
    }
    if p7_blocks > 1 {
        return Err(bad(format!("{p7_blocks} PKCS7 blocks; expected one")));
    }
    if p7_blocks == 1 {
        let p7 = Pkcs7::from_pem(bytes).map_err(|e| {
            bad(format!(
                "PKCS7 block unreadable (truncated?): {}",
                first_reason(&e)
            ))
        })?;
        return pkcs7_certificates(&p7, origin);
    }
    let certs = X509::stack_from_pem(bytes).map_err(|e| {
        bad(format!(
            "certificate block unreadable (truncated?): {}",
            first_reason(&e)
        ))
    })?;
    // OpenSSL stops quietly at a damaged trailing block; never return fewer than the file has.
    if certs.len() != cert_blocks {
        return Err(bad(format!(
            "{cert_blocks} CERTIFICATE blocks but only {} readable (truncated or damaged block)",
            certs.len()
        )));
    }
    certs.into_iter().map(Certificate::from_x509).collect()
}

fn pkcs7_certificates(p7: &Pkcs7, origin: &str) -> Result<Vec<Certificate>, Error> {
    let certs: Vec<X509> = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|stack| stack.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default();
    if certs.is_empty() {
        return Err(Error::EmptyBundle {
            origin: origin.into(),
        });
    }
    certs.into_iter().map(Certificate::from_x509).collect()
}

/// OpenSSL's most specific reason, without its error-queue noise.
fn first_reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .iter()
        .rev()
        .find_map(|e| e.reason().map(str::to_string))
        .unwrap_or_else(|| "unknown reason".into())
}

/// Reads a certificate pool: files (PEM, DER, PKCS#7) and folders of them. A file named
/// directly must be readable; in a folder, files that hold no certificate are skipped and
/// reported in the second value. Duplicates are dropped.
pub fn read_pool(paths: &[impl AsRef<Path>]) -> Result<(Vec<Certificate>, Vec<String>), Error> {
    let mut certs: Vec<Certificate> = Vec::new();
    let mut skipped = Vec::new();
    let add = |found: Vec<Certificate>, certs: &mut Vec<Certificate>| {
        for c in found {
            if !certs.contains(&c) {
                certs.push(c);
            }
        }
    };
    for path in paths {
        let path = path.as_ref();
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map_err(|source| Error::Io {
                    origin: path.display().to_string(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                match read_file(&f) {
                    Ok(found) => add(found, &mut certs),
                    Err(e) => skipped.push(e.to_string()),
                }
            }
        } else {
            add(read_file(path)?, &mut certs);
        }
    }
    Ok((certs, skipped))
}
