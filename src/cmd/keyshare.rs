use std::process::ExitCode;

use anyhow::Context;
use pbkit_keyshare::{classify_files, info_plist, PackOptions, Plan, Source, Uti, UtiTable};
use pbkit_outfile::{Existing, StagedDir};
use pbkit_pkcs12::Password;

use crate::out::{outln, warnln};

use crate::flags::keyshare::*;

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

fn classify_cmd(a: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let secret = a.in_password.source();
    let rows = classify_files(&a.inputs, || {
        secret.required("Password of the PKCS#12 inputs: ")
    })?;
    if a.json {
        super::print_json(&rows)?;
    } else {
        rows.iter().for_each(|r| outln!("{r}"));
    }
    Ok(ExitCode::SUCCESS)
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
    let table = UtiTable::of(&if a.resolve.is_empty() {
        Uti::table(a.format)
    } else {
        parse(&a.resolve)?
    });
    if a.json {
        super::print_json(&table)?;
    } else {
        crate::out::text(&table.to_string());
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
