//! Certificate path building that searches instead of guessing.
//!
//! OpenSSL's verifier picks issuers greedily: with cross-certificates in the untrusted set,
//! the same certificates verify or fail depending on their order. [`build_path`] instead
//! searches every candidate issuer (by name, key identifiers and signature), breadth
//! first so the shortest paths come first, cuts loops, bounds its work, and lets OpenSSL
//! validate each complete candidate with exactly that path as untrusted and the anchor as
//! trusted. The best valid path wins: shortest, then the one whose earliest-expiring link
//! expires last.

use std::collections::{BTreeMap, HashMap, HashSet};

use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509PurposeId, X509StoreContext, X509};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{rfc3339, Certificate, Error};

/// What the path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A TLS server: serverAuth in the leaf's EKU (and in CAs' EKUs when present).
    SslServer,
    /// A TLS client: clientAuth in the leaf's EKU (and in CAs' EKUs when present).
    SslClient,
    /// Any purpose.
    Any,
}

/// Which rules a path is held to, beyond RFC 5280 as OpenSSL applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// What iOS judges: RFC 5280 (with the rules OpenSSL lets through), as DoD and
    /// Federal PKI paths need.
    #[default]
    Ios,
    /// The CA/Browser Forum's Baseline Requirements on top ([`crate::webpki`]'s rules):
    /// for a server the public web trusts. DoD paths fail it by design.
    WebPki,
}

/// How to search and validate.
#[derive(Debug, Clone)]
pub struct PathOptions {
    /// The instant the path must be valid at.
    pub at: OffsetDateTime,
    /// The purpose.
    pub purpose: Purpose,
    /// Accept SHA-1-signed links (security level 0 instead of 2).
    pub allow_sha1: bool,
    /// Most intermediates in a path, not counting self-issued ones (a CA's certificate
    /// for its own new key, RFC 5280 6.1.4 (l)).
    pub max_depth: usize,
    /// Most complete candidates handed to OpenSSL.
    pub max_validations: usize,
    /// Most partial paths explored.
    pub max_partials: usize,
    /// Partial paths kept per search state (same top CA and CAs used).
    pub per_state: usize,
    /// The name the leaf must be for (a TLS server's host name, say), checked by OpenSSL
    /// against its subjectAltName (and name constraints along the path).
    pub peer_name: Option<PeerName>,
    /// CRLs to judge revocation by ([`crate::crl`]): a certificate of the path listed on
    /// its issuer's CRL, or whose issuer's CRL is not one to rely on, fails the path. A
    /// certificate with no CRL here is not checked (online checks are preflight's).
    pub crls: Vec<std::sync::Arc<crate::crl::Crl>>,
    /// The rules held to beyond RFC 5280.
    pub policy: Policy,
}

/// A name a leaf certificate must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerName {
    /// A DNS name (`mdm.example.mil`).
    Dns(String),
    /// An IP address.
    Ip(std::net::IpAddr),
    /// An email address.
    Email(String),
}

impl PeerName {
    /// An IP address when `name` is one, else a DNS name.
    pub fn parse(name: &str) -> PeerName {
        match name.parse() {
            Ok(ip) => PeerName::Ip(ip),
            Err(_) => PeerName::Dns(name.to_string()),
        }
    }

    /// The subjectAltName entry that names this peer, if any: a DNS name equal to it
    /// (ASCII case ignored, a trailing dot too), or a wildcard `*.rest` standing for its
    /// leftmost label, as RFC 9525 6.3 allows (the whole label only, and not a wildcard of
    /// a single label such as `*.mil`); an IP address equal to it; an email address
    /// equal to it. The subject's CN is never consulted (iOS 13 and later).
    pub fn matched_by(&self, san: &crate::San) -> Option<String> {
        match self {
            PeerName::Dns(host) => {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                san.dns.iter().find_map(|d| {
                    let d_lower = d.trim_end_matches('.').to_ascii_lowercase();
                    let matched = match d_lower.strip_prefix("*.") {
                        Some(rest) => {
                            rest.contains('.')
                                && host.split_once('.').is_some_and(|(label, parent)| {
                                    !label.is_empty() && parent == rest
                                })
                        }
                        None => d_lower == host,
                    };
                    matched.then(|| d.clone())
                })
            }
            PeerName::Ip(ip) => san.ip.iter().find(|a| *a == ip).map(ToString::to_string),
            PeerName::Email(email) => san
                .email
                .iter()
                .find(|e| e.eq_ignore_ascii_case(email))
                .cloned(),
        }
    }
}

