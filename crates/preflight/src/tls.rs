//! Probing a TLS endpoint: versions, TLS 1.2 cipher suites, the chain as sent.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use pbkit_pki::common_name;
use pbkit_pki::path::{build_path, PathOptions, PeerName, ValidPath};
use pbkit_pki::{Certificate, Facts, Summary};
use serde::Serialize;
use time::OffsetDateTime;

use crate::ios::{self, Rule, Verdict};
use crate::revocation::{check_path, RevocationOptions, RevocationReport};
use crate::starttls::StartTls;
use crate::Error;

/// `HOST[:PORT]`, and the name to send in SNI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// Port (default 443).
    pub port: u16,
    /// SNI server name (default: the host).
    pub servername: Option<String>,
}

impl Target {
    /// Parses `HOST`, `HOST:PORT` or `[IPv6]:PORT`.
    pub fn parse(s: &str) -> Result<Target, Error> {
        let bad = || Error::BadTarget(s.to_string());
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest.split_once(']').ok_or_else(bad)?;
            (
                h.to_string(),
                p.strip_prefix(':')
                    .map(str::parse)
                    .transpose()
                    .map_err(|_| bad())?,
            )
        } else {
            match s.rsplit_once(':') {
                Some((h, p)) if !h.contains(':') => {
                    (h.to_string(), Some(p.parse().map_err(|_| bad())?))
                }
                _ => (s.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(bad());
        }
        Ok(Target {
            host,
            port: port.unwrap_or(443),
            servername: None,
        })
    }

    fn sni(&self) -> &str {
        self.servername.as_deref().unwrap_or(&self.host)
    }
}

/// What to check against.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// The most the whole probe may take (every connection together): a server that
    /// answers one byte at a time, each within `timeout`, is cut off here.
    pub deadline: Duration,
    /// Anchors the sent chain should reach.
    pub anchors: Vec<Certificate>,
    /// Certificates pbkit may add to complete a path.
    pub pool: Vec<Certificate>,
    /// The instant to judge validity at.
    pub at: OffsetDateTime,
    /// Check the path's revocation (CRLs and OCSP) when a path to an anchor is found.
    pub revocation: bool,
}

impl Default for TlsOptions {
    fn default() -> TlsOptions {
        TlsOptions {
            timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
            anchors: Vec::new(),
            pool: Vec::new(),
            at: OffsetDateTime::now_utc(),
            revocation: true,
        }
    }
}

/// One protocol version, tried on its own.
#[derive(Debug, Clone, Serialize)]
pub struct VersionResult {
    /// `TLS 1.0` … `TLS 1.3`.
    pub version: &'static str,
    /// Whether the handshake completed.
    pub accepted: bool,
    /// Why not, or the cipher negotiated.
    pub detail: String,
}

/// `TLS 1.2  accepted  TLSv1.2 with ECDHE-RSA-AES256-GCM-SHA384`, as reports print it.
impl std::fmt::Display for VersionResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = if self.accepted { "accepted" } else { "refused" };
        write!(f, "{:<8} {word:<9} {}", self.version, self.detail)
    }
}

/// One certificate of the chain as sent.
#[derive(Debug, Clone, Serialize)]
pub struct SentCertificate {
    /// Its facts.
    #[serde(flatten)]
    pub certificate: Summary,
    /// Valid at the probe's instant.
    pub valid: bool,
}

/// Whether the sent chain reaches one anchor.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorResult {
    /// The anchor's subject.
    pub anchor: String,
    /// Whether the sent certificates alone make a valid path to it.
    pub sent_chain_reaches: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    /// With the pool: the path pbkit would have the server send (leaf first).
    pub path_with_pool: Option<Vec<Summary>>,
    /// With the pool: the certificates of that path the server does not send.
    pub missing: Vec<String>,
}

