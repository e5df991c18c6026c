use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use pbkit_pki::bundle;
use pbkit_pki::path::{build_path, PathOptions, Report};
use pbkit_preflight::outgoing::{probe_outgoing, OutgoingTarget};
use pbkit_preflight::revocation::{self, RevocationOptions};
use pbkit_preflight::StartTls;
use pbkit_preflight::{
    all_open, check_ports, port_table, probe_tls, PortsReport, Product, Target, TlsOptions,
};

use crate::out::outln;
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum PreflightCommand {
    /// Probe a TLS server as an iPhone judges it: name, Apple's rules, ATS, chain, revocation.
    #[command(after_help = "\
Each protocol version is tried on its own; TLS 1.2 cipher suites are enumerated by offering
all of OpenSSL's and excluding each one the server picks (weak ones named). The leaf must
carry the name devices use (--servername, else HOST) in its subjectAltName, and meet
Apple's iOS 13 rules; App Transport Security must be met; the path found is checked for
revocation (CRLs, OCSP) unless --no-revocation. Every connection has --timeout, and the
whole probe --deadline.

Exit codes: 0 every check passed (TLS 1.2, ATS, the iOS rules, no chain problem, every
--anchor reached, no revoked or unverifiable revocation answer), 1 a check failed or the
host did not answer, 2 usage.

Examples:
  pbkit preflight tls mdm.example.mil --anchor fcpca-g2.pem
  pbkit preflight tls mdm.example.mil:8443 --servername mdm.example.mil \\
      --anchor fcpca-g2.pem --pool fpki/ --json")]
    Tls(TlsArgs),
    /// Check the ports the DISA procedures require for an MDM product.
    #[command(after_help = "\
Exit codes: 0 every testable port is open, 1 otherwise, 2 usage.

Examples:
  pbkit preflight ports mdm.example.mil --product ivanti-epmm
  pbkit preflight ports 127.0.0.1 --product jamf-pro --map 443=8443 --json")]
    Ports(PortsArgs),
    /// Check an MDM server's outgoing TLS: which versions and suites each external server takes.
    #[command(after_help = "\
Ivanti EPMM connects to SCEP, LDAP, APNs, Sentry, SMTP and other servers with TLS 1.2 only,
with SNI. For each target: each TLS version tried on its own, the TLS 1.2 suites in the
server's order of preference, and whether a TLS-1.2-only client with SNI connects; then
which suites are in use by which servers, so that deselecting a suite in EPMM's Outgoing
SSL Configuration breaks nobody.

TARGET is HOST[:PORT] (TLS from the first byte, port 443), smtp://HOST[:PORT] (SMTP
STARTTLS, port 25) or ldap://HOST[:PORT] (LDAP StartTLS, port 389).

Exit codes: 0 every target takes TLS 1.2 with SNI, 1 one does not or cannot be reached,
2 usage.

Examples:
  pbkit preflight outgoing scep.example.mil smtp://mail.example.mil \\
      ldap://dc.example.mil
  pbkit preflight outgoing --targets servers.txt --json")]
    Outgoing(OutgoingArgs),
    /// Check a certificate's path for revocation: CRLs and OCSP, as a device would.
    #[command(after_help = "\
The path from CERT to an --anchor is built as `chain build` builds it. For each of its
certificates, every http:// CRL distribution point is fetched and every OCSP responder
asked; each answer must be signed by the certificate's issuer (or an OCSP responder it
certified) and current. An unreachable source is named with the port devices need open.

Exit codes: 0 every source answered good, 1 a certificate is revoked or unknown, a source
could not be reached or trusted, or no path exists, 2 usage.

Examples:
  pbkit preflight revocation server.pem --anchor fcpca-g2.pem --pool fpki/
  pbkit preflight revocation pki/server/mdm-server.pem \\
      --anchor pki/trust/anchor.pem --pool pki/ca --json")]
    Revocation(RevocationArgs),
}

