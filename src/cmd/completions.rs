use std::process::ExitCode;

use anyhow::Context;

use crate::out::outln;

use crate::flags::completions::*;

pub fn run(args: CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pbkit", &mut script);
    crate::out::bytes(&script)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(a: ManArgs, cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let Some(dir) = a.all else {
        crate::out::bytes(&page(cmd)?)?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let mut written = 0;
    let mut pending = vec![(String::from("pbkit"), cmd)];
    while let Some((name, cmd)) = pending.pop() {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            pending.push((format!("{name}-{}", sub.get_name()), sub.clone()));
        }
        let cmd = cmd.name(name.clone());
        let path = dir.join(format!("{name}.1"));
        pbkit_outfile::write(&path, &page(cmd)?, pbkit_outfile::Perm::Public)?;
        written += 1;
    }
    outln!(
        "wrote {} to {}",
        crate::out::plural(written, "man page"),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One page, roff.
fn page(cmd: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    Ok(page)
}
