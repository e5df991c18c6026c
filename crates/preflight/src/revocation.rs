//! Revocation as a device checks it: each certificate of a path, its CRL distribution
//! points fetched and its OCSP responders asked, every answer verified against the
//! certificate's issuer. DISA's procedures have devices reach port 80 "for CRLs": a
//! responder that cannot be reached is named with the port it needs.

use std::time::{Duration, Instant};

use openssl::hash::MessageDigest;
use openssl::ocsp::{
    OcspCertId, OcspCertStatus, OcspFlag, OcspRequest, OcspResponse, OcspResponseStatus,
};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use pbkit_pki::common_name;
use pbkit_pki::crl::Status as CrlStatus;
use pbkit_pki::Certificate;
use serde::Serialize;

/// The largest CRL or OCSP answer read. DoD's largest CRLs are tens of megabytes.
pub const ANSWER_LIMIT: usize = 128 << 20;

/// How to ask.
#[derive(Debug, Clone)]
pub struct RevocationOptions {
    /// Each HTTP request's timeout (whole seconds, at least 1).
    pub timeout: Duration,
    /// The most all requests together may take.
    pub deadline: Duration,
}

impl Default for RevocationOptions {
    fn default() -> RevocationOptions {
        RevocationOptions {
            timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
        }
    }
}

/// CRL or OCSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// A CRL from a cRLDistributionPoints URL.
    #[serde(rename = "CRL")]
    Crl,
    /// An OCSP responder from authorityInfoAccess.
    #[serde(rename = "OCSP")]
    Ocsp,
}

/// A certificate's status in one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "status")]
pub enum Status {
    /// Not revoked.
    Good,
    /// Revoked, at this instant.
    Revoked {
        /// When (as the source gives it).
        at: String,
    },
    /// The OCSP responder does not know the certificate.
    Unknown,
}

/// One source asked about one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// CRL or OCSP.
    pub method: Method,
    /// Where.
    pub url: String,
    /// The answer, when one was obtained and verified.
    pub status: Option<Status>,
    /// When the source's answer was made (thisUpdate).
    pub this_update: Option<String>,
    /// When the source's answer expires (nextUpdate).
    pub next_update: Option<String>,
    /// Why there is no trustworthy answer: unreachable, not signed by the issuer, stale.
    pub problem: Option<String>,
}

/// The checks of one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateChecks {
    /// Its subject.
    pub subject: String,
    /// Its serial, uppercase hex.
    pub serial: String,
    /// One per CRL distribution point and OCSP responder it names.
    pub checks: Vec<Check>,
}

/// Revocation of a whole path.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationReport {
    /// Leaf first.
    pub certificates: Vec<CertificateChecks>,
}

impl RevocationReport {
    /// Every source answered, verifiably, "good"; certificates that name no source do
    /// not fail it.
    pub fn passed(&self) -> bool {
        self.certificates
            .iter()
            .flat_map(|c| &c.checks)
            .all(|x| x.problem.is_none() && x.status == Some(Status::Good))
    }

    /// The one-line conclusion.
    pub fn verdict(&self) -> String {
        let checks: Vec<&Check> = self.certificates.iter().flat_map(|c| &c.checks).collect();
        let named = self
            .certificates
            .iter()
            .filter(|c| !c.checks.is_empty())
            .count();
        if checks.is_empty() {
            return "revocation: no certificate of the path names a CRL or OCSP responder"
                .to_string();
        }
        let revoked = checks
            .iter()
            .filter(|x| matches!(x.status, Some(Status::Revoked { .. })))
            .count();
        let failed = checks.iter().filter(|x| x.problem.is_some()).count();
        let unknown = checks
            .iter()
            .filter(|x| x.status == Some(Status::Unknown))
            .count();
        if revoked + failed + unknown == 0 {
            format!(
                "revocation: good ({} sources for {named} certificates)",
                checks.len()
            )
        } else {
            format!(
                "revocation: {revoked} revoked, {unknown} unknown, {failed} without a \
                 trustworthy answer (of {} sources)",
                checks.len()
            )
        }
    }
}