impl std::fmt::Display for PeerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerName::Dns(n) | PeerName::Email(n) => f.write_str(n),
            PeerName::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl PathOptions {
    /// Defaults: valid `at`, any purpose, SHA-1 refused, up to 100 intermediates (OpenSSL's
    /// verify depth), 512 validations, 20,000 partial paths.
    pub fn new(at: OffsetDateTime) -> PathOptions {
        PathOptions {
            at,
            purpose: Purpose::Any,
            allow_sha1: false,
            max_depth: 100,
            max_validations: 512,
            max_partials: 20_000,
            per_state: 4,
            peer_name: None,
            crls: Vec::new(),
            policy: Policy::Ios,
        }
    }
}

/// A validated path.
#[derive(Debug, Clone)]
pub struct ValidPath {
    /// Leaf first, then the intermediates up to (not including) the anchor.
    pub certificates: Vec<Certificate>,
    /// The trusted certificate the path ends at.
    pub anchor: Certificate,
}

impl ValidPath {
    /// The intermediate or anchor that expires first, and when.
    pub fn earliest_expiry(&self) -> Result<(Certificate, OffsetDateTime), Error> {
        let mut best: Option<(Certificate, OffsetDateTime)> = None;
        for c in &self.certificates[1..] {
            let na = c.facts()?.not_after;
            if best.as_ref().is_none_or(|(_, t)| na < *t) {
                best = Some((c.clone(), na));
            }
        }
        // The anchor last: it wins only when it expires strictly first.
        let anchor = self.anchor.facts()?.not_after;
        Ok(match best {
            Some(b) if b.1 <= anchor => b,
            _ => (self.anchor.clone(), anchor),
        })
    }
}

/// A candidate that did not make it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Subjects' common names (or full subjects), leaf first, anchor last when reached.
    pub path: Vec<String>,
    /// Why.
    pub reason: String,
    /// For a dead end: the issuer (common name) of which no certificate was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_issuer: Option<String>,
}

/// The result of a search.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The best valid path, if any.
    pub best: Option<ValidPath>,
    /// Other valid paths of the same length that lost the tie-break.
    pub other_valid: usize,
    /// Candidates that failed, dead ends, loops.
    pub rejected: Vec<Rejection>,
    /// Complete candidates OpenSSL validated.
    pub validations: usize,
    /// Whether a bound stopped the search early.
    pub bounded: bool,
    /// Which bound, when one did.
    pub bound: Option<Bound>,
}

/// A bound of the search ([`PathOptions`]) that stopped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    /// Paths with more intermediates than this were not tried.
    Depth(usize),
    /// This many partial paths were explored.
    Partials(usize),
    /// This many complete candidates were validated.
    Validations(usize),
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::Depth(n) => write!(f, "{n} intermediates (its depth limit)"),
            Bound::Partials(n) => write!(f, "{n} partial paths (its work limit)"),
            Bound::Validations(n) => write!(f, "{n} validated candidates (its work limit)"),
        }
    }
}

/// A path link expiring in fewer days than this is a warning in the [`Report`]: time to
/// fetch its replacement before devices start refusing the server.
pub const EXPIRY_WARNING_DAYS: i64 = 90;

/// An [`Outcome`] as `pbkit chain build` reports it: the path's certificates, the link
/// that expires first, and every warning.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// A valid path was found.
    pub valid: bool,
    /// The instant the path was judged at (RFC 3339).
    pub at: String,
    /// The purpose it had to serve.
    pub purpose: Purpose,
    /// Leaf first, then the intermediates (the bundle a server sends).
    pub path: Vec<crate::Summary>,
    /// The anchor the path ends at.
    pub anchor: Option<crate::Summary>,
    /// The intermediate or anchor that expires first.
    pub earliest_expiry: Option<Expiry>,
    /// Other valid paths of the same length that lost the tie-break.
    pub other_valid_paths: usize,
    /// Candidates that failed, and why.
    pub rejected: Vec<Rejection>,
    /// Complete candidates OpenSSL validated.
    pub validations: usize,
    /// Whether a bound stopped the search early.
    pub bounded: bool,
    /// What the admin should act on.
    pub warnings: Vec<String>,
}

