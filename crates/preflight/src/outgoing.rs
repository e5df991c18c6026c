//! An MDM server's outgoing TLS, as Ivanti EPMM's "Outgoing SSL Configuration" page needs
//! it known: EPMM connects to SCEP, LDAP, APNs, Sentry, SMTPS… with TLS 1.2 only and SNI,
//! and an admin narrowing its selected cipher suites must first know which suites each
//! external server accepts. For each target: every version, the TLS 1.2 suites in the
//! server's order, and whether a TLS-1.2-only client with SNI connects; across targets,
//! which suites are in use by which servers.

use std::time::Duration;

use serde::Serialize;

use crate::starttls::StartTls;
use crate::tls::{not_tls, Probe, Target, VersionResult};
use crate::Error;

/// A server the MDM server connects to: `HOST[:PORT]` (TLS from the first byte, port 443
/// by default), or `smtp://HOST[:PORT]` / `ldap://HOST[:PORT]` (STARTTLS, ports 25 and
/// 389 by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingTarget {
    /// Where.
    pub target: Target,
    /// The protocol that upgrades to TLS, if any.
    pub starttls: Option<StartTls>,
}

/// The largest targets file read.
const TARGETS_LIMIT: pbkit_infile::Limit = pbkit_infile::Limit::new(1 << 20, "a targets file");

impl OutgoingTarget {
    /// Reads a targets file: one target a line ([`OutgoingTarget::parse`]), `#` starting
    /// a comment, blank lines skipped; at least one target.
    pub fn read_file(
        path: &std::path::Path,
        default_starttls: Option<StartTls>,
    ) -> Result<Vec<OutgoingTarget>, Error> {
        let name = path.display().to_string();
        let text = pbkit_infile::read_text(path, TARGETS_LIMIT)?;
        let mut targets = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if !line.is_empty() {
                targets.push(OutgoingTarget::parse(line, default_starttls).map_err(|e| {
                    Error::TargetLine {
                        path: name.clone(),
                        line: i + 1,
                        source: Box::new(e),
                    }
                })?);
            }
        }
        if targets.is_empty() {
            return Err(Error::NoTargets(name));
        }
        Ok(targets)
    }

    /// Parses one target; `default_starttls` applies to a target without a scheme.
    pub fn parse(s: &str, default_starttls: Option<StartTls>) -> Result<OutgoingTarget, Error> {
        let (starttls, rest) = match s.split_once("://") {
            Some(("smtp", rest)) => (Some(StartTls::Smtp), rest),
            Some(("ldap", rest)) => (Some(StartTls::Ldap), rest),
            Some(_) => return Err(Error::BadTarget(s.to_string())),
            None => (default_starttls, s),
        };
        let mut target = Target::parse(rest).map_err(|_| Error::BadTarget(s.to_string()))?;
        let port_given = match rest.strip_prefix('[') {
            Some(v6) => v6.contains("]:"),
            None => rest.contains(':'),
        };
        if let (Some(p), false) = (starttls, port_given) {
            target.port = p.default_port();
        }
        Ok(OutgoingTarget { target, starttls })
    }

    /// As written in reports: `smtp://host:25`, `host:443`.
    pub fn display(&self) -> String {
        let scheme = self
            .starttls
            .map(|p| format!("{}://", p.name()))
            .unwrap_or_default();
        format!("{scheme}{}:{}", self.target.host, self.target.port)
    }
}

/// What one target accepts.
#[derive(Debug, Clone, Serialize)]
pub struct OutgoingResult {
    /// The target as written in reports.
    pub target: String,
    /// The STARTTLS protocol, if any.
    pub starttls: Option<StartTls>,
    /// Set when nothing could be learned.
    pub error: Option<String>,
    /// Each version, tried on its own (with SNI).
    pub versions: Vec<VersionResult>,
    /// The TLS 1.2 suites it accepts, in its order of preference.
    pub tls12_suites: Vec<String>,
    /// A client that speaks TLS 1.2 only, with SNI (Ivanti EPMM), connects.
    pub tls12_connects: bool,
}

/// One TLS 1.2 suite and the targets that accept it.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteUse {
    /// OpenSSL's name.
    pub suite: String,
    /// The targets that accept it.
    pub used_by: Vec<String>,
}

/// The whole outgoing check.
#[derive(Debug, Clone, Serialize)]
pub struct OutgoingReport {
    /// Each target, in the order given.
    pub targets: Vec<OutgoingResult>,
    /// Every suite at least one target accepts, most used first.
    pub suites: Vec<SuiteUse>,
}

impl OutgoingReport {
    /// Every target connects with TLS 1.2 and SNI.
    pub fn passed(&self) -> bool {
        self.targets.iter().all(|t| t.tls12_connects)
    }
}

