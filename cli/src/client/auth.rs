//! Registry credentials: where they come from and the `Authorization` header they become.
//!
//! Secrets never come from a flag's value (it would show in the process list and in shell
//! history): a flag names the user or the environment variable, the secret itself is in the
//! environment or in the URL's user information. Nothing here prints a secret; `Debug` is
//! redacted. Left out: OAuth flows and Confluent Cloud's identity pools, client certificates.

use anyhow::{Result, bail};
use base64::Engine as _;

/// What the command line says about credentials for one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSource {
    /// `--user USER`: basic auth with the password from `<prefix>_PASSWORD`.
    pub user: Option<String>,
    /// `--token-env NAME`: a bearer token from the environment variable `NAME`.
    pub token_env: Option<String>,
    /// The environment variables' prefix: `STELE_REGISTRY`, or `STELE_SOURCE` for the
    /// registry `stele import` reads from.
    pub env_prefix: &'static str,
}

/// Credentials to send.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Send none.
    None,
    /// HTTP basic auth.
    Basic {
        /// The user name (an API key on some hosted registries).
        user: String,
        /// The password (an API secret).
        password: String,
    },
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credentials::None => "Credentials::None",
            Credentials::Basic { .. } => "Credentials::Basic(***)",
            Credentials::Bearer(_) => "Credentials::Bearer(***)",
        })
    }
}

impl Credentials {
    /// Picks the credentials, first match wins: `--token-env`, `--user`, the URL's
    /// `user:password@`, `<prefix>_TOKEN`, then `<prefix>_USER` with `<prefix>_PASSWORD`.
    /// `env` reads an environment variable (a parameter so tests need not change the
    /// process's environment).
    pub fn resolve(
        source: &CredentialSource,
        from_url: Option<(String, String)>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credentials> {
        let prefix = source.env_prefix;
        let explicit = source.token_env.is_some() || source.user.is_some();
        if explicit && from_url.is_some() {
            bail!(
                "credentials are given twice: in the URL and with --user or --token-env; \
                 keep one"
            );
        }
        if let Some(name) = &source.token_env {
            return match env(name).filter(|t| !t.is_empty()) {
                Some(token) => Ok(Credentials::Bearer(token)),
                None => bail!("--token-env {name}: the environment variable {name} is not set"),
            };
        }
        if let Some(user) = &source.user {
            let variable = format!("{prefix}_PASSWORD");
            return match env(&variable) {
                Some(password) => Ok(Credentials::Basic {
                    user: user.clone(),
                    password,
                }),
                None => {
                    bail!("--user {user}: set the password in the environment variable {variable}")
                }
            };
        }
        if let Some((user, password)) = from_url {
            return Ok(Credentials::Basic { user, password });
        }
        if let Some(token) = env(&format!("{prefix}_TOKEN")).filter(|t| !t.is_empty()) {
            return Ok(Credentials::Bearer(token));
        }
        if let Some(user) = env(&format!("{prefix}_USER")).filter(|u| !u.is_empty()) {
            let variable = format!("{prefix}_PASSWORD");
            return match env(&variable) {
                Some(password) => Ok(Credentials::Basic { user, password }),
                None => bail!("{prefix}_USER is set but {variable} is not"),
            };
        }
        Ok(Credentials::None)
    }

    /// The `Authorization` header value, if any.
    pub fn header(&self) -> Option<String> {
        match self {
            Credentials::None => None,
            Credentials::Basic { user, password } => {
                let pair = format!("{user}:{password}");
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
            Credentials::Bearer(token) => Some(format!("Bearer {token}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(
        user: Option<&str>,
        token_env: Option<&str>,
        url: Option<(&str, &str)>,
        vars: &[(&str, &str)],
    ) -> Result<Credentials> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let source = CredentialSource {
            user: user.map(str::to_string),
            token_env: token_env.map(str::to_string),
            env_prefix: "STELE_REGISTRY",
        };
        Credentials::resolve(
            &source,
            url.map(|(u, p)| (u.to_string(), p.to_string())),
            &|name| vars.get(name).cloned(),
        )
    }

    #[test]
    fn flags_come_first_then_the_url_then_the_environment() {
        let basic = |u: &str, p: &str| Credentials::Basic {
            user: u.into(),
            password: p.into(),
        };
        let env = [
            ("STELE_REGISTRY_PASSWORD", "pw"),
            ("STELE_REGISTRY_TOKEN", "tok"),
            ("MY_TOKEN", "mine"),
        ];
        assert_eq!(
            resolve(None, Some("MY_TOKEN"), None, &env).expect("ok"),
            Credentials::Bearer("mine".into())
        );
        assert_eq!(
            resolve(Some("alice"), None, None, &env).expect("ok"),
            basic("alice", "pw")
        );
        assert_eq!(
            resolve(None, None, Some(("bob", "x")), &env).expect("ok"),
            basic("bob", "x")
        );
        assert_eq!(
            resolve(None, None, None, &env).expect("ok"),
            Credentials::Bearer("tok".into())
        );
        assert_eq!(
            resolve(
                None,
                None,
                None,
                &[
                    ("STELE_REGISTRY_USER", "carol"),
                    ("STELE_REGISTRY_PASSWORD", "pw")
                ]
            )
            .expect("ok"),
            basic("carol", "pw")
        );
        assert_eq!(
            resolve(None, None, None, &[]).expect("ok"),
            Credentials::None
        );
    }

    #[test]
    fn missing_secrets_are_named_and_never_shown() {
        let err = resolve(Some("alice"), None, None, &[]).expect_err("no password");
        assert_eq!(
            err.to_string(),
            "--user alice: set the password in the environment variable STELE_REGISTRY_PASSWORD"
        );
        let err = resolve(None, Some("NOPE"), None, &[]).expect_err("no token");
        assert_eq!(
            err.to_string(),
            "--token-env NOPE: the environment variable NOPE is not set"
        );
        let err = resolve(
            Some("a"),
            None,
            Some(("b", "secret")),
            &[("STELE_REGISTRY_PASSWORD", "p")],
        )
        .expect_err("twice");
        assert!(!err.to_string().contains("secret"));
        let shown = format!(
            "{:?}",
            Credentials::Basic {
                user: "u".into(),
                password: "secret".into()
            }
        );
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn headers_are_basic_or_bearer() {
        let basic = Credentials::Basic {
            user: "Aladdin".into(),
            password: "open sesame".into(),
        };
        assert_eq!(
            basic.header().as_deref(),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        assert_eq!(
            Credentials::Bearer("t".into()).header().as_deref(),
            Some("Bearer t")
        );
        assert_eq!(Credentials::None.header(), None);
    }
}
