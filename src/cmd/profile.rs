use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use pbkit_pki::{bundle, Certificate};
use pbkit_profile::diff::Side;
use pbkit_profile::seal::Seal;
use pbkit_profile::{
    inspect, verify, LintOptions, Profile, Report, Signer, Spec, Verdict, Verification,
};
use serde::Serialize;

use crate::secret::SignerPasswordArgs;

use crate::out::{outln, plural, warnln};

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Build a profile from a TOML spec, optionally signed.
    #[command(after_help = "\
Examples:
  pbkit profile build profiles/purebred-exchange.toml \\
      --out exchange.mobileconfig
  pbkit profile build profiles/purebred-exchange.toml \\
      --var host=webmail.apps.mil --out exchange.mobileconfig \\
      --signer signer.p12 --signer-password-file signer.pw \\
      --chain intermediates.pem")]
    Build(BuildArgs),
    /// Sign a profile: CMS SignedData, DER, content attached, SHA-256, whole chain embedded.
    #[command(after_help = "\
Example:
  pbkit profile sign exchange.mobileconfig \\
      --out exchange.signed.mobileconfig --signer signer.p12 \\
      --signer-password-file signer.pw")]
    Sign(SignArgs),
    /// Verify a profile's signature: prints Verified, Unverified, Invalid or Unsigned, with the reason.
    #[command(after_help = concat!("\
