//! `pbkit ddm`: Declarative Device Management output from a spec or a profile.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use pbkit_ddm::{Manifest, Options};
use pbkit_pkcs12::Suite;
use pbkit_profile::model::Profile;
use pbkit_profile::Spec;

use crate::out::{errln, outln};

use crate::flags::ddm::*;

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