impl std::fmt::Display for RevocationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in &self.certificates {
            for x in &c.checks {
                let method = match x.method {
                    Method::Crl => "CRL ",
                    Method::Ocsp => "OCSP",
                };
                let status = match (&x.status, &x.problem) {
                    (_, Some(p)) => format!("PROBLEM: {p}"),
                    (Some(Status::Good), _) => "good".to_string(),
                    (Some(Status::Revoked { at }), _) => format!("REVOKED at {at}"),
                    (Some(Status::Unknown), _) => "UNKNOWN to the responder".to_string(),
                    (None, None) => "no answer".to_string(),
                };
                let next = x
                    .next_update
                    .as_ref()
                    .map(|n| format!(" (next update {n})"))
                    .unwrap_or_default();
                writeln!(
                    f,
                    "  {method} {} [{}]: {status}{next}",
                    common_name(&c.subject),
                    x.url
                )?;
            }
        }
        Ok(())
    }
}

/// Checks each certificate of `path` (leaf first, each followed by its issuer) with its
/// issuer; the last one's issuer is `anchor`.
pub fn check_path(
    path: &[Certificate],
    anchor: &Certificate,
    opts: &RevocationOptions,
) -> RevocationReport {
    let end = Instant::now() + opts.deadline;
    let issuers = path.iter().skip(1).chain(std::iter::once(anchor));
    let certificates = path
        .iter()
        .zip(issuers)
        .map(|(cert, issuer)| {
            let facts = cert.facts().ok();
            let (subject, serial) = facts
                .as_ref()
                .map(|f| (f.subject.clone(), f.serial.clone()))
                .unwrap_or_default();
            let mut checks = Vec::new();
            if let Some(f) = &facts {
                for url in &f.crl_urls {
                    checks.push(answered(check(Method::Crl, url), |out| {
                        crl_status(cert, issuer, url, opts, end, out)
                    }));
                }
                for url in &f.ocsp_urls {
                    checks.push(answered(check(Method::Ocsp, url), |out| {
                        ocsp_status(cert, issuer, url, opts, end, out)
                    }));
                }
            }
            CertificateChecks {
                subject,
                serial,
                checks,
            }
        })
        .collect();
    RevocationReport { certificates }
}

fn check(method: Method, url: &str) -> Check {
    Check {
        method,
        url: url.to_string(),
        status: None,
        this_update: None,
        next_update: None,
        problem: None,
    }
}

/// `http://host[:port]/…`'s host and port, for "devices need port N open to host".
fn host_port(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            Some((h.to_string(), p.parse().ok()?))
        }
        _ => Some((authority.to_string(), 80)),
    }
}

/// Fetches `url` (GET, or POST with `body`), bounded in time and size.
fn fetch(
    url: &str,
    body: Option<(&str, Vec<u8>)>,
    opts: &RevocationOptions,
    end: Instant,
) -> Result<Vec<u8>, String> {
    let Some((host, port)) = host_port(url) else {
        return Err(
            "not fetched: only http:// URLs are (devices fetch CRLs and ask OCSP over \
                    plain HTTP)"
                .to_string(),
        );
    };
    let left = end.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err("not fetched: the deadline passed".to_string());
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(opts.timeout.min(left).max(Duration::from_secs(1))))
        .max_redirects(3)
        .http_status_as_error(false)
        .build()
        .into();
    let unreachable =
        |e: String| format!("unreachable: {e} (devices need port {port} open to {host})");
    let sent = match body {
        Some((content_type, bytes)) => agent
            .post(url)
            .header("Content-Type", content_type)
            .send(&bytes[..]),
        None => agent.get(url).call(),
    };
    let response = sent.map_err(|e| unreachable(e.to_string()))?;
    let status = response.status();
    if status != 200 {
        return Err(format!(
            "HTTP {} {} from {url}",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default()
        ));
    }
    // The global timeout bounds the whole request, reading included.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(response.into_body().into_reader(), ANSWER_LIMIT as u64 + 1),
        &mut bytes,
    )
    .map_err(|e| unreachable(e.to_string()))?;
    if bytes.len() > ANSWER_LIMIT {
        return Err(format!(
            "the answer is over {} MiB: not read further",
            ANSWER_LIMIT >> 20
        ));
    }
    Ok(bytes)
}