/// Probes each target in turn, each with `timeout` per connection and `deadline` in all.
pub fn probe_outgoing(
    targets: &[OutgoingTarget],
    timeout: Duration,
    deadline: Duration,
) -> OutgoingReport {
    let results: Vec<OutgoingResult> = targets
        .iter()
        .map(|t| probe_one(t, timeout, deadline))
        .collect();
    let mut suites: Vec<SuiteUse> = Vec::new();
    for r in &results {
        for s in &r.tls12_suites {
            match suites.iter_mut().find(|u| &u.suite == s) {
                Some(u) => u.used_by.push(r.target.clone()),
                None => suites.push(SuiteUse {
                    suite: s.clone(),
                    used_by: vec![r.target.clone()],
                }),
            }
        }
    }
    // Most used first; among equals, the order the first target prefers.
    suites.sort_by_key(|u| std::cmp::Reverse(u.used_by.len()));
    OutgoingReport {
        targets: results,
        suites,
    }
}

fn probe_one(t: &OutgoingTarget, timeout: Duration, deadline: Duration) -> OutgoingResult {
    let mut out = OutgoingResult {
        target: t.display(),
        starttls: t.starttls,
        error: None,
        versions: Vec::new(),
        tls12_suites: Vec::new(),
        tls12_connects: false,
    };
    let probe = match Probe::open(&t.target, timeout, deadline, t.starttls) {
        Ok(p) => p,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    let (versions, _, answers) = probe.versions();
    if versions.iter().all(|v| !v.accepted) {
        // The same STARTTLS failure for every version is the target's problem, not four.
        let first = &versions[0].detail;
        let starttls_failed = t.starttls.is_some()
            && (first.starts_with("SMTP:") || first.starts_with("LDAP:"))
            && versions.iter().all(|v| &v.detail == first);
        if starttls_failed {
            out.error = Some(first.clone());
            return out;
        }
        if let Some(e) = not_tls(&answers, timeout) {
            out.error = Some(e);
            return out;
        }
    }
    out.tls12_connects = versions
        .iter()
        .any(|v| v.version == "TLS 1.2" && v.accepted);
    out.versions = versions;
    if out.tls12_connects {
        out.tls12_suites = probe.tls12_suites();
    }
    out
}

/// The report as `pbkit preflight outgoing` prints it.
impl std::fmt::Display for OutgoingReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.targets {
            let how = match r.starttls {
                Some(p) => format!(" (STARTTLS, {})", p.name().to_uppercase()),
                None => String::new(),
            };
            writeln!(f, "{}{how}", r.target)?;
            if let Some(e) = &r.error {
                writeln!(f, "  error: {e}")?;
            }
            for v in &r.versions {
                writeln!(f, "  {v}")?;
            }
            if !r.tls12_suites.is_empty() {
                writeln!(
                    f,
                    "  TLS 1.2 suites ({}): {}",
                    r.tls12_suites.len(),
                    r.tls12_suites.join(", ")
                )?;
            }
            writeln!(
                f,
                "  Ivanti EPMM (TLS 1.2 only, with SNI) connects: {}",
                if r.tls12_connects { "yes" } else { "NO" }
            )?;
        }
        if !self.suites.is_empty() {
            let n = self.targets.len();
            let width = self.suites.iter().map(|u| u.suite.len()).max().unwrap_or(0);
            writeln!(
                f,
                "TLS 1.2 suites in use (EPMM's System Manager marks them with an asterisk):"
            )?;
            for u in &self.suites {
                writeln!(
                    f,
                    "  {:<width$}  {} of {n}: {}",
                    u.suite,
                    u.used_by.len(),
                    u.used_by.join(", ")
                )?;
            }
            writeln!(
                f,
                "A suite not listed is used by none of these servers: deselecting it in EPMM \
                 breaks none of them."
            )?;
        }
        let ok = self.targets.iter().filter(|t| t.tls12_connects).count();
        writeln!(
            f,
            "{}: {ok} of {} servers take EPMM's TLS 1.2 with SNI",
            if self.passed() { "PASS" } else { "FAIL" },
            self.targets.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_their_protocol_and_default_port() {
        let t = OutgoingTarget::parse("smtp://mail.example.mil", None).unwrap();
        assert_eq!((t.starttls, t.target.port), (Some(StartTls::Smtp), 25));
        let t = OutgoingTarget::parse("ldap://dc.example.mil:3389", None).unwrap();
        assert_eq!((t.starttls, t.target.port), (Some(StartTls::Ldap), 3389));
        let t = OutgoingTarget::parse("scep.example.mil", None).unwrap();
        assert_eq!((t.starttls, t.target.port), (None, 443));
        let t = OutgoingTarget::parse("mail.example.mil", Some(StartTls::Smtp)).unwrap();
        assert_eq!(
            (t.display().as_str(), t.target.port),
            ("smtp://mail.example.mil:25", 25)
        );
        for bad in ["imap://x", "smtp://x:notaport"] {
            assert!(
                matches!(OutgoingTarget::parse(bad, None), Err(Error::BadTarget(_))),
                "{bad}"
            );
        }
    }
}