/// When a path link expires.
#[derive(Debug, Clone, Serialize)]
pub struct Expiry {
    /// Its subject.
    pub subject: String,
    /// Its notAfter (RFC 3339).
    pub not_after: String,
    /// Days from the judged instant.
    pub days: i64,
}

impl Report {
    /// Describes `outcome` as judged with `opts`; `warnings` come first (e.g. pool files
    /// that were skipped), then the expiry and bound warnings of this policy.
    pub fn new(
        outcome: &Outcome,
        opts: &PathOptions,
        mut warnings: Vec<String>,
    ) -> Result<Report, Error> {
        let mut report = Report {
            valid: outcome.best.is_some(),
            at: rfc3339(opts.at),
            purpose: opts.purpose,
            path: Vec::new(),
            anchor: None,
            earliest_expiry: None,
            other_valid_paths: outcome.other_valid,
            rejected: outcome.rejected.clone(),
            validations: outcome.validations,
            bounded: outcome.bounded,
            warnings: Vec::new(),
        };
        if let Some(best) = &outcome.best {
            report.path = best
                .certificates
                .iter()
                .map(|c| c.facts().map(crate::Summary::from))
                .collect::<Result<_, _>>()?;
            report.anchor = Some(best.anchor.facts()?.into());
            let (link, when) = best.earliest_expiry()?;
            let days = (when - opts.at).whole_days();
            let subject = link.facts()?.subject;
            if days < EXPIRY_WARNING_DAYS {
                warnings.push(format!(
                    "{subject} expires in {days} days ({})",
                    rfc3339(when)
                ));
            }
            report.earliest_expiry = Some(Expiry {
                subject,
                not_after: rfc3339(when),
                days,
            });
        }
        if let Some(bound) = outcome.bound {
            warnings.push(format!(
                "the search stopped at {bound}; a path through more candidates may exist"
            ));
        }
        report.warnings = warnings;
        Ok(report)
    }
}

/// The report as `pbkit chain build` prints it: the path by common names, the anchor, the
/// link that expires first, the warnings, and every candidate that failed with why.
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cn = crate::common_name;
        if self.valid {
            let purpose = match self.purpose {
                Purpose::SslServer => "sslserver",
                Purpose::SslClient => "sslclient",
                Purpose::Any => "any",
            };
            let n = self.path.len();
            let certs = if n == 1 {
                "certificate"
            } else {
                "certificates"
            };
            writeln!(
                f,
                "valid path at {} ({n} {certs} + anchor, purpose {purpose}):",
                self.at
            )?;
            for (i, c) in self.path.iter().enumerate() {
                writeln!(
                    f,
                    "  {i} {} (by {}), until {}",
                    cn(&c.subject),
                    cn(&c.issuer),
                    rfc3339(c.not_after)
                )?;
            }
            if let Some(a) = &self.anchor {
                writeln!(f, "  anchor {} (not in the bundle)", cn(&a.subject))?;
            }
            if let Some(e) = &self.earliest_expiry {
                writeln!(
                    f,
                    "earliest-expiring link: {} on {} ({} days)",
                    cn(&e.subject),
                    e.not_after,
                    e.days
                )?;
            }
        } else {
            writeln!(f, "no valid path at {}", self.at)?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if !self.rejected.is_empty() {
            writeln!(f, "{} other candidates failed:", self.rejected.len())?;
            for x in &self.rejected {
                writeln!(f, "  {}: {}", x.path.join(" <- "), x.reason)?;
            }
        }
        Ok(())
    }
}

struct Node {
    cert: Certificate,
    subject: Vec<u8>,
    issuer: Vec<u8>,
    key: Vec<u8>,
    ski: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    valid_at: bool,
    label: String,
    issuer_label: String,
    profile: crate::rfc5280::Profile,
}

