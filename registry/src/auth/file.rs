//! The auth file (`--auth-file FILE`, TOML): users with argon2 password hashes, bearer tokens
//! kept as SHA-256 digests, and ACL entries granting a permission on a subject pattern.
//!
//! ```toml
//! [[users]]
//! name = "alice"
//! password_hash = "$argon2id$v=19$m=19456,t=2,p=1$..."   # stele-registry hash-password
//!
//! [[tokens]]
//! name = "ci"
//! sha256 = "9f86d08188..."                                # stele-registry new-token ci
//!
//! [[acl]]
//! principal = "alice"       # a user or token name, or "*" for every one of them
//! permission = "write"      # read, write or admin; each includes the ones before it
//! subjects = "orders-*"     # `*` any run, `?` one character; "*" (the default) is everything
//! ```
//!
//! As in Karapace's ACLs, entries only grant (there is no deny), their order does not matter,
//! and a principal with no entry may authenticate but do nothing beyond the routes about no
//! subject. Users and tokens share one namespace of principal names.
//!
//! Left out: groups, deny entries. (Reloading is `Auth::reload`.)

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::auth::glob::Glob;
use crate::auth::secret::{self, Digest256};

/// What an ACL entry grants; each level includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Read schemas, versions and settings of the subjects; look up and test schemas.
    Read,
    /// Also register schemas and soft-delete versions and subjects.
    Write,
    /// Also delete permanently and change compatibility and mode.
    Admin,
}

impl Permission {
    /// The operation's name in 403 messages (`User is denied operation Write on ...`).
    pub fn operation(self) -> &'static str {
        match self {
            Permission::Read => "Read",
            Permission::Write => "Write",
            Permission::Admin => "Admin",
        }
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFile {
    #[serde(default)]
    users: Vec<UserEntry>,
    #[serde(default)]
    tokens: Vec<TokenEntry>,
    #[serde(default)]
    acl: Vec<AclEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    name: String,
    password_hash: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    name: String,
    sha256: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AclEntry {
    principal: String,
    permission: Permission,
    #[serde(default = "every_subject")]
    subjects: String,
}

fn every_subject() -> String {
    "*".to_string()
}

/// One grant: a permission on the subjects a pattern matches.
#[derive(Debug, Clone)]
pub struct Grant {
    /// What is granted.
    pub permission: Permission,
    /// On which subjects.
    pub subjects: Glob,
}

/// A user or a token, with the grants of every ACL entry naming it (or `*`).
#[derive(Debug, Clone)]
pub struct Account {
    /// The principal name.
    pub name: String,
    /// The secret's check.
    pub credential: Credential,
    /// What it may do.
    pub grants: Vec<Grant>,
}

/// How an account proves itself.
#[derive(Clone)]
pub enum Credential {
    /// HTTP Basic with a password; the argon2 PHC string.
    Password(String),
    /// A bearer token; the SHA-256 of the token.
    Token(Digest256),
}

impl std::fmt::Debug for Credential {
    // Hashes are not secrets, but they help offline guessing: keep them out of logs too.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Password(_) => f.write_str("Password(..)"),
            Credential::Token(_) => f.write_str("Token(..)"),
        }
    }
}

/// Reads and checks the auth file at `path`. Errors name the file and the entry, never a
/// hash.
pub fn load(path: &Path) -> anyhow::Result<Vec<Account>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the auth file {}", path.display()))?;
    parse(&text).with_context(|| format!("in the auth file {}", path.display()))
}