/// Everything a TLS probe found.
#[derive(Debug, Clone, Serialize)]
pub struct TlsReport {
    /// `host:port`.
    pub target: String,
    /// Set when nothing could be learned (no TCP connection at all).
    pub error: Option<String>,
    /// Each version, tried on its own.
    pub versions: Vec<VersionResult>,
    /// TLS 1.2 cipher suites the server accepts (OpenSSL names), in the server's order.
    pub tls12_ciphers: Vec<String>,
    /// Accepted TLS 1.2 suites that are weak, with what is weak about each.
    pub weak_tls12_ciphers: Vec<WeakSuite>,
    /// App Transport Security is met: TLS 1.3, or TLS 1.2 with one of its ECDHE suites.
    pub ats: bool,
    /// The name a device connects to (`--servername`, else the host).
    pub name: String,
    /// Apple's rules for the leaf and the issuing CAs sent (iOS 13 and later).
    pub ios: Vec<Rule>,
    /// The revocation of the path found to the first anchor reached (sent, else with the
    /// pool), when checked.
    pub revocation: Option<RevocationReport>,
    /// The chain exactly as sent, leaf first.
    pub chain: Vec<SentCertificate>,
    /// Problems with the chain as sent: order, duplicates, missing links, expiry.
    pub chain_problems: Vec<String>,
    /// Per anchor: reached or not, and what pbkit would add.
    pub anchors: Vec<AnchorResult>,
    /// One-line conclusions.
    pub verdicts: Vec<String>,
}

/// An accepted TLS 1.2 suite that is weak.
#[derive(Debug, Clone, Serialize)]
pub struct WeakSuite {
    /// OpenSSL's name.
    pub suite: String,
    /// What is weak about it (`no forward secrecy`, `CBC with SHA-1`, `3DES`, …).
    pub weaknesses: Vec<&'static str>,
}

const VERSIONS: [(SslVersion, &str); 4] = [
    (SslVersion::TLS1, "TLS 1.0"),
    (SslVersion::TLS1_1, "TLS 1.1"),
    (SslVersion::TLS1_2, "TLS 1.2"),
    (SslVersion::TLS1_3, "TLS 1.3"),
];

/// Every TLS 1.2-and-older cipher OpenSSL knows, at security level 0.
const ALL_CIPHERS: &str = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";

struct Handshake {
    version: String,
    cipher: String,
    chain: Vec<Certificate>,
}

/// A TCP stream that refuses to read or write past the probe's deadline, and never waits
/// longer than what is left of it.
#[derive(Debug)]
struct Bounded {
    stream: TcpStream,
    timeout: Duration,
    end: Instant,
    /// The first bytes the server sent: enough to tell TLS from anything else.
    first: Vec<u8>,
    /// A read waited its whole timeout.
    timed_out: bool,
}

/// What a server answered to a ClientHello it did not complete a handshake for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// TLS records (an alert, say).
    Tls,
    /// Something else, starting with these bytes.
    NotTls(Vec<u8>),
    /// Nothing within the timeout.
    Silent,
    /// Nothing: the connection was closed or reset.
    Closed,
}

impl Bounded {
    fn answer(&self) -> Answer {
        match self.first.as_slice() {
            // A TLS record: content type 20 to 23, then major version 3.
            [20..=23, 3, ..] => Answer::Tls,
            [_, ..] => Answer::NotTls(self.first.clone()),
            [] if self.timed_out => Answer::Silent,
            [] => Answer::Closed,
        }
    }
}

impl Bounded {
    fn left(&self) -> std::io::Result<Duration> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the probe's deadline passed",
            ));
        }
        Ok(left.min(self.timeout))
    }
}

impl std::io::Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let wait = self.left()?;
        self.stream.set_read_timeout(Some(wait))?;
        match self.stream.read(buf) {
            Ok(n) => {
                let keep = n.min(64usize.saturating_sub(self.first.len()));
                self.first.extend_from_slice(&buf[..keep]);
                Ok(n)
            }
            Err(e) => {
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) {
                    self.timed_out = true;
                }
                Err(e)
            }
        }
    }
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let wait = self.left()?;
        self.stream.set_write_timeout(Some(wait))?;
        self.stream.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// One endpoint being probed: where, how (TLS from the first byte, or after a STARTTLS
