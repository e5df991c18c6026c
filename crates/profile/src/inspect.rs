//! What a profile holds, as `pbkit profile inspect` shows it: the verdict, the payloads
//! with their references resolved, the certificates they carry, the signer and chain.

use pbkit_pkcs12::{Identity, Password};
use pbkit_pki::{bundle, Certificate, Summary, Validity};
use serde::Serialize;

use crate::model::{Content, Profile};
use crate::sign::{embedded_certificates, is_signed, verify, Verdict};
use crate::Error;

/// A profile as inspected.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// Verified, Unverified, Invalid or Unsigned.
    pub verdict: Verdict,
    /// The signer's certificate, for a signed profile.
    pub signer: Option<CertificateView>,
    /// The other certificates embedded with the signature.
    pub chain: Vec<CertificateView>,
    /// PayloadIdentifier.
    pub identifier: String,
    /// PayloadUUID.
    pub uuid: String,
    /// PayloadDisplayName.
    pub display_name: Option<String>,
    /// The file's size.
    pub bytes: usize,
    /// The payloads, in order (none shown for an encrypted profile).
    pub payloads: Vec<PayloadView>,
    /// For an encrypted profile: the cipher and the recipients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<crate::encrypt::Envelope>,
    /// What pbkit could not read as a profile (a key of the wrong type, …): the rest is
    /// shown as it stands, without references or certificates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// One payload as inspected.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadView {
    /// PayloadType.
    pub payload_type: String,
    /// PayloadIdentifier.
    pub identifier: String,
    /// PayloadUUID.
    pub uuid: String,
    /// PayloadDisplayName.
    pub display_name: Option<String>,
    /// The identity payloads it names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// The certificate it carries (the identity's, for a PKCS#12 payload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateView>,
    /// Why the certificate cannot be shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A certificate as inspected: its summary, and whether it was valid then.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateView {
    /// Subject, issuer, serial, validity period, SHA-256.
    #[serde(flatten)]
    pub summary: Summary,
    /// `valid`, `expired` or `not-yet-valid` when inspected.
    pub validity: Validity,
}

impl CertificateView {
    /// The certificate as of `at`.
    pub fn at(summary: Summary, at: time::OffsetDateTime) -> CertificateView {
        CertificateView {
            validity: summary.validity(at),
            summary,
        }
    }
}

/// A reference from one payload to another.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    /// The key, e.g. `SMIMESigningCertificateUUID`.
    pub key: &'static str,
    /// The PayloadUUID it holds.
    pub uuid: String,
    /// The PayloadIdentifier of the payload it names; `None`: not in this profile.
    pub target: Option<String>,
}

/// The inspection as `pbkit profile inspect` prints it below its `FILE (N bytes): verdict`
/// line: the profile, each payload with its certificate and references, the signer and chain.
impl std::fmt::Display for Inspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An expired or not yet valid certificate is marked where its date is shown.
        let until = |c: &CertificateView| match c.validity {
            Validity::Valid => pbkit_pki::rfc3339(c.summary.not_after),
            other => format!(
                "{}, {}",
                pbkit_pki::rfc3339(c.summary.not_after),
                other.to_string().to_uppercase()
            ),
        };
        let quoted =
            |n: &Option<String>| n.as_deref().map(|n| format!("\"{n}\"")).unwrap_or_default();
        writeln!(
            f,
            "profile {} {}",
            self.identifier,
            quoted(&self.display_name)
        )?;
        writeln!(f, "  uuid {}", self.uuid)?;
        for p in &self.problems {
            writeln!(f, "  problem: {p}")?;
        }
        if let Some(e) = &self.encryption {
            writeln!(
                f,
                "  payloads encrypted ({}) to {} (their key reads them)",
                e.cipher,
                if e.recipients.len() == 1 {
                    "1 recipient".to_string()
                } else {
                    format!("{} recipients", e.recipients.len())
                }
            )?;
            for r in &e.recipients {
                writeln!(f, "    {r}")?;
            }
        }
        for (i, p) in self.payloads.iter().enumerate() {
            writeln!(
                f,
                "  [{}] {} {}",
                i + 1,
                p.payload_type,
                quoted(&p.display_name)
            )?;
            writeln!(f, "      identifier {}  uuid {}", p.identifier, p.uuid)?;
            if let Some(c) = &p.certificate {
                writeln!(
                    f,
                    "      certificate {} (serial {}, until {})",
                    c.summary.subject,
                    c.summary.serial,
                    until(c)
                )?;
            }
            if let Some(n) = &p.note {
                writeln!(f, "      note: {n}")?;
            }
            for r in &p.references {
                match &r.target {
                    Some(t) => writeln!(f, "      {} -> {t}", r.key)?,
                    None => writeln!(f, "      {} -> {} (NOT IN THIS PROFILE)", r.key, r.uuid)?,
                }
            }
        }
        if let Some(s) = &self.signer {
            writeln!(f, "signer {} (until {})", s.summary.subject, until(s))?;
            for c in &self.chain {
                writeln!(f, "  chain {} (until {})", c.summary.subject, until(c))?;
            }
        }
        Ok(())
    }
}

