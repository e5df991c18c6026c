//! A Purebred key-sharing pack from a folder of PKCS#12 files that share one password.
//!
//! `cargo run -p pbkit-keyshare --example pack -- tests/fixtures/purebred-skp password OUT`
//! (the second argument names an environment variable or a file holding the password).

use pbkit_keyshare::{Format, PackOptions, Plan, Source};
use pbkit_pkcs12::{Identity, Password, PasswordSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let [folder, password, out] = &std::env::args().skip(1).collect::<Vec<_>>()[..] else {
        return Err("usage: pack FOLDER PASSWORD_FILE|PASSWORD_ENV OUT".into());
    };
    let password = match std::env::var_os(password) {
        Some(_) => PasswordSource::Env(password.clone()).read()?,
        None => PasswordSource::File(password.into()).read()?,
    };
    let mut sources = Vec::new();
    for path in pbkit_keyshare::pkcs12_inputs(&[folder.into()])? {
        let identity = Identity::from_pkcs12(&std::fs::read(&path)?, &password)?;
        sources.push(Source {
            origin: path.display().to_string(),
            identity,
        });
    }
    let plan = Plan::new(sources, time::OffsetDateTime::now_utc())?;
    std::fs::create_dir_all(out)?;
    let manifest = plan.write(
        out.as_ref(),
        PackOptions::for_format(Format::V2025),
        &Password::generate(),
    )?;
    for archive in &manifest.archives {
        println!("{}: {}", archive.name, archive.entries.join(", "));
    }
    Ok(())
}