impl Node {
    fn new(cert: &Certificate, at: OffsetDateTime, anchor: bool) -> Result<Node, Error> {
        let x = cert.x509();
        let facts = cert.facts()?;
        Ok(Node {
            subject: x.subject_name().to_der()?,
            issuer: x.issuer_name().to_der()?,
            key: x.public_key()?.public_key_to_der()?,
            ski: x.subject_key_id().map(|k| k.as_slice().to_vec()),
            aki: x.authority_key_id().map(|k| k.as_slice().to_vec()),
            not_before: facts.not_before,
            not_after: facts.not_after,
            valid_at: facts.valid_at(at),
            label: crate::common_name(&facts.subject),
            issuer_label: crate::common_name(&facts.issuer),
            profile: crate::rfc5280::Profile::of(cert.der(), anchor),
            cert: cert.clone(),
        })
    }

    /// `CN (by Issuer CN)`, and the validity window when not valid at the search instant.
    fn describe(&self) -> String {
        let mut s = if self.subject == self.issuer {
            self.label.clone()
        } else {
            format!("{} (by {})", self.label, self.issuer_label)
        };
        if !self.valid_at {
            s += &format!(
                " [valid {}..{}]",
                self.not_before.date(),
                self.not_after.date()
            );
        }
        s
    }

    /// Whether `issuer` could have issued `self`: names, key identifiers, signature.
    fn issued_by(&self, issuer: &Node) -> bool {
        if self.issuer != issuer.subject {
            return false;
        }
        if let (Some(aki), Some(ski)) = (&self.aki, &issuer.ski) {
            if aki != ski {
                return false;
            }
        }
        issuer
            .cert
            .x509()
            .public_key()
            .and_then(|k| self.cert.x509().verify(&k))
            .unwrap_or(false)
    }
}

/// Whether `cert` was issued by `issuer`: names match and `issuer`'s key verifies it.
pub fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    issuer.x509().issued(cert.x509()) == openssl::x509::X509VerifyResult::OK
        && issuer
            .x509()
            .public_key()
            .and_then(|k| cert.x509().verify(&k))
            .unwrap_or(false)
}

/// The certificates of `pool` that issue `leaf` and each other upward, leaf excluded,
/// each once: what a signature should carry instead of every certificate it was given.
/// At each step the issuer that is not self-signed wins (a cross-certificate leads on
/// toward a bridge), then the one expiring last; a certificate issued by a subject the
/// path already holds (a reverse cross-certificate) is never taken, and a self-signed
/// one ends the path.
pub fn issuer_chain(leaf: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    let name = |n: &openssl::x509::X509NameRef| n.to_der().unwrap_or_default();
    // Each candidate's names and self-signature, worked out once, not once per step.
    let candidates: Vec<(&Certificate, Vec<u8>, Vec<u8>, bool)> = pool
        .iter()
        .map(|c| {
            let x = c.x509();
            (
                c,
                name(x.subject_name()),
                name(x.issuer_name()),
                c.is_self_signed(),
            )
        })
        .collect();
    let mut seen = vec![name(leaf.x509().subject_name())];
    let mut path: Vec<Certificate> = Vec::new();
    let mut current = leaf;
    loop {
        let best = candidates
            .iter()
            .filter(|(c, subject, issuer, self_signed)| {
                !seen.contains(subject)
                    && (*self_signed || !seen.contains(issuer))
                    && issued_by(current, c)
            })
            .max_by(|a, b| {
                (!a.3).cmp(&!b.3).then_with(|| {
                    let (x, y) = (a.0.x509().not_after(), b.0.x509().not_after());
                    x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal)
                })
            });
        let Some((next, subject, _, self_signed)) = best else {
            break;
        };
        seen.push(subject.clone());
        path.push((*next).clone());
        if *self_signed {
            break;
        }
        current = next;
    }
    path
}

