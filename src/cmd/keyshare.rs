use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use pbkit_keyshare::{classify, info_plist, Format, PackOptions, Plan, Source, Uti};
use pbkit_outfile::{Existing, StagedDir};
use pbkit_pkcs12::{Identity, Password, Suite};
use serde::Serialize;

use crate::cmd::p12::parse_suite;
use crate::secret::{InPasswordArgs, PasswordArgs};

use crate::out::{outln, warnln};

#[derive(Subcommand)]
pub enum KeyshareCommand {
    /// Build a key-sharing pack: the zips and p12 files a Purebred provider would serve.
    #[command(after_help = "\
Writes DIR/<Folder>.zip for every non-empty selection (All, All User, PIV, Signature,
Encryption, Device, Unfiltered), DIR/p12/<type>_<SERIAL>.p12 for every identity, DIR/password
(the one pack password, 0600) and DIR/manifest.json (type, serial, SHA-256 keychain label,
validity, and which archives hold each identity and why). Warns about expired identities and
a pack without an encryption identity. The result does not depend on the order of INPUTs.

Examples:
  pbkit keyshare pack tests/fixtures/purebred-skp --in-password-file pw.txt \\
      --out pack
  pbkit keyshare pack test-pki/users/test.user1 \\
      --in-password-file test-pki/password --out pack --format legacy")]
    Pack(PackArgs),
    /// Show the type Purebred gives each identity and the rule that decided it.
    #[command(after_help = "\
INPUTs may be PKCS#12 files (password needed), certificate files (PEM, DER, PKCS#7), or
folders of .p12/.pfx files.

Examples:
  pbkit keyshare classify tests/fixtures/purebred-skp \\
      --in-password-file pw.txt
  pbkit keyshare classify --json signature.pem")]
    Classify(ClassifyArgs),
    /// The key-sharing UTIs, or the Info.plist declarations a consuming app needs.
    #[command(after_help = "\
Examples:
  pbkit keyshare utis
  pbkit keyshare utis --format legacy
  pbkit keyshare utis --info-plist > utis.plist
  pbkit keyshare utis --info-plist --for purebred2025.select.signature
  pbkit keyshare utis --resolve purebred2025.select.signature \\
      purebred.zip.all_user")]
    Utis(UtisArgs),
    /// Open a pack zip or a p12 as a consuming app would: identities, keychain labels, problems.
    #[command(after_help = "\
Exits 1 when any entry would fail or mislead a consumer (wrong password, no key, key and
certificate that do not match, a name that does not match the certificate, an algorithm
iOS rejects).

Examples:
  pbkit keyshare open pack/All.zip --password-file pack/password
  pbkit keyshare open pack/Signature --password-file pack/password
  pbkit keyshare open pack/p12/signature_025722.p12 \\
      --password-file pack/password --json")]
    Open(OpenArgs),
}

#[derive(Args)]
pub struct InputArgs {
    /// PKCS#12 files, or folders of them.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    in_password: InPasswordArgs,
}

#[derive(Args)]
pub struct PackArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output folder; must be absent or empty unless --force.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Provider generation to imitate: 2025 (purebred suite) or legacy (ios-legacy suite).
    #[arg(long, default_value = "2025", value_parser = parse_format, value_name = "2025|legacy")]
    format: Format,
    /// Override the format's PKCS#12 suite.
    #[arg(long, value_parser = parse_suite, value_name = "ios-legacy|purebred|modern")]
    suite: Option<Suite>,
    /// Replace a non-empty output folder (only once the new pack is complete).
    #[arg(long)]
    force: bool,
    /// Print the manifest as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ClassifyArgs {
    /// PKCS#12 files, certificate files, or folders of .p12/.pfx files.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    in_password: InPasswordArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct UtisArgs {
    /// UTI family.
    #[arg(long, default_value = "2025", value_parser = parse_format, value_name = "2025|legacy")]
    format: Format,
    /// Print the UTImportedTypeDeclarations plist for a consuming app's Info.plist: every
    /// UTI of --format, or with --for only what those UTIs need.
    #[arg(long, conflicts_with = "resolve")]
    info_plist: bool,
    /// With --info-plist: the UTIs the app asks for (a 2025 select.* brings its -p12
    /// companion).
    #[arg(long = "for", value_name = "UTI", num_args = 1.., requires = "info_plist")]
    for_utis: Vec<String>,
    /// Say what each of these UTIs selects (deprecated spellings are accepted, with a warning).
    #[arg(long, value_name = "UTI", num_args = 1..)]
    resolve: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct OpenArgs {
    /// A pack zip, a single .p12, or a folder as a 2025 select.* UTI delivers it.
    file: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn parse_format(s: &str) -> Result<Format, pbkit_keyshare::UnknownFormat> {
    s.parse()
}

pub fn run(cmd: KeyshareCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        KeyshareCommand::Pack(a) => pack(a),
        KeyshareCommand::Classify(a) => classify_cmd(a),
        KeyshareCommand::Utis(a) => utis(a),
        KeyshareCommand::Open(a) => open_cmd(a),
    }
}