/// exchange), each connection's timeout and the whole probe's end.
pub(crate) struct Probe<'a> {
    addr: SocketAddr,
    target: &'a Target,
    timeout: Duration,
    pub(crate) end: Instant,
    starttls: Option<StartTls>,
}

impl<'a> Probe<'a> {
    /// Resolves `target` and makes sure it takes TCP connections: a report's error when
    /// not.
    pub(crate) fn open(
        target: &'a Target,
        timeout: Duration,
        deadline: Duration,
        starttls: Option<StartTls>,
    ) -> Result<Probe<'a>, String> {
        let shown = format!("{}:{}", target.host, target.port);
        let addr = match (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map(|mut a| a.next())
        {
            Ok(Some(a)) => a,
            Ok(None) | Err(_) => return Err(format!("cannot resolve {}", target.host)),
        };
        if let Err(e) = TcpStream::connect_timeout(&addr, timeout) {
            return Err(format!("no TCP connection to {shown}: {e}"));
        }
        Ok(Probe {
            addr,
            target,
            timeout,
            end: Instant::now() + deadline,
            starttls,
        })
    }

    /// Each version tried on its own: the results, the chain the first accepted one
    /// brought, and what the server answered to the others.
    pub(crate) fn versions(&self) -> (Vec<VersionResult>, Vec<Certificate>, Vec<Answer>) {
        let (mut results, mut chain, mut answers) = (Vec::new(), Vec::new(), Vec::new());
        for (v, name) in VERSIONS {
            match self.connect(v, ALL_CIPHERS) {
                Ok(h) => {
                    if chain.is_empty() {
                        chain = h.chain;
                    }
                    results.push(VersionResult {
                        version: name,
                        accepted: true,
                        detail: format!("{} with {}", h.version, h.cipher),
                    });
                }
                Err(e) => {
                    answers.extend(e.answer);
                    results.push(VersionResult {
                        version: name,
                        accepted: false,
                        detail: e.detail,
                    });
                }
            }
        }
        (results, chain, answers)
    }

    /// The TLS 1.2 suites the server accepts, in its order of preference: offer all, note
    /// the server's pick, exclude it, repeat.
    pub(crate) fn tls12_suites(&self) -> Vec<String> {
        let mut suites: Vec<String> = Vec::new();
        let mut offer = ALL_CIPHERS.to_string();
        while let Ok(h) = self.connect(SslVersion::TLS1_2, &offer) {
            if h.cipher.is_empty() || suites.contains(&h.cipher) || suites.len() > 200 {
                break;
            }
            offer = format!("{offer}:!{}", h.cipher);
            suites.push(h.cipher);
        }
        suites
    }

    fn connect(&self, version: SslVersion, ciphers: &str) -> Result<Handshake, Failure> {
        let (addr, target, timeout, end) = (&self.addr, self.target, self.timeout, self.end);
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::local(DEADLINE));
        }
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(Failure::local)?;
        // Old versions and weak ciphers must be offered to be detected.
        b.set_security_level(0);
        b.set_min_proto_version(Some(version))
            .map_err(Failure::local)?;
        b.set_max_proto_version(Some(version))
            .map_err(Failure::local)?;
        b.set_cipher_list(ciphers).map_err(Failure::local)?;
        b.set_verify(SslVerifyMode::NONE);
        let connector = b.build();
        let stream = TcpStream::connect_timeout(addr, timeout.min(left))
            .map_err(|e| Failure::local(format!("TCP: {e}")))?;
        let stream = Bounded {
            stream,
            timeout,
            end,
            first: Vec::new(),
            timed_out: false,
        };
        let mut stream = stream;
        if let Some(protocol) = self.starttls {
            protocol.negotiate(&mut stream).map_err(Failure::local)?;
        }
        let mut cfg = connector.configure().map_err(Failure::local)?;
        cfg.set_verify_hostname(false);
        let ssl = cfg
            .connect(target.sni(), stream)
            .map_err(|e| handshake_error(&e))?;
        let s = ssl.ssl();
        let chain = s
            .peer_cert_chain()
            .map(|c| {
                c.iter()
                    .filter_map(|x| Certificate::from_x509(x.to_owned()).ok())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Handshake {
            version: s.version_str().to_string(),
            cipher: s
                .current_cipher()
                .map(|c| c.name().to_string())
                .unwrap_or_default(),
            chain,
        })
    }
}