/// Searches `pool` for paths from `leaf` to one of `anchors`.
pub fn build_path(
    leaf: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    opts: &PathOptions,
) -> Result<Outcome, Error> {
    let at = opts.at;
    let leaf = Node::new(leaf, at, false)?;
    let anchor_ders: HashSet<&[u8]> = anchors.iter().map(Certificate::der).collect();
    let mut seen = HashSet::new();
    let mut nodes = Vec::new();
    for c in pool {
        if c.der() == leaf.cert.der()
            || anchor_ders.contains(c.der())
            || !seen.insert(c.der().to_vec())
        {
            continue;
        }
        nodes.push(Node::new(c, at, false)?);
    }
    let anchors: Vec<Node> = anchors
        .iter()
        .map(|a| Node::new(a, at, true))
        .collect::<Result<_, _>>()?;
    // Duplicates (same subject and key) share one id: the CA they stand for.
    let mut ca_ids: HashMap<(&[u8], &[u8]), usize> = HashMap::new();
    let kid: Vec<usize> = (0..nodes.len())
        .map(|i| {
            *ca_ids
                .entry((&nodes[i].subject, &nodes[i].key))
                .or_insert(i)
        })
        .collect();
    // The anchors' own subject-and-key: reaching one is reaching the anchor, not a step.
    let anchor_cas: HashSet<(&[u8], &[u8])> = anchors
        .iter()
        .map(|a| (a.subject.as_slice(), a.key.as_slice()))
        .collect();
    let mut by_subject: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_subject.entry(&n.subject).or_default().push(i);
    }
    // Preferred issuers first: valid at `at`, then the latest notAfter.
    for list in by_subject.values_mut() {
        list.sort_by_key(|&i| (!nodes[i].valid_at, std::cmp::Reverse(nodes[i].not_after)));
    }

    let mut out = Outcome {
        best: None,
        other_valid: 0,
        rejected: Vec::new(),
        validations: 0,
        bounded: false,
        bound: None,
    };
    let mut edge_cache: HashMap<(usize, usize), bool> = HashMap::new();
    let mut frontier: Vec<Vec<usize>> = vec![Vec::new()];
    let mut explored = 0usize;
    let mut dead_ends: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();

    // Candidates cut for depth: when no path is found, the search says so.
    let mut depth_cut = false;
    loop {
        let mut complete: Vec<(Vec<usize>, usize)> = Vec::new();
        let mut next: Vec<Vec<usize>> = Vec::new();
        let mut per_state: HashMap<(usize, &[u8], Vec<usize>), usize> = HashMap::new();
        for partial in &frontier {
            let top = partial.last().map_or(&leaf, |&i| &nodes[i]);
            let used: HashSet<(&[u8], &[u8])> = std::iter::once(&leaf)
                .chain(partial.iter().map(|&i| &nodes[i]))
                .map(|n| (n.subject.as_slice(), n.key.as_slice()))
                .collect();
            let mut progressed = false;
            let mut looped = false;
            for (ai, a) in anchors.iter().enumerate() {
                if top.issued_by(a) {
                    complete.push((partial.clone(), ai));
                    progressed = true;
                }
            }
            for &ci in by_subject
                .get(top.issuer.as_slice())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let cand = &nodes[ci];
                let child = partial.last().copied().unwrap_or(usize::MAX);
                let ok = *edge_cache
                    .entry((child, ci))
                    .or_insert_with(|| top.issued_by(cand));
                if !ok {
                    continue;
                }
                let ca = (cand.subject.as_slice(), cand.key.as_slice());
                if anchor_cas.contains(&ca) {
                    continue; // the anchor itself, by another issuer: handled above
                }
                if used.contains(&ca) {
                    looped = true; // this CA is already on the path
                    continue;
                }
                progressed = true;
                // Partial paths at the same CA, by a certificate of the same issuer, having
                // used the same CAs have the same futures; keep the best few (issuers are
                // tried in preference order). Certificates of one CA by different issuers
                // (cross-certificates) lead to different places and are all kept.
                let mut state: Vec<usize> = partial.iter().map(|&i| kid[i]).collect();
                state.sort_unstable();
                let count = per_state
                    .entry((kid[ci], cand.issuer.as_slice(), state))
                    .or_default();
                if *count >= opts.per_state {
                    continue;
                }
                let mut p = partial.clone();
                p.push(ci);
                let depth = p
                    .iter()
                    .filter(|&&i| nodes[i].subject != nodes[i].issuer)
                    .count();
                if depth > opts.max_depth {
                    depth_cut = true;
                    continue;
                }
                *count += 1;
                next.push(p);
                explored += 1;
                if explored >= opts.max_partials {
                    out.bounded = true;
                    out.bound = Some(Bound::Partials(opts.max_partials));
                    break;
                }
            }
            if !progressed {
                let names = labels(&leaf, partial, &nodes);
                dead_ends.entry(names.join(" <- ")).or_insert_with(|| {
                    if top.subject == top.issuer {
                        let why =
                            format!("{} is a self-signed root, and not one of the anchors", top.label);
                        (why, None)
                    } else if looped {
                        let why = format!("loop: every issuer of {} is already on the path", top.label);
                        (why, None)
                    } else {
                        let why = format!(
                            "dead end: no certificate of {} (the issuer of {}) in the pool or anchors",
                            top.issuer_label, top.label
                        );
                        (why, Some(top.issuer_label.clone()))
                    }
                });
            }
        }

        let mut valid: Vec<ValidPath> = Vec::new();
        for (partial, ai) in complete {
            if out.validations >= opts.max_validations {
                out.bounded = true;
                out.bound = Some(Bound::Validations(opts.max_validations));
                break;
            }
            out.validations += 1;
            let mut names = labels(&leaf, &partial, &nodes);
            names.push(format!("{} (anchor)", anchors[ai].label));
            match validate(&leaf, &partial, &nodes, &anchors[ai], opts)? {
                Ok(()) => valid.push(ValidPath {
                    certificates: std::iter::once(&leaf)
                        .chain(partial.iter().map(|&i| &nodes[i]))
                        .map(|n| n.cert.clone())
                        .collect(),
                    anchor: anchors[ai].cert.clone(),
                }),
                Err(reason) => out.rejected.push(Rejection {
                    path: names,
                    reason,
                    missing_issuer: None,
                }),
            }
        }
        if !valid.is_empty() {
            let mut scored = valid
                .into_iter()
                .map(|p| p.earliest_expiry().map(|(_, t)| (t, p)))
                .collect::<Result<Vec<_>, _>>()?;
            scored.sort_by_key(|s| std::cmp::Reverse(s.0));
            out.other_valid = scored.len() - 1;
            out.best = Some(scored.swap_remove(0).1);
            break;
        }
        if next.is_empty() || out.bounded {
            break;
        }
        frontier = next;
    }
    if out.best.is_none() && !out.bounded && depth_cut {
        // Longer candidates exist: say so rather than report "no path".
        out.bounded = true;
        out.bound = Some(Bound::Depth(opts.max_depth));
    }
    out.rejected.extend(
        dead_ends
            .into_iter()
            .map(|(p, (reason, missing_issuer))| Rejection {
                path: p.split(" <- ").map(str::to_string).collect(),
                reason,
                missing_issuer,
            }),
    );
    Ok(out)
}

