use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use pbkit_pkcs12::Identity;
use pbkit_pki::bundle;
use pbkit_pki::path::{build_path, Outcome, PathOptions, PeerName, Policy, Purpose, Report};
use time::OffsetDateTime;

use crate::cmd::p12::WriteArgs;
use crate::secret::KeyPasswordArgs;

use crate::out::outln;

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
enum PurposeArg {
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
    pool: Vec<PathBuf>,
    /// Trusted certificates (need not be self-signed); repeatable.
    #[arg(long, required = true, value_name = "PEM")]
    anchor: Vec<PathBuf>,
    /// The host name or IP address the leaf must be for, matched against its
    /// subjectAltName (never its CN, as iOS does).
    #[arg(long, value_name = "HOST")]
    peer_name: Option<String>,
    /// Validate at this date or RFC 3339 instant [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    at: Option<OffsetDateTime>,
    /// Accept SHA-1-signed links.
    #[arg(long)]
    allow_sha1: bool,
    /// A CRL (DER or PEM) to judge revocation by; repeatable. A certificate on its
    /// issuer's CRL fails the path, and so does an issuer's CRL that cannot be relied on
    /// (no CRLNumber, an issuer without cRLSign, stale at --at); a certificate whose
    /// issuer has no CRL here is not checked (preflight revocation fetches them).
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// The rules beyond RFC 5280: ios (what iOS judges, as DoD paths need) or webpki (the
    /// CA/Browser Forum's Baseline Requirements on top: AKI and EKU rules, CN among the
    /// SANs, no wildcard over a public suffix, no DSA or odd-size RSA key, cA=FALSE in
    /// the leaf, a well-formed AIA; DoD paths fail it by design).
    #[arg(long, value_enum, default_value = "ios")]
    profile: ProfileArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    /// What iOS judges: RFC 5280 through OpenSSL, plus the rules OpenSSL lets through.
    Ios,
    /// The web PKI's Baseline Requirements on top.
    Webpki,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The certificate to build a path for.
    leaf: PathBuf,
    #[command(flatten)]
    search: SearchArgs,
    /// The purpose the path must serve.
    #[arg(long, value_enum, default_value = "any")]
    purpose: PurposeArg,
    /// Write the bundle (leaf first, forward path) here.
    #[arg(long, value_name = "BUNDLE")]
    out: Option<PathBuf>,
    /// Leave the leaf out of --out: the intermediates only, as Apache's
    /// SSLCertificateChainFile and Java's -certfile expect.
    #[arg(long, requires = "out")]
    chain_only: bool,
    /// The format of --out.
    #[arg(long, value_enum, default_value = "pem", requires = "out")]
    format: FormatArg,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
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
    key: PathBuf,
    /// The server's certificate.
    #[arg(long, value_name = "CERT")]
    leaf: PathBuf,
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    key_password: KeyPasswordArgs,
    #[command(flatten)]
    write: WriteArgs,
}

/// Runs the search and describes its outcome.
fn search(leaf: &PathBuf, s: &SearchArgs, purpose: Purpose) -> anyhow::Result<(Outcome, Report)> {
    let leaf_cert = bundle::read_file(leaf)?
        .into_iter()
        .next()
        .with_context(|| format!("{}: no certificate", leaf.display()))?;
    let (pool, skipped) = bundle::read_pool(&s.pool)?;
    let anchors = bundle::read_files(&s.anchor)?;
    let mut opts = PathOptions::new(s.at.unwrap_or_else(crate::args::now));
    opts.purpose = purpose;
    opts.allow_sha1 = s.allow_sha1;
    opts.peer_name = s.peer_name.as_deref().map(PeerName::parse);
    opts.policy = match s.profile {
        ProfileArg::Ios => Policy::Ios,
        ProfileArg::Webpki => Policy::WebPki,
    };
    for file in &s.crl {
        let crls = pbkit_pki::crl::Crl::read_file(file)?;
        opts.crls.extend(crls.into_iter().map(std::sync::Arc::new));
    }
    let outcome = build_path(&leaf_cert, &pool, &anchors, &opts)?;
    let skipped = skipped
        .into_iter()
        .map(|s| format!("skipped {s}"))
        .collect();
    let report = Report::new(&outcome, &opts, skipped)?;
    Ok((outcome, report))
}

pub fn run(cmd: ChainCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChainCommand::Build(a) => {
            let purpose = match a.purpose {
                PurposeArg::Sslserver => Purpose::SslServer,
                PurposeArg::Any => Purpose::Any,
            };
            let (outcome, report) = search(&a.leaf, &a.search, purpose)?;
            let skip = usize::from(a.chain_only);
            let format = match a.format {
                FormatArg::Pem => bundle::Format::Pem,
                FormatArg::Der => bundle::Format::Der,
                FormatArg::P7b => bundle::Format::P7b,
            };
            let mut written = 0;
            if let (Some(out), Some(best)) = (&a.out, &outcome.best) {
                let certs = &best.certificates[skip..];
                if format == bundle::Format::Der && certs.len() != 1 {
                    anyhow::bail!(
                        "{}: --format der holds one certificate, and the bundle has {}: use \
                         --format pem or p7b",
                        out.display(),
                        certs.len()
                    );
                }
                let bytes = bundle::encode(certs, format)?;
                pbkit_outfile::write(out, &bytes, pbkit_outfile::Perm::Public)?;
                written = certs.len();
            }
            if a.json {
                super::print_json(&report)?;
            } else {
                crate::out::text(&report.to_string());
                if let (Some(out), true) = (&a.out, report.valid) {
                    outln!(
                        "wrote {} ({}, {})",
                        out.display(),
                        crate::out::plural(written, "certificate"),
                        if a.chain_only {
                            "the intermediates only"
                        } else {
                            "leaf first"
                        }
                    );
                }
            }
            Ok(super::exit(report.valid))
        }
        ChainCommand::P12(a) => {
            let (outcome, report) = search(&a.leaf, &a.search, Purpose::SslServer)?;
            let Some(best) = outcome.best else {
                if a.write.json {
                    super::print_json(&serde_json::json!({ "path": report }))?;
                } else {
                    crate::out::text(&report.to_string());
                }
                return Ok(ExitCode::from(crate::EXIT_FAILURE));
            };
            let key_password = a.key_password.source().given()?;
            let key = pbkit_pkcs12::read_private_key(&a.key, key_password.as_ref())?;
            let mut certs = best.certificates.into_iter();
            let leaf = certs.next().context("a path without its leaf")?;
            let identity = Identity::new(key, leaf)
                .with_context(|| format!("{} and {}", a.key.display(), a.leaf.display()))?
                .with_chain(certs.collect());
            if !a.write.json {
                crate::out::text(&report.to_string());
            }
            let written = super::p12::write(&identity, &a.write)?;
            if a.write.json {
                super::print_json(&serde_json::json!({ "path": report, "written": written }))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