fn pack(a: PackArgs) -> anyhow::Result<ExitCode> {
    let password = a
        .input
        .in_password
        .source()
        .required("Password of the input PKCS#12 files: ")?;
    let existing = Existing::replace_if(a.force);
    let staged = StagedDir::new(&a.out, existing, pbkit_outfile::Perm::Secret)?;
    let sources = Source::read_all(&a.input.inputs, &password)?;
    let plan = Plan::new(sources, time::OffsetDateTime::now_utc())?;
    let mut options = PackOptions::for_format(a.format);
    if let Some(suite) = a.suite {
        options.suite = suite;
    }
    let manifest = plan.write(staged.path(), options, &Password::generate())?;
    staged.commit()?;
    for w in &manifest.warnings {
        warnln!("{w}");
    }
    if a.json {
        super::print_json(&manifest)?;
    } else {
        let report = pbkit_keyshare::PackReport {
            manifest: &manifest,
            out: &a.out,
        };
        crate::out::text(&report.to_string());
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct Classified {
    input: String,
    serial: String,
    subject: String,
    not_before: String,
    #[serde(flatten)]
    classification: pbkit_keyshare::Classification,
}

fn classify_cmd(a: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let files = pbkit_keyshare::pkcs12_inputs(&a.inputs)?;
    let secret = a.in_password.source();
    let mut password: Option<Password> = None;
    let mut rows = Vec::new();
    for path in &files {
        let bytes = pbkit_infile::read(path, pbkit_pkcs12::FILE_LIMIT)?;
        let certs = match pbkit_pki::bundle::parse(&bytes, &path.display().to_string()) {
            Ok(certs) => certs,
            Err(_) => {
                let pw = match &password {
                    Some(pw) => pw,
                    None => password.insert(secret.required("Password of the PKCS#12 inputs: ")?),
                };
                vec![Identity::from_pkcs12(&bytes, pw)
                    .with_context(|| path.display().to_string())?
                    .certificate()
                    .clone()]
            }
        };
        for cert in certs {
            let facts = cert.facts()?;
            rows.push(Classified {
                input: path.display().to_string(),
                serial: facts.serial.clone(),
                subject: facts.subject.clone(),
                not_before: pbkit_pki::rfc3339(facts.not_before),
                classification: classify(&facts),
            });
        }
    }
    if a.json {
        super::print_json(&rows)?;
    } else {
        for r in &rows {
            outln!(
                "{:<14} {:<12} {}  ({}; notBefore {})",
                r.classification.cert_type.label(),
                r.serial,
                r.input,
                r.classification.rule,
                r.not_before
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct UtiRow {
    uti: String,
    conforms_to: &'static str,
    selects: String,
    archive: Option<String>,
}

fn row(u: &Uti) -> UtiRow {
    UtiRow {
        uti: u.identifier(),
        conforms_to: u.conforms_to(),
        selects: u.selects(),
        archive: u.selection().map(pbkit_keyshare::archive_name),
    }
}

fn utis(a: UtisArgs) -> anyhow::Result<ExitCode> {
    // Deprecated spellings are taken, with a warning.
    let parse = |given: &[String]| -> anyhow::Result<Vec<Uti>> {
        given
            .iter()
            .map(|s| {
                let (u, warning) = Uti::parse(s)?;
                if let Some(w) = warning {
                    warnln!("{w}");
                }
                Ok(u)
            })
            .collect()
    };
    if a.info_plist {
        let utis = if a.for_utis.is_empty() {
            Uti::table(a.format)
        } else {
            parse(&a.for_utis)?
                .into_iter()
                .flat_map(Uti::declared_with)
                .collect()
        };
        crate::out::bytes(&info_plist(&utis))?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<UtiRow> = if a.resolve.is_empty() {
        Uti::table(a.format).iter().map(row).collect()
    } else {
        parse(&a.resolve)?.iter().map(row).collect()
    };
    if a.json {
        super::print_json(&rows)?;
    } else {
        let width = rows.iter().map(|r| r.uti.len()).max().unwrap_or(0);
        for r in &rows {
            outln!("{:<width$}  {:<18}  {}", r.uti, r.conforms_to, r.selects);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn open_cmd(a: OpenArgs) -> anyhow::Result<ExitCode> {
    let password = a.password.source().required("Pack password: ")?;
    let imported = pbkit_keyshare::open_path(&a.file, &password)
        .with_context(|| a.file.display().to_string())?;
    let failed = imported.iter().any(|i| !i.problems.is_empty());
    if a.json {
        super::print_json(&imported)?;
    } else {
        crate::out::text(&pbkit_keyshare::OpenReport(&imported).to_string());
    }
    Ok(super::exit(!failed))
}