Examples:
  pbkit profile verify exchange.signed.mobileconfig \\
      --anchor test-pki/trust/anchor.pem
  pbkit profile verify --json exchange.signed.mobileconfig
  pbkit profile verify --anchor anchor.pem out/*.mobileconfig

", "Exit codes: 0 Verified, 1 Invalid (or unreadable), 3 Unverified, 4 Unsigned, 2 usage;
with several files, the worst of them (Invalid, then Unverified, then Unsigned)."))]
    Verify(VerifyArgs),
    /// Remove the signature, writing the plist exactly as it was signed.
    #[command(
        after_help = "Example:\n  pbkit profile unsign exchange.signed.mobileconfig \\\n      --out exchange.mobileconfig"
    )]
    Unsign(UnsignArgs),
    /// Encrypt a profile's payloads to a device's certificate (CMS EnvelopedData, AES-256).
    #[command(after_help = "\
Apple's procedure: PayloadContent is taken out, serialized as a plist whose top level is
that array, encrypted as CMS EnvelopedData (AES-256-CBC; RSA key transport, or ECDH for an
EC certificate) to each --to certificate, and stored as DER in EncryptedPayloadContent,
with IsEncrypted set. Only a holder of a recipient's key reads the payloads: a profile
with an embedded PKCS#12 and its password is no longer a secret in transit. The device
certificate is the one the device enrolled with (its MDM identity): a CA certificate, one
whose key usage forbids key encipherment (RSA) or agreement (EC), or one not valid at --at
is refused. With --signer the encrypted profile is signed afterwards, as Apple requires.

Example:
  pbkit profile encrypt smime.mobileconfig --to device.pem \\
      --out smime.encrypted.mobileconfig --signer signer.p12 \\
      --signer-password-file signer.pw")]
    Encrypt(EncryptArgs),
    /// Decrypt an encrypted profile with the device's key and certificate (for checking).
    #[command(after_help = "\
The input may be signed (the signature is checked for integrity and dropped). The key is
a PEM or DER private key; an encrypted PEM needs --key-password-file or --key-password-env
(never a prompt). A certificate that is not a recipient, a key that does not match it and
an altered envelope each get one line and exit 1.

Example:
  pbkit profile decrypt smime.encrypted.mobileconfig --key device.key.pem \\
      --cert device.pem --out smime.mobileconfig")]
    Decrypt(DecryptArgs),
    /// Check profiles against Apple's schema and against what iOS does.
    #[command(after_help = "\
Checks: unknown keys, value types, allowed values, required keys, deprecated keys (with their
replacement), keys newer than --min-ios, duplicate PayloadUUID/PayloadIdentifier, references
(PayloadCertificateUUID, SMIMESigningCertificateUUID, SMIMEEncryptionCertificateUUID) that
must point at an identity payload of the same profile, PKCS#12 payloads that must hold one
identity and open with their Password, PKCS#12 suites iOS rejects, signing vs encryption
keyUsage, EmailAddress vs the signing identity's first SAN email, size over 1,000,000
bytes, PayloadRemovalDisallowed needing supervision. Signed files are linted too.

Exit codes: 0 no errors (warnings and notes allowed), 1 at least one error, 2 usage.

Examples:
  pbkit profile lint exchange.mobileconfig
  pbkit profile lint --min-ios 15.0 --json *.mobileconfig")]
    Lint(LintArgs),
    /// Show a profile's payloads, references, embedded certificates, signer and chain.
    #[command(
        after_help = "Examples:\n  pbkit profile inspect exchange.signed.mobileconfig\n  pbkit profile inspect --json smime.mobileconfig"
    )]
    Inspect(InspectArgs),
    /// Compare two profiles as an admin does before replacing one: payload by payload, key by key.
    #[command(after_help = "\
Payloads are matched by type and identifier (then, for what is left, by type alone, as
when Jamf Pro re-derives identifiers). Certificates and PKCS#12 identities are compared by
their certificate's subject, serial, expiry and SHA-256, not their bytes. A UUID that
changed while what it names did not (a PayloadUUID, a reference that still leads to the
matching payload) is shown as UUID only and is not a real change. Signed profiles are
compared by their content. jamf:ID or jamf:NAME reads the profile Jamf Pro keeps (the
connection flags are those of pbkit jamf).

Exit codes: 0 no real change, 1 real changes (or a file cannot be read), 2 usage.

Examples:
  pbkit profile diff old.mobileconfig new.mobileconfig
  pbkit profile diff --json a.mobileconfig b.signed.mobileconfig
  pbkit profile diff jamf:12 new.mobileconfig --url https://mdm.example.mil")]
    Diff(DiffArgs),
}

#[derive(Args)]
pub struct DiffArgs {
    /// The profile as it is (signed or not): a file, or jamf:ID / jamf:NAME.
    a: String,
    /// The profile it would become: a file, or jamf:ID / jamf:NAME.
    b: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// For jamf: sides (see pbkit jamf list --help).
    #[command(flatten)]
    connection: super::jamf::Connection,
}

/// Who signs: a PKCS#12 identity and optional extra chain certificates.
#[derive(Args)]
pub struct SignerArgs {
    /// PKCS#12 of the signing identity (its chain certificates are embedded too).
    #[arg(long, value_name = "P12")]
    signer: Option<PathBuf>,
    #[command(flatten)]
    signer_password: SignerPasswordArgs,
    /// PEM/DER/PKCS#7 file of chain certificates: the signer's path through them is
    /// embedded (not the others); repeatable.
    #[arg(long, value_name = "PEM", requires = "signer")]
    chain: Vec<PathBuf>,
    /// Anchors devices trust (e.g. FCPCA G2): a warning when the embedded chain reaches
    /// none of them; repeatable.
    #[arg(long = "signer-anchor", value_name = "PEM", requires = "signer")]
    anchor: Vec<PathBuf>,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The spec (TOML).
    spec: PathBuf,
    /// Where to write the profile (atomically; 0600 when it holds an identity).
    #[arg(long, value_name = "FILE", required_unless_present = "list_vars")]
    out: Option<PathBuf>,
    /// Set a {{NAME}} placeholder, overriding the spec's [vars]; NAME must be one the spec
    /// uses (see --list-vars).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::args::parse_var)]
    vars: Vec<(String, String)>,
    /// List the spec's variables with their defaults, and build nothing.
    #[arg(long)]
    list_vars: bool,
    #[command(flatten)]
    signer: SignerArgs,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SignArgs {
    /// The unsigned profile.
    input: PathBuf,
    /// Where to write the signed profile.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct EncryptArgs {
    /// The profile, where it goes, the optional signer (signing comes after encrypting).
    #[command(flatten)]
    base: SignArgs,
    /// The device certificate (PEM or DER) to encrypt to; repeatable. It must be an end
    /// entity valid at --at whose key usage allows keyEncipherment (RSA) or keyAgreement
    /// (EC).
    #[arg(long = "to", value_name = "CERT", required = true)]
    to: Vec<PathBuf>,
    /// Check the recipients at this date or RFC 3339 instant [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    at: Option<time::OffsetDateTime>,
}

#[derive(Args)]
pub struct DecryptArgs {
    /// The encrypted profile (signed or not).
    input: PathBuf,
    /// The device's private key (PEM or DER; an encrypted PEM with --key-password-file
    /// or --key-password-env).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    #[command(flatten)]
    key_password: crate::secret::KeyPasswordArgs,
    /// The device's certificate.
    #[arg(long, value_name = "CERT")]
    cert: PathBuf,
    /// Where to write the decrypted profile (unsigned; 0600 when it holds secrets).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The profiles.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Trusted root or intermediate certificates (PEM, DER, PKCS#7); repeatable.
    #[arg(long, value_name = "PEM")]
    anchor: Vec<PathBuf>,
    /// Print JSON Lines: one object per file ({"status": ok|failed, "item": file,
    /// "verdict", "reason"}), then {"summary": {…counts by status}}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct UnsignArgs {
    /// The signed profile.
    input: PathBuf,
    /// Where to write the plist.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Print what was written as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct LintArgs {
    /// Profiles (signed or not).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The oldest iOS the profiles must work on.
    #[arg(long, default_value = "12.0", value_name = "VERSION", value_parser = crate::args::parse_version)]
    min_ios: String,
    /// Warn about certificates expired or not yet valid at this date or RFC 3339 instant
    /// [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    at: Option<time::OffsetDateTime>,
    /// Print JSON: an array of {file, severity, location, check, message}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct InspectArgs {
    /// The profile (signed or not).
    file: PathBuf,
    /// Trusted certificates, to tell Verified from Unverified; repeatable.
    #[arg(long, value_name = "PEM")]
    anchor: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: ProfileCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ProfileCommand::Build(a) => build(a),
        ProfileCommand::Sign(a) => {
            if a.signer.signer.is_none() {
                return Err(crate::Usage("profile sign needs --signer P12".into()).into());
            }
            let bytes = read(&a.input)?;
            let signer = a
                .signer
                .load()?
                .ok_or_else(|| crate::Usage("profile sign needs --signer P12".into()))?;
            let signed = Seal::new()
                .signed_by(&signer)
                .plist(&bytes)
                .with_context(|| a.input.display().to_string())?;
            signed.write(&a.out)?;
            let signed = signed.bytes;
            let signed_by = signer.certificate().facts()?.subject;
            if a.json {
                super::print_json(&serde_json::json!({
                    "out": a.out.display().to_string(),
                    "bytes": signed.len(),
                    "signer": signed_by,
                    "chain_certificates": signer.chain().len(),
                }))?;
            } else {
                outln!(
                    "wrote {} ({} bytes), signed by {signed_by}",
                    a.out.display(),
                    signed.len(),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Verify(a) => verify_cmd(a),
        ProfileCommand::Unsign(a) => {
            let bytes = read(&a.input)?;
            let content = match verify(&bytes, &[]) {
                Verification::Unsigned { .. } => bail!("{}: not signed", a.input.display()),
                Verification::Invalid { reason } => {
                    bail!("{}: Invalid: {reason}", a.input.display())
                }
                Verification::Verified { content } | Verification::Unverified { content, .. } => {
                    content
                }
            };
            Seal::new()
                .plist(&content)
                .with_context(|| a.input.display().to_string())?
                .write(&a.out)?;
            if a.json {
                super::print_json(&serde_json::json!({
                    "out": a.out.display().to_string(),
                    "bytes": content.len(),
                }))?;
            } else {
                outln!(
                    "wrote {} ({} bytes, the plist exactly as signed)",
                    a.out.display(),
                    content.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Encrypt(a) => encrypt_cmd(a),
        ProfileCommand::Decrypt(a) => decrypt_cmd(a),
        ProfileCommand::Inspect(a) => inspect_cmd(a),
        ProfileCommand::Lint(a) => lint_cmd(a),
        ProfileCommand::Diff(a) => diff_cmd(a),
    }
}

fn encrypt_cmd(EncryptArgs { base: a, to, at }: EncryptArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&a.input)?;
    let recipients = to
        .iter()
        .map(pbkit_pki::bundle::read_one)
        .collect::<Result<Vec<_>, _>>()?;
    let at = at.unwrap_or_else(time::OffsetDateTime::now_utc);
    // encrypt() checks them too; here the message names the file.
    for (path, cert) in to.iter().zip(&recipients) {
        if let Some(reason) = pbkit_profile::encrypt::recipient_problem(cert, at) {
            bail!("{}: not a recipient: {reason}", path.display());
        }
    }
    let signer = a.signer.load()?;
    let sealed = Seal::new()
        .encrypt_to(&recipients, at)
        .signed_by_any(signer.as_ref())
        .plist(&bytes)
        .with_context(|| a.input.display().to_string())?;
    sealed.write(&a.out)?;
    let out = sealed.bytes;
    let to: Vec<String> = recipients
        .iter()
        .map(|c| c.facts().map(|f| f.subject))
        .collect::<Result<_, _>>()?;
    let signed_by = signer
        .as_ref()
        .map(|s| s.certificate().facts().map(|f| f.subject))
        .transpose()?;
    if a.json {
        super::print_json(&serde_json::json!({
            "out": a.out.display().to_string(),
            "bytes": out.len(),
            "recipients": to,
            "cipher": "AES-256-CBC",
            "signer": signed_by,
        }))?;
    } else {
        outln!(
            "wrote {} ({} bytes): payloads encrypted (AES-256-CBC) to {}{}",
            a.out.display(),
            out.len(),
            to.join("; "),
            signed_by
                .map(|s| format!(", signed by {s}"))
                .unwrap_or_else(|| ", unsigned".into())
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn decrypt_cmd(a: DecryptArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&a.input)?;
    let plist = verify(&bytes, &[])
        .into_content()
        .map_err(|why| anyhow::anyhow!("{}: Invalid: {why}", a.input.display()))?;
    let key_password = a.key_password.source().given()?;
    let key = pbkit_pkcs12::read_private_key(&a.key, key_password.as_ref())?;
    let cert = pbkit_pki::bundle::read_one(&a.cert)?;
    let decrypted = pbkit_profile::encrypt::decrypt(&plist, &key, &cert)
        .with_context(|| a.input.display().to_string())?;
    let profile = Profile::from_plist(&decrypted)?;
    Seal::new().plist(&decrypted)?.write(&a.out)?;
    outln!(
        "wrote {} ({} bytes, {} decrypted)",
        a.out.display(),
        decrypted.len(),
        crate::out::plural(profile.payloads.len(), "payload")
    );
    Ok(ExitCode::SUCCESS)
}

fn diff_cmd(a: DiffArgs) -> anyhow::Result<ExitCode> {
    let side = |name: &str| -> anyhow::Result<Side> {
        let bytes = match name.strip_prefix("jamf:") {
            Some(key) => super::jamf::fetch(&a.connection, key)?,
            None => read(Path::new(name))?,
        };
        Side::read(&bytes).with_context(|| name.to_string())
    };
    let d = pbkit_profile::diff::diff_sides(&side(&a.a)?, &side(&a.b)?);
    if a.json {
        super::print_json(&d)?;
    } else {
        outln!("{} -> {}", a.a, a.b);
        crate::out::text(&d.to_string());
    }
    Ok(super::exit(d.same))
}

impl SignerArgs {
    fn load(&self) -> anyhow::Result<Option<Signer>> {
        let Some(path) = &self.signer else {
            return Ok(None);
        };
        let password = self
            .signer_password
            .source()
            .required("Password of the signer PKCS#12: ")?;
        let signer = Signer::load(path, &password, &self.chain)?;
        super::warn_unless_reaches(&signer, &self.anchor)?;
        Ok(Some(signer))
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    Ok(pbkit_profile::read_file(path)?)
}

#[derive(Serialize)]
struct Built<'a> {
    out: String,
    bytes: usize,
    payloads: usize,
    signed: bool,
    identifier: &'a str,
}

/// A variable and its default, as `--list-vars` prints it.
#[derive(Serialize)]
struct Variable<'a> {
    name: &'a str,
    default: Option<&'a str>,
}

fn build(a: BuildArgs) -> anyhow::Result<ExitCode> {
    let spec = Spec::read(&a.spec)?;
    let origin = a.spec.display().to_string();
    let known = spec.variables();
    if a.list_vars {
        let list: Vec<Variable<'_>> = known
            .iter()
            .map(|(name, default)| Variable {
                name,
                default: default.as_deref(),
            })
            .collect();
        if a.json {
            super::print_json(&list)?;
        } else {
            let width = list.iter().map(|v| v.name.len()).max().unwrap_or(0);
            for v in &list {
                match v.default {
                    Some(d) => outln!("{:<width$}  {d}", v.name),
                    None => outln!(
                        "{:<width$}  (no default: --var {}=VALUE is required)",
                        v.name,
                        v.name
                    ),
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(out) = &a.out else {
        return Err(crate::Usage("--out is required".into()).into());
    };
    let profile = spec.build_with_vars(&a.spec, a.vars.into_iter().collect())?;
    let signer = a.signer.load()?;
    let sealed = match Seal::new().signed_by_any(signer.as_ref()).profile(&profile) {
        Err(e @ pbkit_profile::Error::TooLarge { .. }) => {
            bail!("{origin}: {e}: look at the --var values")
        }
        other => other?,
    };
    if let Some(oversize) = sealed.oversize() {
        warnln!("{origin}: the built profile is {oversize}");
    }
    sealed.write(out)?;
    let bytes = sealed.bytes;
    let built = Built {
        out: out.display().to_string(),
        bytes: bytes.len(),
        payloads: profile.payloads.len(),
        signed: signer.is_some(),
        identifier: &profile.identifier,
    };
    if a.json {
        super::print_json(&built)?;
    } else {
        outln!(
            "wrote {} ({} bytes, {}, {}): {}",
            built.out,
            built.bytes,
            plural(built.payloads, "payload"),
            if built.signed { "signed" } else { "unsigned" },
            built.identifier
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn anchors(paths: &[PathBuf]) -> anyhow::Result<Vec<Certificate>> {
    Ok(bundle::read_files(paths)?)
}

fn exit_for(v: &Verdict) -> ExitCode {
    ExitCode::from(match v {
        Verdict::Verified => 0,
        Verdict::Invalid(_) => 1,
        Verdict::Unverified(_) => 3,
        Verdict::Unsigned => 4,
    })
}

fn verify_cmd(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let anchors = anchors(&a.anchor)?;
    let mut all = Vec::new();
    for file in &a.files {
        all.push((
            file.display().to_string(),
            verify(&read(file)?, &anchors).verdict(),
        ));
    }
    if a.json {
        // pbkit's JSON Lines: Verified is ok; any other verdict fails, with its reason.
        let lines = crate::jsonl::Lines::new(true);
        for (file, verdict) in &all {
            let status = match verdict {
                Verdict::Verified => "ok",
                _ => "failed",
            };
            lines.item(status, file, verdict);
        }
        lines.summary(serde_json::json!({}));
    } else {
        let several = all.len() > 1;
        for (file, verdict) in &all {
            let prefix = if several {
                format!("{file}: ")
            } else {
                String::new()
            };
            outln!("{prefix}{verdict:#}");
        }
    }
    // The worst verdict decides: Invalid, then Unverified, then Unsigned.
    let worst = all.iter().map(|(_, v)| v).max_by_key(|v| v.rank());
    Ok(worst.map_or(ExitCode::SUCCESS, exit_for))
}

fn inspect_cmd(a: InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&a.file)?;
    let view =
        inspect(&bytes, &anchors(&a.anchor)?).with_context(|| a.file.display().to_string())?;
    if a.json {
        super::print_json(&view)?;
    } else {
        outln!(
            "{} ({} bytes): {}",
            a.file.display(),
            view.bytes,
            view.verdict
        );
        crate::out::text(&view.to_string());
    }
    Ok(ExitCode::SUCCESS)
}

fn lint_cmd(a: LintArgs) -> anyhow::Result<ExitCode> {
    let opts = LintOptions {
        min_ios: a.min_ios.clone(),
        at: a.at.unwrap_or_else(crate::args::now),
        ..LintOptions::default()
    };
    super::print_findings(&Report::of_files(&a.files, &opts), a.json)
}