/// The accounts described by TOML `text`.
pub fn parse(text: &str) -> anyhow::Result<Vec<Account>> {
    // The toml crate's errors quote the offending line, which may hold a hash: report only
    // its message and position.
    let file: AuthFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| before.matches('\n').count() + 1);
        match line {
            Some(line) => anyhow::anyhow!("line {line}: {}", e.message()),
            None => anyhow::anyhow!("{}", e.message()),
        }
    })?;
    let mut names = HashSet::new();
    let mut accounts = Vec::new();
    for user in file.users {
        check_name(&user.name, &mut names)?;
        secret::check_password_hash(&user.password_hash)
            .map_err(|e| anyhow::anyhow!("user `{}`: password_hash is {e}", user.name))?;
        accounts.push(Account {
            name: user.name,
            credential: Credential::Password(user.password_hash),
            grants: Vec::new(),
        });
    }
    for token in file.tokens {
        check_name(&token.name, &mut names)?;
        let digest = secret::parse_hex(token.sha256.trim()).ok_or_else(|| {
            anyhow::anyhow!(
                "token `{}`: sha256 must be 64 hex digits (`stele-registry new-token` prints it)",
                token.name
            )
        })?;
        accounts.push(Account {
            name: token.name,
            credential: Credential::Token(digest),
            grants: Vec::new(),
        });
    }
    for (index, entry) in file.acl.iter().enumerate() {
        if entry.principal != "*" && !names.contains(entry.principal.as_str()) {
            bail!(
                "acl entry {}: principal `{}` is neither a user nor a token of this file",
                index + 1,
                entry.principal
            );
        }
        if entry.subjects.is_empty() {
            bail!(
                "acl entry {}: subjects is empty (use \"*\" for every subject)",
                index + 1
            );
        }
        for account in &mut accounts {
            if entry.principal == "*" || entry.principal == account.name {
                account.grants.push(Grant {
                    permission: entry.permission,
                    subjects: Glob::new(&entry.subjects),
                });
            }
        }
    }
    Ok(accounts)
}

fn check_name(name: &str, seen: &mut HashSet<String>) -> anyhow::Result<()> {
    if name.is_empty() || name == "*" || name.contains(':') || name.chars().any(char::is_control) {
        bail!("principal name `{name}` is not allowed (no `:`, no control characters, not `*`)");
    }
    if !seen.insert(name.to_string()) {
        bail!("principal name `{name}` is used twice (users and tokens share names)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A real argon2 hash of "pw" with the cheapest parameters, so tests stay fast.
    fn valid_hash() -> String {
        use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
        let params = Params::new(8, 1, 1, None).unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_with_salt(b"pw", b"saltsaltsalt")
            .unwrap()
            .to_string()
    }

    #[test]
    fn users_tokens_and_grants_are_read() {
        let text = format!(
            "[[users]]\nname = \"alice\"\npassword_hash = \"{}\"\n\n\
             [[tokens]]\nname = \"ci\"\nsha256 = \"{}\"\n\n\
             [[acl]]\nprincipal = \"alice\"\npermission = \"write\"\nsubjects = \"orders-*\"\n\n\
             [[acl]]\nprincipal = \"*\"\npermission = \"read\"\n",
            valid_hash(),
            "ab".repeat(32)
        );
        let accounts = parse(&text).unwrap();
        assert_eq!(accounts.len(), 2);
        let alice = &accounts[0];
        assert_eq!(alice.name, "alice");
        assert_eq!(alice.grants.len(), 2);
        assert_eq!(alice.grants[0].permission, Permission::Write);
        assert!(alice.grants[1].subjects.is_everything());
        let ci = &accounts[1];
        assert!(matches!(ci.credential, Credential::Token(_)));
        assert_eq!(ci.grants.len(), 1);
        assert!(!format!("{alice:?}").contains("argon2"));
    }

    #[test]
    fn mistakes_are_refused_with_their_entry_and_without_the_hash() {
        let hash = valid_hash();
        for (text, expected) in [
            (
                "[[users]]\nname = \"a\"\npassword_hash = \"$1$md5$x\"\n".to_string(),
                "user `a`",
            ),
            (
                "[[tokens]]\nname = \"t\"\nsha256 = \"abc\"\n".to_string(),
                "token `t`",
            ),
            (
                format!(
                    "[[users]]\nname = \"a\"\npassword_hash = \"{hash}\"\n\
                     [[tokens]]\nname = \"a\"\nsha256 = \"{}\"\n",
                    "00".repeat(32)
                ),
                "used twice",
            ),
            (
                "[[acl]]\nprincipal = \"ghost\"\npermission = \"read\"\n".to_string(),
                "ghost",
            ),
            (
                format!(
                    "[[users]]\nname = \"a\"\npassword_hash = \"{hash}\"\n\
                     [[acl]]\nprincipal = \"a\"\npermission = \"owner\"\n"
                ),
                "line",
            ),
            (
                format!("[[users]]\nname = \"a\"\npassword_hash = \"{hash}\"\nrole = \"x\"\n"),
                "line 4",
            ),
        ] {
            let error = format!("{:#}", parse(&text).unwrap_err());
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains(&hash), "{error}");
        }
    }
}
