//! `pbkit token`: Purebred's persistent-token (CryptoTokenKit) path.

use std::process::ExitCode;

use pbkit_keyshare::Source;
use pbkit_outfile::{Existing, Perm, StagedDir};
use pbkit_token::app::{AppFiles, AppIds};
use pbkit_token::{PlanReport, Registration};

use crate::out::outln;

use crate::flags::token::*;

pub fn run(cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::Plan(a) => plan(a),
        TokenCommand::Scaffold(a) => scaffold(a),
        TokenCommand::Lint(a) => lint(a),
    }
}

fn plan(a: PlanArgs) -> anyhow::Result<ExitCode> {
    let password = a
        .in_password
        .source()
        .required("Password of the PKCS#12 inputs: ")?;
    let plan = Source::read_all(&a.inputs, &password)?
        .iter()
        .map(|s| Registration::of(&s.origin, s.identity.certificate()))
        .collect::<Result<Vec<_>, _>>()?;
    if a.json {
        super::print_json(&plan)?;
    } else {
        crate::out::text(&PlanReport(&plan).to_string());
    }
    Ok(ExitCode::SUCCESS)
}

fn scaffold(a: ScaffoldArgs) -> anyhow::Result<ExitCode> {
    let mut ids = AppIds::new(&a.team_prefix, &a.app_id)?.driver_class(&a.driver_class);
    if let Some(id) = &a.extension_id {
        ids = ids.extension(id)?;
    }
    if let Some(group) = &a.access_group {
        ids = ids.access_group(group)?;
    }
    if let Some(id) = &a.consumer_id {
        ids = ids.consumer(id)?;
    }
    let existing = Existing::replace_if(a.force);
    let staged = StagedDir::new(&a.out, existing, Perm::Public)?;
    let files = ids.scaffold();
    for f in &files {
        let bytes = pbkit_profile::model::xml(&f.value);
        pbkit_outfile::write(staged.path().join(f.name), &bytes, Perm::Public)?;
    }
    staged.commit()?;
    outln!("wrote {}:", a.out.display());
    for f in &files {
        outln!("  {:<30} {}", f.name, f.about);
    }
    Ok(ExitCode::SUCCESS)
}

fn lint(a: LintArgs) -> anyhow::Result<ExitCode> {
    let files = AppFiles {
        provider_entitlements: a.provider_entitlements,
        extension_entitlements: a.extension_entitlements,
        extension_info_plist: a.extension_info_plist,
        consumer_entitlements: a.consumer_entitlements,
        extension_id: a.extension_id,
    };
    if files.provider_entitlements.is_none()
        && files.extension_entitlements.is_none()
        && files.extension_info_plist.is_none()
        && files.consumer_entitlements.is_none()
    {
        return Err(crate::Usage(
            "nothing to lint: give --provider-entitlements, --extension-entitlements, \
             --extension-info-plist or --consumer-entitlements"
                .into(),
        )
        .into());
    }
    super::print_findings(&pbkit_token::app::lint(&files), a.json)
}
