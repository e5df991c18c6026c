use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use pbkit_pkcs12::{inspect, Identity, Suite, WriteOptions};
use pbkit_pki::bundle;
use serde::Serialize;

use crate::secret::{InPasswordArgs, KeyPasswordArgs, OutPasswordArgs, PasswordArgs};

use crate::out::outln;

#[derive(Subcommand)]
pub enum P12Command {
    /// Show how a PKCS#12 is built (no password needed) and, with the password, what it holds.
    #[command(after_help = "\
Without a password: MAC, each safe's encryption and iterations, visible bags, the suite,
and whether iOS will import it. With --password-file/--password-env: every bag, each
identity's certificate facts, and the extra certificates.

Examples:
  pbkit p12 inspect identity.p12
  pbkit p12 inspect identity.p12 --password-file pw.txt --json")]
    Inspect(InspectArgs),
    /// Re-encode a PKCS#12 with a named suite (and optionally a chain).
    #[command(after_help = "\
Examples:
  pbkit p12 repack old.p12 --in-password-file old.pw --out ios.p12 \\
      --out-password-file new.pw --suite ios-legacy
  PW=... pbkit p12 repack a.p12 --in-password-env PW --out b.p12 \\
      --out-password-env PW --suite purebred")]
    Repack(RepackArgs),
    /// Make a PKCS#12 from a private key and a certificate (PEM or DER).
    #[command(after_help = "\
Example:
  pbkit p12 create --key server.key.pem --cert server.pem \\
      --chain intermediates.pem \\
      --suite ios-legacy --out server.p12 --out-password-file server.pw")]
    Create(CreateArgs),
}

#[derive(Args)]
pub struct InspectArgs {
    /// The PKCS#12 file.
    file: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The flags of every command that writes a PKCS#12 (`p12 repack`, `p12 create`,
/// `chain p12`).
#[derive(Args)]
pub struct WriteArgs {
    /// Where to write the PKCS#12 (mode 0600, written atomically).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    out_password: OutPasswordArgs,
    /// The algorithms: ios-legacy (iOS-safe), purebred (what the 2025 provider writes), modern (AES; fails on many iOS versions).
    #[arg(long, default_value = "ios-legacy", value_parser = parse_suite, value_name = "ios-legacy|purebred|modern")]
    suite: Suite,
    /// PBE and MAC iterations.
    #[arg(long, default_value_t = 2048, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    iterations: u32,
    /// friendlyName of the key and certificate bags (Purebred's provider writes "SKP").
    #[arg(long, value_name = "NAME")]
    friendly_name: Option<String>,
    /// MAC the file with PBMAC1 (RFC 9579: HMAC-SHA-256 keyed by PBKDF2) instead of the
    /// suite's MAC; ios-legacy and purebred only. Whether iOS imports it is unknown.
    #[arg(long)]
    pbmac1: bool,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

/// [`WriteArgs`] and the extra chain certificates `p12 repack` and `p12 create` take.
#[derive(Args)]
pub struct OutArgs {
    #[command(flatten)]
    write: WriteArgs,
    /// PEM/DER/PKCS#7 file of chain certificates to include after the leaf; repeatable.
    #[arg(long, value_name = "PEM")]
    chain: Vec<PathBuf>,
}

/// What was written, as `--json` prints it.
#[derive(Serialize)]
pub struct Written {
    out: String,
    bytes: usize,
    suite: Suite,
    iterations: u32,
    subject: String,
    serial: String,
    chain_certificates: usize,
}

#[derive(Args)]
pub struct RepackArgs {
    /// The PKCS#12 to read.
    input: PathBuf,
    #[command(flatten)]
    in_password: InPasswordArgs,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Args)]
pub struct CreateArgs {
    /// Private key: PEM (PKCS#8 or traditional) or DER.
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    #[command(flatten)]
    key_password: KeyPasswordArgs,
    /// The certificate of the key.
    #[arg(long, value_name = "CERT")]
    cert: PathBuf,
    #[command(flatten)]
    out: OutArgs,
}

pub fn parse_suite(s: &str) -> Result<Suite, String> {
    s.parse()
        .map_err(|e: pbkit_pkcs12::UnknownSuite| e.to_string())
}

pub fn run(cmd: P12Command) -> anyhow::Result<ExitCode> {
    match cmd {
        P12Command::Inspect(a) => run_inspect(a),
        P12Command::Repack(a) => {
            let password = a
                .in_password
                .source()
                .required("Password of the input PKCS#12: ")?;
            let der = read(&a.input)?;
            let identity = Identity::from_pkcs12(&der, &password)
                .with_context(|| a.input.display().to_string())?;
            write_with_chain(identity, &a.out)
        }
        P12Command::Create(a) => {
            let key_pw = a.key_password.source().given()?;
            let key = pbkit_pkcs12::read_private_key(&a.key, key_pw.as_ref())?;
            let cert = bundle::read_one(&a.cert)?;
            let identity = Identity::new(key, cert)
                .with_context(|| format!("{} and {}", a.key.display(), a.cert.display()))?;
            write_with_chain(identity, &a.out)
        }
    }
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    Ok(pbkit_infile::read(path, pbkit_pkcs12::FILE_LIMIT)?)
}

fn write_with_chain(identity: Identity, out: &OutArgs) -> anyhow::Result<ExitCode> {
    let identity = identity.with_more_chain(bundle::read_files(&out.chain)?);
    let written = write(&identity, &out.write)?;
    if out.write.json {
        super::print_json(&written)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `identity` as `out` asks; prints the text line unless `--json`, which the caller
/// prints (alone or within its own report).
pub fn write(identity: &Identity, out: &WriteArgs) -> anyhow::Result<Written> {
    let password = out
        .out_password
        .source()
        .new_password("Password for the new PKCS#12: ")?;
    let mut options = WriteOptions::new(out.suite)
        .iterations(out.iterations)
        .pbmac1(out.pbmac1);
    if let Some(name) = &out.friendly_name {
        options = options.friendly_name(name);
    }
    let der = identity.to_pkcs12(&password.password, &options)?;
    pbkit_outfile::write(&out.out, &der, pbkit_outfile::Perm::Secret)?;
    password.save()?;
    let facts = identity.certificate().facts()?;
    let written = Written {
        out: out.out.display().to_string(),
        bytes: der.len(),
        suite: out.suite,
        iterations: out.iterations,
        subject: facts.subject,
        serial: facts.serial,
        chain_certificates: identity.chain().len(),
    };
    if !out.json {
        outln!(
            "wrote {} ({} bytes, suite {}, {} iterations): {} serial {}{}",
            written.out,
            written.bytes,
            written.suite,
            written.iterations,
            written.subject,
            written.serial,
            match written.chain_certificates {
                0 => String::new(),
                n => format!(", {}", crate::out::plural(n, "chain certificate")),
            }
        );
    }
    Ok(written)
}

fn run_inspect(a: InspectArgs) -> anyhow::Result<ExitCode> {
    let password = a.password.source().given()?;
    let der = read(&a.file)?;
    let report = inspect(&der, password.as_ref()).with_context(|| a.file.display().to_string())?;
    if a.json {
        super::print_json(&report)?;
    } else {
        outln!("{}", a.file.display());
        crate::out::text(&report.to_string());
    }
    Ok(ExitCode::SUCCESS)
}
