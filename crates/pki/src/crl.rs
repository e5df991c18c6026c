//! Certificate revocation lists, judged as RFC 5280 §6.3 says a relying party judges them:
//! the CRL must be the certificate's issuer's (its name, and a signature that verifies with
//! the issuer's key), the issuer may sign CRLs (`cRLSign` when it has a keyUsage), the CRL
//! carries a non-critical CRLNumber (§5.2.3), and it is current at the validation instant.
//! Only then does a serial on it mean revoked.
//!
//! Used by path validation (`chain build --crl`) and by `preflight revocation`, one rule.

use openssl::x509::{CrlStatus, X509Crl};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use crate::{openssl_time, rfc3339, Certificate, Error, KeyUsageBit};

/// A CRL as read from a file.
pub struct Crl {
    crl: X509Crl,
    /// What x509-parser reads of it once, for every certificate it is asked about: its
    /// CRLNumber's problem, if any, and its update times; or why it cannot be read.
    shape: Result<Shape, String>,
    /// Where it came from, for messages (`file.crl`, `file.crl [2]`).
    pub origin: String,
}

struct Shape {
    number_problem: Option<&'static str>,
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
}

impl Shape {
    fn of(der: &[u8]) -> Result<Shape, String> {
        let (_, parsed) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
            .map_err(|e| format!("not understood ({e})"))?;
        let number_problem = match parsed
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == CRL_NUMBER)
        {
            None => Some("it has no CRLNumber (RFC 5280 5.2.3: MUST)"),
            Some(e) if e.critical => {
                Some("its CRLNumber is critical (RFC 5280 5.2.3: non-critical)")
            }
            Some(_) => None,
        };
        Ok(Shape {
            number_problem,
            this_update: parsed.last_update().to_datetime(),
            next_update: parsed.next_update().map(|t| t.to_datetime()),
        })
    }
}

impl std::fmt::Debug for Crl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Crl({})", self.origin)
    }
}

/// What a CRL says of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The CRL is not its issuer's (another name, or a signature that does not verify
    /// with the issuer's key), in words: it says nothing of this certificate.
    NotTheIssuers(&'static str),
    /// The CRL is its issuer's and current, and does not list it.
    Good,
    /// Listed, revoked at this instant (RFC 3339).
    Revoked(String),
    /// The issuer's CRL, but not one to rely on: why.
    Unusable(String),
}

/// The CRLNumber extension's OID (RFC 5280 5.2.3).
const CRL_NUMBER: &str = "2.5.29.20";

impl Crl {
    /// Every CRL in `bytes`: one DER CRL, or PEM blocks (`X509 CRL`).
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Vec<Crl>, Error> {
        if let Ok(crl) = Crl::from_der(bytes, origin.to_string()) {
            return Ok(vec![crl]);
        }
        // PEM: every `X509 CRL` block (x509-parser's reader; OpenSSL reads one at a time).
        let blocks: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(bytes)
            .map_while(Result::ok)
            .filter(|p| p.label == "X509 CRL")
            .map(|p| p.contents)
            .collect();
        if blocks.is_empty() {
            return Err(Error::NotCrl {
                origin: origin.to_string(),
            });
        }
        let many = blocks.len() > 1;
        blocks
            .iter()
            .enumerate()
            .map(|(i, der)| {
                let origin = if many {
                    format!("{origin} [{}]", i + 1)
                } else {
                    origin.to_string()
                };
                Crl::from_der(der, origin)
            })
            .collect()
    }

    /// One DER CRL, named `origin`.
    fn from_der(der: &[u8], origin: String) -> Result<Crl, Error> {
        match X509Crl::from_der(der) {
            Ok(crl) => Ok(Crl {
                crl,
                shape: Shape::of(der),
                origin,
            }),
            Err(_) => Err(Error::NotCrl { origin }),
        }
    }

    /// Reads every CRL of a file (bounded like a certificate file).
    pub fn read_file(path: &std::path::Path) -> Result<Vec<Crl>, Error> {
        let bytes = pbkit_infile::read(path, crate::bundle::FILE_LIMIT)?;
        Crl::parse(&bytes, &path.display().to_string())
    }

    /// When it was issued (thisUpdate), RFC 3339.
    pub fn this_update(&self) -> String {
        openssl_time(self.crl.last_update())
    }

    /// When the next one is due (nextUpdate, RFC 3339), if it says.
    pub fn next_update(&self) -> Option<String> {
        self.crl.next_update().map(openssl_time)
    }

    /// What this CRL says of `cert`, issued by `issuer`, at `at`.
    pub fn status(&self, cert: &Certificate, issuer: &Certificate, at: OffsetDateTime) -> Status {
        let same_name = match (
            self.crl.issuer_name().to_der(),
            issuer.x509().subject_name().to_der(),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if !same_name {
            return Status::NotTheIssuers("the CRL is not the issuer's (another issuer name)");
        }
        let signed = issuer
            .x509()
            .public_key()
            .and_then(|k| self.crl.verify(&k))
            .unwrap_or(false);
        if !signed {
            return Status::NotTheIssuers(
                "the CRL's signature does not verify with the issuer's key",
            );
        }
        if let Some(problem) = self.problem(issuer, at) {
            return Status::Unusable(problem);
        }
        match self.crl.get_by_serial(cert.x509().serial_number()) {
            CrlStatus::Revoked(r) => Status::Revoked(openssl_time(r.revocation_date())),
            CrlStatus::NotRevoked | CrlStatus::RemoveFromCrl(_) => Status::Good,
        }
    }

    /// Why the issuer's own CRL cannot be relied on at `at`, if it cannot.
    fn problem(&self, issuer: &Certificate, at: OffsetDateTime) -> Option<String> {
        if let Ok(facts) = issuer.facts() {
            if facts
                .key_usage
                .is_some_and(|u| !u.contains(KeyUsageBit::CrlSign))
            {
                return Some(
                    "its issuer's keyUsage lacks cRLSign (RFC 5280 4.2.1.3): it may not sign CRLs"
                        .into(),
                );
            }
        }
        let shape = match &self.shape {
            Ok(shape) => shape,
            Err(why) => return Some(why.clone()),
        };
        if let Some(problem) = shape.number_problem {
            return Some(problem.into());
        }
        let this_update = shape.this_update;
        if at < this_update {
            return Some(format!(
                "issued after {} (thisUpdate {})",
                rfc3339(at),
                rfc3339(this_update)
            ));
        }
        if let Some(next) = shape.next_update {
            if at > next {
                return Some(format!(
                    "stale: its nextUpdate {} has passed",
                    rfc3339(next)
                ));
            }
        }
        None
    }
}