/// What a connection attempted after the deadline says.
const DEADLINE: &str = "not tried: the probe's deadline passed";

/// A connection that did not complete a handshake: why, and what the server answered.
struct Failure {
    detail: String,
    answer: Option<Answer>,
}

impl Failure {
    /// A failure on this side, before the server had a say.
    fn local(e: impl std::fmt::Display) -> Failure {
        Failure {
            detail: e.to_string(),
            answer: None,
        }
    }
}

fn handshake_error(e: &openssl::ssl::HandshakeError<Bounded>) -> Failure {
    let text = e.to_string();
    match e {
        openssl::ssl::HandshakeError::Failure(m) | openssl::ssl::HandshakeError::WouldBlock(m) => {
            let detail = match m.error().ssl_error() {
                Some(stack) => stack
                    .errors()
                    .iter()
                    .rev()
                    .find_map(|x| x.reason().map(str::to_string))
                    .unwrap_or(text),
                None => m.error().io_error().map_or(text, |io| io.to_string()),
            };
            let mut answer = m.get_ref().answer();
            if let Answer::NotTls(bytes) = &mut answer {
                // OpenSSL read a record header's worth; a little more names the protocol.
                let mut more = [0u8; 59];
                let stream = &m.get_ref().stream;
                if stream
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .is_ok()
                {
                    if let Ok(n) = std::io::Read::read(&mut &*stream, &mut more) {
                        bytes.extend_from_slice(&more[..n]);
                    }
                }
            }
            Failure {
                detail,
                answer: Some(answer),
            }
        }
        openssl::ssl::HandshakeError::SetupFailure(_) => Failure::local(text),
    }
}

/// Probes `target`. Never hangs: every connection is bounded by `opts.timeout`.
/// The report as `pbkit preflight tls` prints it.
impl std::fmt::Display for TlsReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.target)?;
        if let Some(e) = &self.error {
            writeln!(f, "  error: {e}")?;
        }
        for v in &self.versions {
            writeln!(f, "  {v}")?;
        }
        if !self.tls12_ciphers.is_empty() {
            writeln!(
                f,
                "  TLS 1.2 cipher suites ({}): {}",
                self.tls12_ciphers.len(),
                self.tls12_ciphers.join(", ")
            )?;
        }
        for (i, c) in self.chain.iter().enumerate() {
            writeln!(
                f,
                "  sent #{i} {} (until {}){}",
                c.certificate.subject,
                c.certificate.not_after.date(),
                if c.valid { "" } else { " NOT VALID" }
            )?;
        }
        for w in &self.weak_tls12_ciphers {
            writeln!(f, "  weak suite {}: {}", w.suite, w.weaknesses.join(", "))?;
        }
        for p in &self.chain_problems {
            writeln!(f, "  problem: {p}")?;
        }
        for x in &self.ios {
            let word = match x.verdict {
                Verdict::Pass => "pass",
                Verdict::Fail => "FAIL",
                Verdict::Note => "note",
            };
            writeln!(f, "  iOS {word:<4} {}: {}", x.rule, x.detail)?;
        }
        if let Some(r) = &self.revocation {
            write!(f, "{r}")?;
        }
        for x in &self.anchors {
            if let Some(reason) = &x.reason {
                writeln!(f, "  {}: {reason}", x.anchor)?;
            }
        }
        for v in &self.verdicts {
            writeln!(f, "{v}")?;
        }
        Ok(())
    }
}

