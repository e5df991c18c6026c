//! Who pbkit is to Jamf Pro: an API client or a user, read from a private file or the
//! environment, never from the command line.

use std::path::Path;

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::Error;

/// Who pbkit is to Jamf Pro.
pub enum Credentials {
    /// An API client (Settings > API roles and clients): OAuth client credentials.
    ApiClient {
        /// The client ID.
        id: String,
        /// The client secret.
        secret: Zeroizing<String>,
    },
    /// A Jamf Pro user account: basic credentials traded for a bearer token.
    User {
        /// The user name.
        name: String,
        /// The password.
        password: Zeroizing<String>,
    },
}

impl std::fmt::Debug for Credentials {
    // Never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::ApiClient { id, .. } => write!(f, "ApiClient({id})"),
            Credentials::User { name, .. } => write!(f, "User({name})"),
        }
    }
}

/// The variables [`Credentials::from_env`] reads.
pub const ENV_VARS: [&str; 4] = [
    "JAMF_CLIENT_ID",
    "JAMF_CLIENT_SECRET",
    "JAMF_USER",
    "JAMF_PASSWORD",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    client_id: Option<String>,
    client_secret: Option<String>,
    user: Option<String>,
    password: Option<String>,
}

impl Credentials {
    /// Credentials from a TOML file holding `client_id` and `client_secret`, or `user` and
    /// `password`. The file must not be readable by group or others (like ssh's keys).
    pub fn from_file(path: &Path) -> Result<Credentials, Error> {
        let shown = path.display();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = pbkit_infile::open_regular(path)?
                .metadata()
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            if mode & 0o077 != 0 {
                return Err(Error::Credentials(CredentialsProblem::Exposed {
                    file: shown.to_string(),
                    mode: mode & 0o7777,
                }));
            }
        }
        let bytes = pbkit_infile::read_secret(
            path,
            pbkit_infile::Limit::new(64 << 10, "a credentials file"),
        )?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::Credentials(CredentialsProblem::NotText(shown.to_string())))?;
        let file: CredentialsFile = toml::from_str(text).map_err(|e| {
            Error::Credentials(CredentialsProblem::Syntax {
                file: shown.to_string(),
                reason: e.message().to_string(),
            })
        })?;
        Credentials::pick(
            file.client_id,
            file.client_secret.map(Zeroizing::new),
            file.user,
            file.password.map(Zeroizing::new),
            &format!("{shown} (client_id and client_secret, or user and password)"),
        )
    }

    /// Credentials from `JAMF_CLIENT_ID` and `JAMF_CLIENT_SECRET`, or `JAMF_USER` and
    /// `JAMF_PASSWORD`.
    pub fn from_env() -> Result<Credentials, Error> {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Credentials::pick(
            var("JAMF_CLIENT_ID"),
            var("JAMF_CLIENT_SECRET").map(Zeroizing::new),
            var("JAMF_USER"),
            var("JAMF_PASSWORD").map(Zeroizing::new),
            "the environment (JAMF_CLIENT_ID and JAMF_CLIENT_SECRET, or JAMF_USER and \
             JAMF_PASSWORD)",
        )
    }

    fn pick(
        client_id: Option<String>,
        secret: Option<Zeroizing<String>>,
        user: Option<String>,
        password: Option<Zeroizing<String>>,
        place: &str,
    ) -> Result<Credentials, Error> {
        match (client_id, secret, user, password) {
            (Some(id), Some(secret), None, None) => Ok(Credentials::ApiClient { id, secret }),
            (None, None, Some(name), Some(password)) => Ok(Credentials::User { name, password }),
            (None, None, None, None) => Err(CredentialsProblem::None(place.to_string())),
            (Some(_), Some(_), _, _) => Err(CredentialsProblem::Both(place.to_string())),
            _ => Err(CredentialsProblem::Incomplete(place.to_string())),
        }
        .map_err(Error::Credentials)
    }
}

/// Why credentials cannot be used. `place` and `file` name where they were looked for;
/// no variant holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsProblem {
    /// The file is readable by group or others.
    #[error("{file} is readable by others (mode {mode:04o}): chmod 600 {file}")]
    Exposed {
        /// The file.
        file: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not UTF-8.
    #[error("{0} is not UTF-8 text")]
    NotText(String),
    /// The file is not TOML. The reason is TOML's message alone: the full error quotes
    /// the line, which may hold the secret.
    #[error("{file}: {reason}")]
    Syntax {
        /// The file.
        file: String,
        /// What TOML says is wrong.
        reason: String,
    },
    /// Nothing found.
    #[error("none in {0}")]
    None(String),
    /// An API client and a user both given.
    #[error("both an API client and a user in {0}: give one")]
    Both(String),
    /// Half of a pair given.
    #[error("incomplete in {0}")]
    Incomplete(String),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pick(
        id: Option<&str>,
        secret: Option<&str>,
        user: Option<&str>,
        pw: Option<&str>,
    ) -> String {
        let z = |s: Option<&str>| s.map(|s| Zeroizing::new(s.to_string()));
        match Credentials::pick(
            id.map(str::to_string),
            z(secret),
            user.map(str::to_string),
            z(pw),
            "F",
        ) {
            Ok(c) => format!("{c:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn credentials_are_one_complete_pair_and_debug_hides_the_secret() {
        assert_eq!(
            pick(Some("id"), Some("s3cret"), None, None),
            "ApiClient(id)"
        );
        assert_eq!(pick(None, None, Some("u"), Some("pw")), "User(u)");
        assert_eq!(pick(None, None, None, None), "credentials: none in F");
        assert_eq!(
            pick(Some("id"), None, None, None),
            "credentials: incomplete in F"
        );
        assert_eq!(
            pick(None, None, Some("u"), None),
            "credentials: incomplete in F"
        );
        assert_eq!(
            pick(Some("id"), Some("s"), Some("u"), Some("p")),
            "credentials: both an API client and a user in F: give one"
        );
    }

    #[test]
    fn a_credentials_file_must_be_owner_only_and_well_formed() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jamf.toml");
        std::fs::write(&path, "client_id = \"i\"\nclient_secret = \"s\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        match Credentials::from_file(&path).unwrap_err() {
            Error::Credentials(CredentialsProblem::Exposed { mode, .. }) => {
                assert_eq!(mode & 0o777, 0o640)
            }
            other => panic!("{other:?}"),
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            format!("{:?}", Credentials::from_file(&path).unwrap()),
            "ApiClient(i)"
        );
        std::fs::write(&path, "client_id = \"i\"\nclient_sekret = \"s\"\n").unwrap();
        let err = Credentials::from_file(&path).unwrap_err();
        let Error::Credentials(CredentialsProblem::Syntax { reason, .. }) = &err else {
            panic!("{err:?}")
        };
        assert!(reason.contains("unknown field `client_sekret`"), "{reason}");
        // TOML's full message quotes the line, and with it the secret: not shown.
        assert!(!err.to_string().contains("\"s\""), "{err}");
    }
}
