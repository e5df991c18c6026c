use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use pbkit_pki::{bundle, Certificate};
use pbkit_profile::diff::Side;
use pbkit_profile::seal::Seal;
use pbkit_profile::{
    inspect, verify, LintOptions, Profile, Report, Signer, Spec, Verdict, Verification,
};
use serde::Serialize;

use crate::out::{outln, plural, warnln};

use crate::flags::profile::*;

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