impl TlsReport {
    /// Every check passed: the host answered, TLS 1.2 is accepted, the sent chain has no
    /// problem and reaches every anchor given, the leaf meets Apple's rules for the name
    /// devices use, and App Transport Security is met. Weak suites are warnings.
    pub fn passed(&self) -> bool {
        self.error.is_none()
            && self
                .versions
                .iter()
                .any(|v| v.version == "TLS 1.2" && v.accepted)
            && self.chain_problems.is_empty()
            && self.anchors.iter().all(|x| x.sent_chain_reaches)
            && self.ats
            && self.ios.iter().all(|x| x.verdict != Verdict::Fail)
            && self
                .revocation
                .as_ref()
                .is_none_or(RevocationReport::passed)
    }
}

/// Probes `target`: each TLS version on its own, the TLS 1.2 cipher suites, the chain as
/// sent and its paths to the anchors. A host that does not answer is a report with an
/// error, not an `Err`.
pub fn probe_tls(target: &Target, opts: &TlsOptions) -> TlsReport {
    let mut report = TlsReport {
        target: format!("{}:{}", target.host, target.port),
        error: None,
        versions: Vec::new(),
        tls12_ciphers: Vec::new(),
        weak_tls12_ciphers: Vec::new(),
        ats: false,
        name: target.sni().to_string(),
        ios: Vec::new(),
        revocation: None,
        chain: Vec::new(),
        chain_problems: Vec::new(),
        anchors: Vec::new(),
        verdicts: Vec::new(),
    };
    let probe = match Probe::open(target, opts.timeout, opts.deadline, None) {
        Ok(p) => p,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let end = probe.end;
    let (versions, chain, answers) = probe.versions();
    report.versions = versions;
    // No version accepted and no TLS answer: not a TLS server refusing versions, but
    // something else, or nothing, on that port.
    if report.versions.iter().all(|v| !v.accepted) && Instant::now() < end {
        if let Some(e) = not_tls(&answers, opts.timeout) {
            report.error = Some(e);
            report.versions.clear();
            return report;
        }
    }
    if report
        .versions
        .iter()
        .any(|v| v.version == "TLS 1.2" && v.accepted)
    {
        report.tls12_ciphers = probe.tls12_suites();
    }
    report.weak_tls12_ciphers = report
        .tls12_ciphers
        .iter()
        .map(|c| WeakSuite {
            suite: c.clone(),
            weaknesses: ios::weaknesses(c),
        })
        .filter(|w| !w.weaknesses.is_empty())
        .collect();
    report.ats = report
        .versions
        .iter()
        .any(|v| v.version == "TLS 1.3" && v.accepted)
        || report.tls12_ciphers.iter().any(|c| ios::ats_suite(c));

    if Instant::now() >= end {
        report.error = Some(format!(
            "stopped at the deadline of {} s: the results are partial (the server is slow, or \
             stalls on purpose)",
            opts.deadline.as_secs()
        ));
    }
    let path = analyse_chain(&mut report, &chain, opts);
    if let (true, Some(path)) = (opts.revocation, path) {
        let left = end.saturating_duration_since(Instant::now());
        let ropts = RevocationOptions {
            timeout: opts.timeout,
            deadline: left,
        };
        report.revocation = Some(check_path(&path.certificates, &path.anchor, &ropts));
    }
    verdicts(&mut report);
    report
}

/// What a server that completed no handshake is, when it is not a TLS server: `None`
/// when it answered in TLS (refusing every version, which the versions report).
pub(crate) fn not_tls(answers: &[Answer], timeout: Duration) -> Option<String> {
    if answers.contains(&Answer::Tls) || answers.is_empty() {
        return None;
    }
    if let Some(Answer::NotTls(bytes)) = answers.iter().find(|a| matches!(a, Answer::NotTls(_))) {
        let text: String = String::from_utf8_lossy(bytes)
            .chars()
            .take_while(|c| *c != '\r' && *c != '\n')
            .map(|c| if c.is_control() { '.' } else { c })
            .take(40)
            .collect();
        return Some(format!(
            "not a TLS server: it answered {text:?} to a TLS ClientHello"
        ));
    }
    Some(if answers.iter().all(|a| *a == Answer::Silent) {
        format!(
            "timed out: the TCP connection opened, but nothing answered the TLS ClientHello \
             within {} s",
            timeout.as_secs_f64()
        )
    } else {
        "not a TLS server: it closed the connection without a TLS answer".to_string()
    })
}

/// Analyses the chain as sent; returns the path found to the first anchor reached (the
/// sent one, else the one with the pool).
fn analyse_chain(
    report: &mut TlsReport,
    chain: &[Certificate],
    opts: &TlsOptions,
) -> Option<ValidPath> {
    let mut found: Option<ValidPath> = None;
    let cn = |c: &Certificate| {
        c.facts()
            .map(|f| common_name(&f.subject))
            .unwrap_or_default()
    };
    for (i, c) in chain.iter().enumerate() {
        let Ok(f) = c.facts() else { continue };
        let valid = f.valid_at(opts.at);
        if !valid {
            report.chain_problems.push(format!(
                "#{i} {} is not valid at the probe time (valid {}..{})",
                common_name(&f.subject),
                f.not_before.date(),
                f.not_after.date()
            ));
        }
        if chain[..i].contains(c) {
            report
                .chain_problems
                .push(format!("#{i} {} is sent twice", common_name(&f.subject)));
        }
        if f.self_signed && i > 0 {
            report.chain_problems.push(format!(
                "#{i} {} is a self-signed root: sending it is unnecessary",
                common_name(&f.subject)
            ));
        }
        report.chain.push(SentCertificate {
            certificate: f.into(),
            valid,
        });
    }
    for (i, pair) in chain.windows(2).enumerate() {
        let issued = pair[1].x509().issued(pair[0].x509()) == openssl::x509::X509VerifyResult::OK;
        if !issued {
            report.chain_problems.push(format!(
                "#{} {} is not the issuer of #{i} {}: out of order or unrelated",
                i + 1,
                cn(&pair[1]),
                cn(&pair[0])
            ));
        }
    }
    if let Some(last) = chain.last() {
        if let Ok(f) = last.facts() {
            let ok = openssl::x509::X509VerifyResult::OK;
            let anchored = opts
                .anchors
                .iter()
                .any(|a| a.x509().issued(last.x509()) == ok || a == last);
            if !f.self_signed
                && !anchored
                && !chain.iter().any(|c| c.x509().issued(last.x509()) == ok)
            {
                report.chain_problems.push(format!(
                    "the chain ends at {}, whose issuer {} is not sent",
                    common_name(&f.subject),
                    common_name(&f.issuer)
                ));
            }
        }
    }
    let leaf = chain.first()?;
    if let Ok(leaf_facts) = leaf.facts() {
        let cas: Vec<Facts> = chain[1..].iter().filter_map(|c| c.facts().ok()).collect();
        let name = PeerName::parse(&report.name);
        report.ios = ios::certificate_rules(&leaf_facts, &cas, Some(&name));
    }
    for anchor in &opts.anchors {
        let mut po = PathOptions::new(opts.at);
        po.purpose = pbkit_pki::path::Purpose::SslServer;
        let sent = build_path(leaf, &chain[1..], std::slice::from_ref(anchor), &po);
        let anchor_name = anchor
            .facts()
            .map(|f| common_name(&f.subject))
            .unwrap_or_default();
        if let (None, Ok(o)) = (&found, &sent) {
            found = o.best.clone();
        }
        let (reaches, reason) = match &sent {
            Ok(o) if o.best.is_some() => (true, None),
            Ok(o) => (
                false,
                o.rejected.first().map(|r| {
                    let path = r.path.join(" <- ");
                    match (&r.missing_issuer, r.path.last()) {
                        // Only the sent certificates were searched: say what is not sent.
                        (Some(issuer), Some(top)) => format!(
                            "{path}: dead end: the server does not send {issuer}, the issuer \
                             of {}",
                            top.split(" (by ").next().unwrap_or(top)
                        ),
                        _ => format!("{path}: {}", r.reason),
                    }
                }),
            ),
            Err(e) => (false, Some(e.to_string())),
        };
        let mut result = AnchorResult {
            anchor: anchor_name,
            sent_chain_reaches: reaches,
            reason,
            path_with_pool: None,
            missing: Vec::new(),
        };
        if !opts.pool.is_empty() {
            let pool: Vec<Certificate> = chain[1..].iter().chain(&opts.pool).cloned().collect();
            if let Ok(o) = build_path(leaf, &pool, std::slice::from_ref(anchor), &po) {
                if let Some(best) = o.best {
                    found = found.or_else(|| Some(best.clone()));
                    result.missing = best
                        .certificates
                        .iter()
                        .filter(|c| !chain.contains(c))
                        .map(cn)
                        .collect();
                    result.path_with_pool = Some(
                        best.certificates
                            .iter()
                            .filter_map(|c| c.facts().ok().map(Summary::from))
                            .collect(),
                    );
                }
            }
        }
        report.anchors.push(result);
    }
    found
}

fn verdicts(r: &mut TlsReport) {
    let accepted = |v: &str| r.versions.iter().any(|x| x.version == v && x.accepted);
    let yes = |b: bool| if b { "yes" } else { "no" };
    let mut out = vec![format!(
        "TLS 1.2 available (Ivanti EPMM requirement): {}",
        yes(accepted("TLS 1.2"))
    )];
    out.push(format!("TLS 1.3 available: {}", yes(accepted("TLS 1.3"))));
    let old: Vec<&str> = ["TLS 1.0", "TLS 1.1"]
        .into_iter()
        .filter(|v| accepted(v))
        .collect();
    out.push(if old.is_empty() {
        "TLS 1.0/1.1 refused: yes".to_string()
    } else {
        format!(
            "TLS 1.0/1.1 refused: no ({} accepted; disable them)",
            old.join(", ")
        )
    });
    let problems = match r.chain_problems.len() {
        0 => "no problems".to_string(),
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    };
    out.push(format!(
        "chain as sent: {} certificates, {problems}",
        r.chain.len()
    ));
    if !r.ios.is_empty() {
        let failed: Vec<&str> = r
            .ios
            .iter()
            .filter(|x| x.verdict == Verdict::Fail)
            .map(|x| x.rule)
            .collect();
        out.push(if failed.is_empty() {
            "iOS certificate requirements: met".to_string()
        } else {
            format!(
                "iOS certificate requirements: not met ({})",
                failed.join("; ")
            )
        });
    }
    out.push(format!(
        "App Transport Security (TLS 1.2+ with forward secrecy): {}",
        if r.ats { "met" } else { "not met" }
    ));
    if let Some(rev) = &r.revocation {
        out.push(rev.verdict());
    }
    if !r.weak_tls12_ciphers.is_empty() {
        out.push(format!(
            "weak TLS 1.2 suites accepted: {} (warnings; disable them where the server allows)",
            r.weak_tls12_ciphers.len()
        ));
    }
    for a in &r.anchors {
        out.push(format!(
            "sent chain reaches {}: {}",
            a.anchor,
            yes(a.sent_chain_reaches)
        ));
        if let Some(p) = &a.path_with_pool {
            if !a.missing.is_empty() {
                out.push(format!(
                    "with the pool, pbkit would send {} certificates; add: {}",
                    p.len(),
                    a.missing.join(", ")
                ));
            }
        }
    }
    r.verdicts = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(Target::parse("mdm.example.mil").unwrap().port, 443);
        assert_eq!(Target::parse("mdm.example.mil:8443").unwrap().port, 8443);
        let v6 = Target::parse("[::1]:7443").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 7443));
        for bad in [":443", "host:notaport"] {
            assert!(
                matches!(Target::parse(bad), Err(crate::Error::BadTarget(t)) if t == bad),
                "{bad}"
            );
        }
    }
}