/// `out` with the status `ask` found, or the problem that stopped it.
fn answered(mut out: Check, ask: impl FnOnce(&mut Check) -> Result<Status, String>) -> Check {
    match ask(&mut out) {
        Ok(status) => out.status = Some(status),
        Err(problem) => out.problem = Some(problem),
    }
    out
}

/// The certificate's status in the CRL at `url`; its update times go into `out`.
fn crl_status(
    cert: &Certificate,
    issuer: &Certificate,
    url: &str,
    opts: &RevocationOptions,
    end: Instant,
    out: &mut Check,
) -> Result<Status, String> {
    let bytes = fetch(url, None, opts, end)?;
    let crl = pbkit_pki::crl::Crl::parse(&bytes, url)
        .ok()
        .and_then(|mut c| (!c.is_empty()).then(|| c.remove(0)))
        .ok_or_else(|| format!("not a CRL ({} bytes)", bytes.len()))?;
    out.this_update = Some(crl.this_update());
    out.next_update = crl.next_update();
    match crl.status(cert, issuer, time::OffsetDateTime::now_utc()) {
        CrlStatus::NotTheIssuers(why) => Err(why.into()),
        CrlStatus::Unusable(why) => Err(why),
        CrlStatus::Revoked(at) => Ok(Status::Revoked { at }),
        CrlStatus::Good => Ok(Status::Good),
    }
}

/// The certificate's status from the OCSP responder at `url`; update times into `out`.
fn ocsp_status(
    cert: &Certificate,
    issuer: &Certificate,
    url: &str,
    opts: &RevocationOptions,
    end: Instant,
    out: &mut Check,
) -> Result<Status, String> {
    let id = || OcspCertId::from_cert(MessageDigest::sha1(), cert.x509(), issuer.x509());
    let request = (|| {
        let mut req = OcspRequest::new()?;
        req.add_id(id()?)?;
        req.to_der()
    })()
    .map_err(|e| format!("cannot make the request: {e}"))?;
    let bytes = fetch(url, Some(("application/ocsp-request", request)), opts, end)?;
    let response = OcspResponse::from_der(&bytes)
        .map_err(|_| format!("not an OCSP response ({} bytes)", bytes.len()))?;
    if response.status() != OcspResponseStatus::SUCCESSFUL {
        return Err(format!(
            "the responder answered status {}",
            response.status().as_raw()
        ));
    }
    let basic = (|| {
        let basic = response.basic()?;
        // The responder is the issuer, or a responder the issuer certified for OCSP: the
        // issuer is trusted here, as a device trusts a path it has validated.
        let mut store = X509StoreBuilder::new()?;
        store.add_cert(issuer.x509().to_owned())?;
        store.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
        let store = store.build();
        let none: Stack<openssl::x509::X509> = Stack::new()?;
        basic.verify(&none, &store, OcspFlag::empty())?;
        Ok::<_, openssl::error::ErrorStack>(basic)
    })()
    .map_err(|e| {
        let reason = e.errors().first().and_then(|x| x.reason());
        format!(
            "the response does not verify with the issuer: {}",
            reason.unwrap_or("unknown reason")
        )
    })?;
    let id = id().map_err(|e| e.to_string())?;
    let status = basic
        .find_status(&id)
        .ok_or("the response does not answer for this certificate")?;
    out.this_update = Some(pbkit_pki::openssl_time(status.this_update));
    out.next_update = status.next_update().map(pbkit_pki::openssl_time);
    // Five minutes of clock skew, as OpenSSL's own client allows.
    status
        .check_validity(300, None)
        .map_err(|_| "stale: the response is outside its validity period".to_string())?;
    Ok(if status.status == OcspCertStatus::GOOD {
        Status::Good
    } else if status.status == OcspCertStatus::REVOKED {
        Status::Revoked {
            at: status
                .revocation_time
                .map(pbkit_pki::openssl_time)
                .unwrap_or_default(),
        }
    } else {
        Status::Unknown
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_port() {
        assert_eq!(
            host_port("http://crl.disa.mil/crl/DODROOTCA3.crl"),
            Some(("crl.disa.mil".into(), 80))
        );
        assert_eq!(
            host_port("http://127.0.0.1:18880/x.crl"),
            Some(("127.0.0.1".into(), 18880))
        );
        assert_eq!(host_port("ldap://x/y"), None);
    }
}