/// Inspects a profile, signed or not; `anchors` tell Verified from Unverified.
pub fn inspect(bytes: &[u8], anchors: &[Certificate]) -> Result<Inspection, Error> {
    let now = time::OffsetDateTime::now_utc();
    let verification = verify(bytes, anchors);
    let verdict = verification.verdict();
    let plist = verification.into_content().map_err(Error::Invalid)?;
    let (signer, chain) = if is_signed(bytes) {
        let summaries = embedded_certificates(bytes)?
            .iter()
            .map(|c| c.facts().map(|f| CertificateView::at(f.into(), now)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut it = summaries.into_iter();
        (it.next(), it.collect())
    } else {
        (None, Vec::new())
    };
    let profile = match Profile::from_plist(&plist) {
        Ok(profile) => profile,
        // Not a profile pbkit can model: still show what is there, and why.
        Err(problem @ (Error::WrongType { .. } | Error::Missing(_) | Error::BadPayload { .. })) => {
            let mut raw = as_it_stands(&plist)?;
            raw.problems.push(problem.to_string());
            return Ok(Inspection {
                verdict,
                signer,
                chain,
                bytes: bytes.len(),
                ..raw
            });
        }
        Err(e) => return Err(e),
    };
    let payloads = profile
        .payloads
        .iter()
        .map(|p| {
            let (certificate, note) = payload_certificate(&p.content);
            PayloadView {
                payload_type: p.payload_type().to_string(),
                identifier: p.identifier.clone(),
                uuid: p.uuid.clone(),
                display_name: p.display_name.clone(),
                references: p
                    .references()
                    .into_iter()
                    .map(|(key, uuid)| Reference {
                        key,
                        uuid: uuid.to_string(),
                        target: profile.payload_by_uuid(uuid).map(|t| t.identifier.clone()),
                    })
                    .collect(),
                certificate: certificate.map(|c| CertificateView::at(c, now)),
                note,
            }
        })
        .collect();
    let mut problems = Vec::new();
    let encryption = match &profile.top.encrypted_payload_content {
        Some(der) => match crate::encrypt::Envelope::read(der.as_ref()) {
            Ok(e) => Some(e),
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        },
        None => None,
    };
    Ok(Inspection {
        verdict,
        signer,
        chain,
        identifier: profile.identifier.clone(),
        uuid: profile.uuid.clone(),
        display_name: profile.top.display_name.clone(),
        bytes: bytes.len(),
        payloads,
        encryption,
        problems,
    })
}

/// The profile's keys as they stand in the plist, where the typed model refused it.
fn as_it_stands(plist: &[u8]) -> Result<Inspection, Error> {
    use plist::Value;
    let top = crate::model::read_plist(plist)?;
    let text = |d: &plist::Dictionary, key: &str| -> String {
        d.get(key)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => format!("({})", crate::lint::type_name(other)),
            })
            .unwrap_or_else(|| "(missing)".into())
    };
    let display_name = |d: &plist::Dictionary| {
        d.get("PayloadDisplayName")
            .and_then(Value::as_string)
            .map(str::to_string)
    };
    let top = top
        .as_dictionary()
        .ok_or_else(|| Error::Plist("the top level is not a dictionary".into()))?;
    let payloads = match top.get("PayloadContent") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_dictionary)
            .map(|d| PayloadView {
                payload_type: text(d, "PayloadType"),
                identifier: text(d, "PayloadIdentifier"),
                uuid: text(d, "PayloadUUID"),
                display_name: display_name(d),
                references: Vec::new(),
                certificate: None,
                note: None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Inspection {
        verdict: Verdict::Unsigned,
        signer: None,
        chain: Vec::new(),
        identifier: text(top, "PayloadIdentifier"),
        uuid: text(top, "PayloadUUID"),
        display_name: display_name(top),
        bytes: 0,
        payloads,
        encryption: None,
        problems: Vec::new(),
    })
}

/// The certificate a payload carries, or why it cannot be shown.
pub(crate) fn payload_certificate(content: &Content) -> (Option<Summary>, Option<String>) {
    let facts = |c: &Certificate| c.facts().ok().map(Summary::from);
    match content {
        Content::Root(c) | Content::Pkcs1(c) | Content::Pem(c) => match &c.data {
            Some(d) => match bundle::parse(d.as_ref(), "payload") {
                Ok(certs) if certs.len() == 1 => (facts(&certs[0]), None),
                _ => (None, Some("PayloadContent is not one certificate".into())),
            },
            None => (None, Some("no PayloadContent".into())),
        },
        Content::Pkcs12(p) => match (&p.data, &p.password) {
            (Some(d), Some(pw)) => {
                match Identity::from_pkcs12(d.as_ref(), &Password::new(pw.as_str())) {
                    Ok(id) => (facts(id.certificate()), None),
                    Err(e) => (
                        None,
                        Some(format!("PKCS#12 does not open with its Password: {e}")),
                    ),
                }
            }
            (Some(_), None) => (
                None,
                Some("no Password key: the device asks at install".into()),
            ),
            (None, _) => (None, Some("no PayloadContent".into())),
        },
        _ => (None, None),
    }
}
