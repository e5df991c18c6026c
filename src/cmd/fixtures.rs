use std::process::ExitCode;

use anyhow::Context;
use pbkit_fixtures::{generate, Options, Shape};
use pbkit_outfile::{Existing, StagedDir};

use pbkit_pki::rfc3339;

use crate::out::outln;

use crate::flags::fixtures::*;

pub fn run(args: FixturesArgs) -> anyhow::Result<ExitCode> {
    let mut opts = Options {
        users: args.users,
        generations: args.generations,
        key: args.key,
        crl_base: args.crl_url,
        ocsp_url: args.ocsp_url,
        shape: args.shape,
        validity: args.valid_from.zip(args.valid_until),
        ..Options::default()
    };
    if let Some(at) = args.at {
        opts.at = at;
    }
    // Out-of-range options are usage errors, found before anything is written.
    opts.check().map_err(|e| crate::Usage(e.to_string()))?;
    let existing = Existing::replace_if(args.force);
    // Refuse before spending seconds on key generation.
    let staged = StagedDir::new(&args.out, existing, pbkit_outfile::Perm::Secret)?;
    let bar = crate::progress::bar(opts.steps(), "generating");
    let pki = generate(&opts, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let manifest = pki
        .write(staged.path())
        .with_context(|| format!("writing {}", args.out.display()))?
        .clone();
    staged.commit()?;
    if args.json {
        super::print_json(&manifest)?;
    } else {
        let identities = manifest
            .files
            .iter()
            .filter(|f| f.format == pbkit_fixtures::FileFormat::Pkcs12)
            .count();
        outln!(
            "wrote {} to {}: {} x {}, {} (ios-legacy{}), {}, valid around {}",
            crate::out::plural(manifest.files.len() + 1, "file"),
            args.out.display(),
            crate::out::plural(manifest.users as usize, "user"),
            crate::out::plural(manifest.generations as usize, "generation"),
            crate::out::count(identities, "PKCS#12 identity", "PKCS#12 identities"),
            match manifest.shape {
                Shape::Pbkit => String::new(),
                other => format!(", {other} shape"),
            },
            manifest.key,
            rfc3339(manifest.at),
        );
        outln!(
            "password: {}/password (mode 0600); every file is described in {}/manifest.json",
            args.out.display(),
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
