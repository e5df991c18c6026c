//! `pbkit ddm`: Declarative Device Management output from a spec or a profile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use pbkit_ddm::{Manifest, Options};
use pbkit_pkcs12::Suite;
use pbkit_profile::model::Profile;
use pbkit_profile::Spec;

use crate::out::{errln, outln};

const OUTPUT: &str = "\
Output: DIR/declarations/<Identifier>.json (one declaration each: Type, Identifier,
ServerToken, Payload), DIR/assets/ (the data the asset declarations reference: identity
documents holding a PKCS#12 under a fresh password, 0600; certificates; credentials) and
DIR/manifest.json (every declaration and asset, the URL each asset must be served at,
and the profile keys that have no declarative form). Serve assets/ at --asset-base-url
(https). S/MIME in account declarations needs iOS 17.

ServerTokens are derived from content: a rebuild with no change keeps them. Rebuilding
into the same DIR reuses identity assets whose certificate and suite are unchanged; a
DIR that holds something else is refused unless --force.";

#[derive(Subcommand)]
pub enum DdmCommand {
    /// Build declarations from a profile spec (the same TOML as profile build).
    #[command(after_help = concat!("\
Each account payload becomes a com.apple.configuration.account.exchange or .mail with its
SMIME settings; each PKCS#12 a com.apple.asset.credential.identity; certificates a
credential.certificate asset with a security.certificate configuration; a
com.apple.activation.simple activates the configurations. The key-by-key mapping is in
docs/jamf-admins.md.

Example:
  pbkit ddm build profiles/exchange-smime-identities.toml --out ddm \\
      --asset-base-url https://mdm.example.mil/ddm/assets/

", "Exit codes: 0 written, 1 not written (bad spec, unreadable identity), 2 usage."))]
    Build(BuildArgs),
    /// Convert an existing profile (signed or not) to declarations.
    #[command(after_help = "\
PKCS#12 payloads need their Password in the profile (a profile that lets the device ask
cannot be converted: the asset must hold the password). Keys with no declarative form
are listed on standard error and in manifest.json, never dropped silently.

Example:
  pbkit ddm convert smime.mobileconfig --out ddm \\
      --asset-base-url https://mdm.example.mil/ddm/assets/

Exit codes: 0 written, 1 not written, 2 usage.")]
    Convert(ConvertArgs),
    /// Check declarations and their asset data against Apple's declarative schema.
    #[command(after_help = "\
With the machinery of profile lint (types, required keys, allowed values, iOS versions:
S/MIME in account declarations needs iOS 17), plus what a device does: every asset
reference resolves to a declaration linted with it, of an allowed type; DataURL is
https; Size and Hash-SHA-256 match the data found beside the declarations (assets/);
an identity opens with its Password as one identity fit for its S/MIME use (the same
rule as profiles); every configuration is activated. A folder is linted whole
(DIR/declarations/*.json), so references between its declarations resolve.

Examples:
  pbkit ddm lint ddm
  pbkit ddm lint --min-ios 15.0 --json ddm/declarations/*.json

Exit codes: 0 no errors (warnings and notes allowed), 1 errors, 2 usage.")]
    Lint(LintArgs),
}

#[derive(Args)]
pub struct LintArgs {
    /// Output folders of ddm build/convert, or declaration files.
    #[arg(required = true, value_name = "DIR|FILE")]
    paths: Vec<PathBuf>,
    /// The oldest iOS the declarations must work on.
    #[arg(long, default_value = "17.0", value_name = "VERSION", value_parser = crate::args::parse_version)]
    min_ios: String,
    /// Print JSON: an array of {file, severity, location, check, message}.
    #[arg(long)]
    json: bool,
}

/// What build and convert share.
#[derive(Args)]
pub struct OutputArgs {
    /// The output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Where the DDM server serves DIR/assets/ (https).
    #[arg(long, value_name = "URL")]
    asset_base_url: String,
    /// The suite identity assets are written in [default: the spec's, else ios-legacy].
    #[arg(long, value_name = "SUITE")]
    suite: Option<Suite>,
    /// The activation's predicate, e.g. "@status(device.operating-system.family) == 'iOS'".
    #[arg(long, value_name = "PREDICATE")]
    predicate: Option<String>,
    /// Replace DIR even when it is not a previous build.
    #[arg(long)]
    force: bool,
    /// Print the manifest as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
#[command(after_help = OUTPUT)]
pub struct BuildArgs {
    /// The spec (TOML).
    spec: PathBuf,
    /// Set a {{NAME}} placeholder (see profile build --list-vars).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::args::parse_var)]
    vars: Vec<(String, String)>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
#[command(after_help = OUTPUT)]
pub struct ConvertArgs {
    /// The profile (.mobileconfig, signed or not).
    profile: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(c: DdmCommand) -> anyhow::Result<ExitCode> {
    match c {
        DdmCommand::Lint(a) => lint(a),
        DdmCommand::Build(a) => {
            let spec = Spec::read(&a.spec)?;
            let suite = spec.suite(&a.spec.display().to_string())?;
            let profile = spec.build_with_vars(&a.spec, a.vars.into_iter().collect())?;
            emit(&profile, &a.output, suite, &a.spec)
        }
        DdmCommand::Convert(a) => {
            let bytes = pbkit_profile::read_file(&a.profile)?;
            let plist = pbkit_profile::verify(&bytes, &[])
                .into_content()
                .map_err(|why| anyhow::anyhow!("{}: Invalid: {why}", a.profile.display()))?;
            let profile = Profile::from_plist(&plist)
                .map_err(|e| anyhow::anyhow!("{}: {e}", a.profile.display()))?;
            emit(&profile, &a.output, None, &a.profile)
        }
    }
}

fn emit(
    profile: &Profile,
    o: &OutputArgs,
    spec_suite: Option<Suite>,
    origin: &Path,
) -> anyhow::Result<ExitCode> {
    let previous = if pbkit_ddm::output::is_build(&o.out) {
        pbkit_ddm::output::previous(&o.out)?
    } else {
        Default::default()
    };
    let options = Options {
        asset_base_url: o.asset_base_url.clone(),
        suite: o.suite.or(spec_suite).unwrap_or(Suite::IosLegacy),
        predicate: o.predicate.clone(),
        previous,
    };
    let set =
        pbkit_ddm::convert(profile, &options).with_context(|| origin.display().to_string())?;
    let manifest = pbkit_ddm::write(&set, &o.out, o.force)?;
    for u in &manifest.unmapped {
        errln!(
            "pbkit: note: {}: {} not converted: {}",
            u.payload,
            u.key,
            u.reason
        );
    }
    if o.json {
        super::print_json(&manifest)?;
    } else {
        print_summary(&manifest, &o.out);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(m: &Manifest, out: &Path) {
    outln!(
        "wrote {}: {} and {}",
        out.display(),
        crate::out::plural(m.declarations.len(), "declaration"),
        crate::out::count(m.assets.len(), "asset file", "asset files")
    );
    for d in &m.declarations {
        outln!("  {}  {}  {}", d.kind, d.identifier, d.server_token);
    }
    for a in &m.assets {
        outln!(
            "  serve {} at {} ({} bytes{})",
            a.file,
            a.url,
            a.size,
            if a.secret { ", secret" } else { "" }
        );
    }
}

fn lint(a: LintArgs) -> anyhow::Result<ExitCode> {
    for p in &a.paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    let files = pbkit_ddm::lint::files(&a.paths)
        .map_err(|e| anyhow::anyhow!("{}", pbkit_outfile::io_reason(&e)))?;
    if files.is_empty() {
        anyhow::bail!("no declaration (.json) in {}", a.paths[0].display());
    }
    let opts = pbkit_profile::LintOptions {
        min_ios: a.min_ios.clone(),
        ..Default::default()
    };
    let mut report = pbkit_profile::Report::default();
    for l in pbkit_ddm::lint::lint(&files, &opts) {
        report.add(&l.file.display().to_string(), l.findings);
    }
    super::print_findings(&report, a.json)
}