#[derive(Args)]
pub struct TlsArgs {
    /// HOST or HOST:PORT (default port 443).
    target: String,
    /// Server name to send (SNI) [default: HOST].
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,
    /// Anchors the sent chain should reach (e.g. Federal Common Policy CA G2); repeatable.
    #[arg(long, value_name = "PEM")]
    anchor: Vec<PathBuf>,
    /// Certificates pbkit may use to complete the path; repeatable.
    #[arg(long, value_name = "PATH")]
    pool: Vec<PathBuf>,
    /// Seconds for each connect, read and write.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    timeout: u64,
    /// Seconds for the whole probe: a server that sends one byte at a time is cut off here,
    /// with the results so far.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    deadline: u64,
    /// Judge validity at this date [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    at: Option<OffsetDateTime>,
    /// Do not check the path's CRLs and OCSP responders.
    #[arg(long)]
    no_revocation: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct OutgoingArgs {
    /// HOST[:PORT], smtp://HOST[:PORT] or ldap://HOST[:PORT].
    #[arg(value_name = "TARGET", required_unless_present = "targets")]
    targets_given: Vec<String>,
    /// A file of targets, one per line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// The STARTTLS protocol of targets written without a scheme.
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    starttls: Option<StartTlsArg>,
    /// Whose outgoing TLS to judge by.
    #[arg(long, value_enum, default_value = "ivanti-epmm")]
    policy: PolicyArg,
    /// Seconds for each connect, read and write.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    timeout: u64,
    /// Seconds for each target's whole probe.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    deadline: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StartTlsArg {
    /// SMTP STARTTLS (RFC 3207).
    Smtp,
    /// LDAP StartTLS (RFC 4511).
    Ldap,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PolicyArg {
    /// TLS 1.2 only, with SNI (Ivanti EPMM / MobileIron Core).
    IvantiEpmm,
}

#[derive(Args)]
pub struct RevocationArgs {
    /// The certificate to check, with the rest of its path.
    cert: PathBuf,
    /// Trusted certificates the path must reach; repeatable.
    #[arg(long, required = true, value_name = "PEM")]
    anchor: Vec<PathBuf>,
    /// Certificates to build the path from; repeatable.
    #[arg(long, value_name = "PATH")]
    pool: Vec<PathBuf>,
    /// Seconds for each HTTP request.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    timeout: u64,
    /// Seconds for all requests together.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    deadline: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PortsArgs {
    /// The MDM server's host name or address.
    host: String,
    /// ivanti-epmm, mobileiron-core or jamf-pro.
    #[arg(long, value_parser = parse_product, value_name = "PRODUCT")]
    product: Product,
    /// Connect to LOCAL instead of PORT (port forwarding, NAT); repeatable.
    #[arg(long, value_name = "PORT=LOCAL", value_parser = parse_map)]
    map: Vec<(u16, u16)>,
    /// Seconds for each connect.
    #[arg(long, default_value_t = 3, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=60))]
    timeout: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn parse_product(s: &str) -> Result<Product, String> {
    s.parse().map_err(|e: pbkit_preflight::Error| e.to_string())
}

fn parse_map(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not PORT=LOCAL"))?;
    Ok((
        a.parse().map_err(|_| format!("{a:?} is not a port"))?,
        b.parse().map_err(|_| format!("{b:?} is not a port"))?,
    ))
}

pub fn run(cmd: PreflightCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PreflightCommand::Tls(a) => tls(a),
        PreflightCommand::Ports(a) => ports(a),
        PreflightCommand::Revocation(a) => revocation(a),
        PreflightCommand::Outgoing(a) => outgoing(a),
    }
}

/// The largest targets file read.
fn outgoing(a: OutgoingArgs) -> anyhow::Result<ExitCode> {
    let PolicyArg::IvantiEpmm = a.policy;
    let default = a.starttls.map(|p| match p {
        StartTlsArg::Smtp => StartTls::Smtp,
        StartTlsArg::Ldap => StartTls::Ldap,
    });
    let mut targets = Vec::new();
    for t in &a.targets_given {
        targets.push(OutgoingTarget::parse(t, default).map_err(|e| crate::Usage(e.to_string()))?);
    }
    if let Some(file) = &a.targets {
        targets.extend(OutgoingTarget::read_file(file, default)?);
    }
    let report = probe_outgoing(
        &targets,
        Duration::from_secs(a.timeout),
        Duration::from_secs(a.deadline),
    );
    if a.json {
        super::print_json(&report)?;
    } else {
        crate::out::text(&report.to_string());
    }
    Ok(super::exit(report.passed()))
}

fn revocation(a: RevocationArgs) -> anyhow::Result<ExitCode> {
    let leaf = bundle::read_one(&a.cert)?;
    let anchors = bundle::read_files(&a.anchor)?;
    let (pool, _) = bundle::read_pool(&a.pool)?;
    let opts = PathOptions::new(crate::args::now());
    let outcome = build_path(&leaf, &pool, &anchors, &opts)?;
    let Some(path) = outcome.best else {
        let report = Report::new(&outcome, &opts, Vec::new())?;
        crate::out::text(&report.to_string());
        anyhow::bail!(
            "{}: no valid path to an anchor, so its revocation cannot be judged",
            a.cert.display()
        );
    };
    let ropts = RevocationOptions {
        timeout: Duration::from_secs(a.timeout),
        deadline: Duration::from_secs(a.deadline),
    };
    let r = revocation::check_path(&path.certificates, &path.anchor, &ropts);
    if a.json {
        super::print_json(&r)?;
    } else {
        crate::out::text(&r.to_string());
        outln!("{}", r.verdict());
    }
    Ok(super::exit(r.passed()))
}

fn tls(a: TlsArgs) -> anyhow::Result<ExitCode> {
    let mut target = Target::parse(&a.target)?;
    target.servername = a.servername.clone();
    let anchors = bundle::read_files(&a.anchor)?;
    let (pool, _) = bundle::read_pool(&a.pool)?;
    let opts = TlsOptions {
        timeout: Duration::from_secs(a.timeout),
        deadline: Duration::from_secs(a.deadline),
        anchors,
        pool,
        at: a.at.unwrap_or_else(crate::args::now),
        revocation: !a.no_revocation,
    };
    let r = probe_tls(&target, &opts);
    let passed = r.passed();
    if a.json {
        super::print_json(&r)?;
    } else {
        crate::out::text(&r.to_string());
    }
    Ok(super::exit(passed))
}

fn ports(a: PortsArgs) -> anyhow::Result<ExitCode> {
    let map: BTreeMap<u16, u16> = a.map.into_iter().collect();
    let results = check_ports(
        &a.host,
        &port_table(a.product),
        Duration::from_secs(a.timeout),
        &map,
    );
    let passed = all_open(&results);
    if a.json {
        super::print_json(&results)?;
    } else {
        crate::out::text(&PortsReport(&results).to_string());
    }
    Ok(super::exit(passed))
}