/// The path judged by the given CRLs: each certificate against every CRL of its issuer
/// (the next in the path); the anchor is trusted as it is.
fn revocation(path: &[&Node], opts: &PathOptions) -> Result<(), String> {
    use crate::crl::Status;
    for pair in path.windows(2) {
        let (cert, issuer) = (pair[0], pair[1]);
        for crl in &opts.crls {
            match crl.status(&cert.cert, &issuer.cert, opts.at) {
                Status::NotTheIssuers(_) | Status::Good => {}
                Status::Revoked(when) => {
                    return Err(format!(
                        "certificate revoked on {when} by {} (at {})",
                        crl.origin, cert.label
                    ))
                }
                Status::Unusable(why) => {
                    return Err(format!(
                        "{}, {}'s CRL, cannot be relied on: {why} (at {})",
                        crl.origin, issuer.label, cert.label
                    ))
                }
            }
        }
    }
    Ok(())
}

fn labels(leaf: &Node, partial: &[usize], nodes: &[Node]) -> Vec<String> {
    std::iter::once(leaf.label.clone())
        .chain(partial.iter().map(|&i| nodes[i].describe()))
        .collect()
}

/// The verdict on exactly this path to exactly this anchor: first the RFC 5280 rules
/// OpenSSL lets through ([`crate::rfc5280`]), then OpenSSL's, with validity periods
/// judged by pbkit as RFC 5280 §4.1.2.5 says: notBefore and notAfter both inclusive
/// (OpenSSL counts a certificate as expired at its notAfter second).
fn validate(
    leaf: &Node,
    partial: &[usize],
    nodes: &[Node],
    anchor: &Node,
    opts: &PathOptions,
) -> Result<Result<(), String>, Error> {
    let path = || {
        std::iter::once(leaf)
            .chain(partial.iter().map(|&i| &nodes[i]))
            .chain(std::iter::once(anchor))
    };
    if let Some(n) = path().find(|n| n.profile.flaw.is_some()) {
        let flaw = n.profile.flaw.as_deref().unwrap_or_default();
        return Ok(Err(format!("{flaw} (at {})", n.label)));
    }
    if opts.policy == Policy::Ios {
        if let Some(n) = path().find(|n| n.profile.nc_noncritical) {
            return Ok(Err(format!(
                "name constraints not marked critical (RFC 5280 4.2.1.10) (at {})",
                n.label
            )));
        }
    }
    if opts.policy == Policy::WebPki {
        let last = partial.len() + 1;
        for (i, n) in path().enumerate() {
            let role = match i {
                0 => crate::webpki::Role::Leaf,
                i if i == last => crate::webpki::Role::Root,
                _ => crate::webpki::Role::Intermediate,
            };
            if let Some(flaw) = crate::webpki::flaw(n.cert.der(), role) {
                return Ok(Err(format!("web PKI: {flaw} (at {})", n.label)));
            }
        }
    }
    for base in &leaf.profile.wildcard_bases {
        let excluded = path()
            .skip(1)
            .flat_map(|ca| ca.profile.excluded_dns.iter().map(move |e| (ca, e)))
            .find(|(_, e)| crate::rfc5280::wildcard_reaches_excluded(base, e));
        if let Some((ca, e)) = excluded {
            return Ok(Err(format!(
                "subjectAltName *.{base} names {e}, which {} excludes (at {})",
                ca.label, leaf.label
            )));
        }
    }
    if let Some(cn) = &leaf.profile.cn_dns {
        if let Some(ca) = path().skip(1).find(|ca| ca.profile.refuses_dns(cn)) {
            return Ok(Err(format!(
                "subject CN {cn} (no subjectAltName) is outside {}'s name constraints (at {})",
                ca.label, leaf.label
            )));
        }
    }
    // Certificate times are whole seconds: the notAfter second is valid throughout.
    let at = opts.at.replace_nanosecond(0).unwrap_or(opts.at);
    for n in path() {
        if at < n.not_before {
            return Ok(Err(format!(
                "certificate is not yet valid (at {})",
                n.label
            )));
        }
        if at > n.not_after {
            return Ok(Err(format!("certificate has expired (at {})", n.label)));
        }
    }
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(anchor.cert.x509().to_owned())?;
    let mut param = X509VerifyParam::new()?;
    param.set_flags(
        X509VerifyFlags::X509_STRICT
            | X509VerifyFlags::PARTIAL_CHAIN
            | X509VerifyFlags::NO_CHECK_TIME,
    )?;
    // No set_time: OpenSSL's check time would override NO_CHECK_TIME; times are pbkit's.
    param.set_auth_level(if opts.allow_sha1 { 0 } else { 2 });
    param.set_depth((partial.len() + 2) as i32);
    // A host name is matched against the subjectAltName only, never the subject's CN:
    // iOS and every browser stopped trusting CN names (Apple: iOS 13).
    param.set_hostflags(openssl::x509::verify::X509CheckFlags::NEVER_CHECK_SUBJECT);
    match &opts.peer_name {
        Some(PeerName::Dns(host)) => param.set_host(host)?,
        Some(PeerName::Ip(ip)) => param.set_ip(*ip)?,
        Some(PeerName::Email(email)) => param.set_email(email)?,
        None => {}
    }
    param.set_purpose(match opts.purpose {
        Purpose::SslServer => X509PurposeId::SSL_SERVER,
        Purpose::SslClient => X509PurposeId::SSL_CLIENT,
        Purpose::Any => X509PurposeId::ANY,
    })?;
    store.set_param(&param)?;
    let store = store.build();
    let mut untrusted = Stack::<X509>::new()?;
    for &i in partial {
        untrusted.push(nodes[i].cert.x509().to_owned())?;
    }
    let mut ctx = X509StoreContext::new()?;
    let result = ctx.init(&store, leaf.cert.x509(), &untrusted, |c| {
        let ok = c.verify_cert()?;
        Ok((ok, c.error(), c.error_depth() as usize))
    })?;
    Ok(match result {
        (true, _, _) => revocation(&path().collect::<Vec<_>>(), opts),
        (false, err, depth) => {
            let at = match depth {
                0 => leaf.label.clone(),
                d if d <= partial.len() => nodes[partial[d - 1]].label.clone(),
                _ => anchor.label.clone(),
            };
            Err(format!("{} (at {at})", err.error_string()))
        }
    })
}
