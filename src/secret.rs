//! Passwords in: from a file, from an environment variable, or typed at a terminal.
//! Never from argv, where every user of the machine can read them.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use pbkit_pkcs12::{Password, PasswordSource};
use zeroize::Zeroizing;

/// Where one password comes from: the values of a `--…-password-file` / `--…-password-env`
/// pair of flags.
pub struct Source<'a> {
    /// The file flag's value.
    pub file: Option<&'a PathBuf>,
    /// The env flag's value: the *name* of a variable.
    pub env: Option<&'a str>,
    /// The flag names, for messages (e.g. "--in-password").
    pub flag: &'static str,
}

impl<'a> Source<'a> {
    /// The file or variable named, if any.
    pub fn named(&self) -> Option<PasswordSource> {
        match (self.file, self.env) {
            (Some(path), _) => Some(PasswordSource::File(path.clone())),
            (None, Some(name)) => Some(PasswordSource::Env(name.to_string())),
            (None, None) => None,
        }
    }

    /// The source named by a setting (a resume's recorded one, say), for `flag`.
    pub fn of(named: Option<&'a PasswordSource>, flag: &'static str) -> Source<'a> {
        match named {
            Some(PasswordSource::File(path)) => Source {
                file: Some(path),
                env: None,
                flag,
            },
            Some(PasswordSource::Env(name)) => Source {
                file: None,
                env: Some(name),
                flag,
            },
            None => Source {
                file: None,
                env: None,
                flag,
            },
        }
    }

    pub fn given(&self) -> anyhow::Result<Option<Password>> {
        let Some(source) = self.named() else {
            return Ok(None);
        };
        source.read().map(Some).map_err(|e| match e {
            pbkit_pkcs12::Error::PasswordSource { detail, .. } => {
                let value = match &source {
                    PasswordSource::File(p) => format!("{}-file {}", self.flag, p.display()),
                    PasswordSource::Env(n) => format!("{}-env {n}", self.flag),
                };
                anyhow::anyhow!("{value}: {detail}")
            }
            other => other.into(),
        })
    }

    /// The password, prompting on the terminal when no file or variable was named.
    pub fn required(&self, prompt: &str) -> anyhow::Result<Password> {
        if let Some(p) = self.given()? {
            return Ok(p);
        }
        if !std::io::stdin().is_terminal() {
            bail!(
                "no password: use {}-file FILE or {}-env VAR (no terminal to prompt on)",
                self.flag,
                self.flag
            );
        }
        let typed = Zeroizing::new(rpassword::prompt_password(prompt).context("reading password")?);
        Ok(Password::new(typed.as_str()))
    }
}

impl Source<'_> {
    /// A password for a new file: as [`Source::required`], but a typed one is asked twice,
    /// and a named password file that does not exist yet gets a fresh 32-character password
    /// (as `fixtures` and `keyshare pack` make theirs), written by [`NewPassword::save`]
    /// once the file it protects is.
    pub fn new_password(&self, prompt: &str) -> anyhow::Result<NewPassword> {
        if let Some(path) = self.file.filter(|p| !p.exists()) {
            return Ok(NewPassword {
                password: Password::generate(),
                generated: Some((path.clone(), self.flag)),
            });
        }
        let password = self.typed_twice(prompt)?;
        Ok(NewPassword {
            password,
            generated: None,
        })
    }

    fn typed_twice(&self, prompt: &str) -> anyhow::Result<Password> {
        if let Some(p) = self.given()? {
            return Ok(p);
        }
        let first = self.required(prompt)?;
        let again = Source {
            file: None,
            env: None,
            flag: self.flag,
        }
        .required("Again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        Ok(first)
    }
}

/// The password of a file about to be written.
pub struct NewPassword {
    /// The password.
    pub password: Password,
    /// Where a generated password goes, and the flag that named it.
    generated: Option<(PathBuf, &'static str)>,
}

impl NewPassword {
    /// Writes a generated password to its file (0600), after the file it protects.
    pub fn save(&self) -> anyhow::Result<()> {
        if let Some((path, flag)) = &self.generated {
            pbkit_outfile::write(
                path,
                self.password.as_str().as_bytes(),
                pbkit_outfile::Perm::Secret,
            )?;
            crate::out::errln!(
                "pbkit: {flag}-file {}: a new password, generated (mode 0600)",
                path.display()
            );
        }
        Ok(())
    }
}

/// Declares a clap struct for one `--<prefix>-file` / `--<prefix>-env` pair.
macro_rules! password_flags {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$meta])*
        #[derive(Args)]
        pub struct $name {
            #[arg(
                id = concat!($prefix, "-file"),
                long = concat!($prefix, "-file"),
                value_name = "FILE",
                help = concat!("File holding ", $what, " (one trailing newline is ignored)")
            )]
            file: Option<PathBuf>,
            #[arg(
                id = concat!($prefix, "-env"),
                long = concat!($prefix, "-env"),
                value_name = "VAR",
                conflicts_with = concat!($prefix, "-file"),
                help = concat!("Name of an environment variable holding ", $what)
            )]
            env: Option<String>,
        }

        impl $name {
            /// Where the password comes from.
            pub fn source(&self) -> Source<'_> {
                Source { file: self.file.as_ref(), env: self.env.as_deref(), flag: concat!("--", $prefix) }
            }
        }
    };
}

password_flags!(
    /// `--password-file` / `--password-env`: the password of the file being read.
    PasswordArgs, "password", "the password"
);
password_flags!(
    /// `--in-password-file` / `--in-password-env`: the password of the input PKCS#12 files.
    InPasswordArgs, "in-password", "the inputs' password"
);
password_flags!(
    /// `--out-password-file` / `--out-password-env`: the password of the file being written.
    OutPasswordArgs, "out-password", "the new file's password"
);
password_flags!(
    /// `--key-password-file` / `--key-password-env`: the password of an encrypted PEM key.
    KeyPasswordArgs, "key-password", "the key's password, if the PEM key is encrypted"
);
password_flags!(
    /// `--signer-password-file` / `--signer-password-env`: the password of the signer's PKCS#12.
    SignerPasswordArgs, "signer-password", "the signer PKCS#12's password"
);
