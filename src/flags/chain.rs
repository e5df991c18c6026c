use crate::flags::p12::WriteArgs;
use crate::secret::KeyPasswordArgs;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum ChainCommand {
    /// Find the certificate path from a leaf to an anchor through a pool, in any pool order.
    #[command(after_help = "\
Searches every candidate issuer (by name, key identifiers and signature), cuts loops, bounds
its work, and has OpenSSL validate each complete candidate with exactly that path as
untrusted and the anchor as trusted (X509_STRICT, security level 2, the purpose, at --at).
The best valid path wins (shortest, then the latest earliest-expiring link); the bundle
holds the leaf and the forward path only: no anchor, no reverse cross-certificates, no
duplicates. An anchor need not be self-signed.

Exit codes: 0 a valid path was found (and written with --out), 1 no valid path (the reasons
are printed), 2 usage.

Examples:
  pbkit chain build server.pem --pool tests/fixtures/fpki \\
      --anchor tests/fixtures/fpki/fcpca-g2.pem --out bundle.pem
  pbkit chain build dod-id-ca-59.pem --pool fpki/ --anchor fcpca-g2.pem \\
      --at 2024-06-01 --json")]
    Build(BuildArgs),
    /// A server PKCS#12: the key, its certificate, and the path to the anchor.
    #[command(after_help = "\
Ready for Ivanti EPMM System Manager (Certificate Mgmt), Jamf Pro, or Tomcat.

Example:
  pbkit chain p12 --key server.key.pem --leaf server.pem --pool fpki/ \\
      --anchor fcpca-g2.pem \\
      --suite ios-legacy --out server.p12 --out-password-file server.pw")]
    P12(P12Args),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PurposeArg {
    /// TLS server (serverAuth).
    Sslserver,
    /// Any purpose.
    Any,
}

/// What every path search takes.
#[derive(Args)]
pub struct SearchArgs {
    /// Certificates to build from: PEM/DER files, PKCS#7 bundles, folders; repeatable.
    /// Without one, only a leaf issued by an anchor itself has a path.
    #[arg(long, value_name = "PATH")]
    pub pool: Vec<PathBuf>,
    /// Trusted certificates (need not be self-signed); repeatable.
    #[arg(long, required = true, value_name = "PEM")]
    pub anchor: Vec<PathBuf>,
    /// The host name or IP address the leaf must be for, matched against its
    /// subjectAltName (never its CN, as iOS does).
    #[arg(long, value_name = "HOST")]
    pub peer_name: Option<String>,
    /// Validate at this date or RFC 3339 instant [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    pub at: Option<OffsetDateTime>,
    /// Accept SHA-1-signed links.
    #[arg(long)]
    pub allow_sha1: bool,
    /// A CRL (DER or PEM) to judge revocation by; repeatable. A certificate on its
    /// issuer's CRL fails the path, and so does an issuer's CRL that cannot be relied on
    /// (no CRLNumber, an issuer without cRLSign, stale at --at); a certificate whose
    /// issuer has no CRL here is not checked (preflight revocation fetches them).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// The rules beyond RFC 5280: ios (what iOS judges, as DoD paths need) or webpki (the
    /// CA/Browser Forum's Baseline Requirements on top: AKI and EKU rules, CN among the
    /// SANs, no wildcard over a public suffix, no DSA or odd-size RSA key, cA=FALSE in
    /// the leaf, a well-formed AIA; DoD paths fail it by design).
    #[arg(long, value_enum, default_value = "ios")]
    pub profile: ProfileArg,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    /// What iOS judges: RFC 5280 through OpenSSL, plus the rules OpenSSL lets through.
    Ios,
    /// The web PKI's Baseline Requirements on top.
    Webpki,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The certificate to build a path for.
    pub leaf: PathBuf,
    #[command(flatten)]
    pub search: SearchArgs,
    /// The purpose the path must serve.
    #[arg(long, value_enum, default_value = "any")]
    pub purpose: PurposeArg,
    /// Write the bundle (leaf first, forward path) here.
    #[arg(long, value_name = "BUNDLE")]
    pub out: Option<PathBuf>,
    /// Leave the leaf out of --out: the intermediates only, as Apache's
    /// SSLCertificateChainFile and Java's -certfile expect.
    #[arg(long, requires = "out")]
    pub chain_only: bool,
    /// The format of --out.
    #[arg(long, value_enum, default_value = "pem", requires = "out")]
    pub format: FormatArg,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// PEM blocks, leaf first (nginx's ssl_certificate, Apache, Tomcat).
    Pem,
    /// One DER certificate: only for a bundle of exactly one.
    Der,
    /// A PKCS#7 certificates-only bundle (.p7b), DER.
    P7b,
}

#[derive(Args)]
pub struct P12Args {
    /// The server's private key (PEM or DER).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The server's certificate.
    #[arg(long, value_name = "CERT")]
    pub leaf: PathBuf,
    #[command(flatten)]
    pub search: SearchArgs,
    #[command(flatten)]
    pub key_password: KeyPasswordArgs,
    #[command(flatten)]
    pub write: WriteArgs,
}
