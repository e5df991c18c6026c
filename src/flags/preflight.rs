use clap::{Args, Subcommand};
use pbkit_preflight::Product;
use std::path::PathBuf;
use time::OffsetDateTime;

fn parse_map(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not PORT=LOCAL"))?;
    Ok((
        a.parse().map_err(|_| format!("{a:?} is not a port"))?,
        b.parse().map_err(|_| format!("{b:?} is not a port"))?,
    ))
}

fn parse_product(s: &str) -> Result<Product, String> {
    s.parse().map_err(|e: pbkit_preflight::Error| e.to_string())
}

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
    pub target: String,
    /// Server name to send (SNI) [default: HOST].
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Anchors the sent chain should reach (e.g. Federal Common Policy CA G2); repeatable.
    #[arg(long, value_name = "PEM")]
    pub anchor: Vec<PathBuf>,
    /// Certificates pbkit may use to complete the path; repeatable.
    #[arg(long, value_name = "PATH")]
    pub pool: Vec<PathBuf>,
    /// Seconds for each connect, read and write.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,
    /// Seconds for the whole probe: a server that sends one byte at a time is cut off here,
    /// with the results so far.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub deadline: u64,
    /// Judge validity at this date [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    pub at: Option<OffsetDateTime>,
    /// Do not check the path's CRLs and OCSP responders.
    #[arg(long)]
    pub no_revocation: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct OutgoingArgs {
    /// HOST[:PORT], smtp://HOST[:PORT] or ldap://HOST[:PORT].
    #[arg(value_name = "TARGET", required_unless_present = "targets")]
    pub targets_given: Vec<String>,
    /// A file of targets, one per line (# starts a comment).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// The STARTTLS protocol of targets written without a scheme.
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub starttls: Option<StartTlsArg>,
    /// Whose outgoing TLS to judge by.
    #[arg(long, value_enum, default_value = "ivanti-epmm")]
    pub policy: PolicyArg,
    /// Seconds for each connect, read and write.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,
    /// Seconds for each target's whole probe.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub deadline: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum StartTlsArg {
    /// SMTP STARTTLS (RFC 3207).
    Smtp,
    /// LDAP StartTLS (RFC 4511).
    Ldap,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum PolicyArg {
    /// TLS 1.2 only, with SNI (Ivanti EPMM / MobileIron Core).
    IvantiEpmm,
}

#[derive(Args)]
pub struct RevocationArgs {
    /// The certificate to check, with the rest of its path.
    pub cert: PathBuf,
    /// Trusted certificates the path must reach; repeatable.
    #[arg(long, required = true, value_name = "PEM")]
    pub anchor: Vec<PathBuf>,
    /// Certificates to build the path from; repeatable.
    #[arg(long, value_name = "PATH")]
    pub pool: Vec<PathBuf>,
    /// Seconds for each HTTP request.
    #[arg(long, default_value_t = 5, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,
    /// Seconds for all requests together.
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub deadline: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PortsArgs {
    /// The MDM server's host name or address.
    pub host: String,
    /// ivanti-epmm, mobileiron-core or jamf-pro.
    #[arg(long, value_parser = parse_product, value_name = "PRODUCT")]
    pub product: Product,
    /// Connect to LOCAL instead of PORT (port forwarding, NAT); repeatable.
    #[arg(long, value_name = "PORT=LOCAL", value_parser = parse_map)]
    pub map: Vec<(u16, u16)>,
    /// Seconds for each connect.
    #[arg(long, default_value_t = 3, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
