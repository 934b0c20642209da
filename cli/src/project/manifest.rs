//! The text of `stele.toml` as serde reads it, before validation.
//!
//! Every table denies unknown keys, and every value that validation may refuse (a level, a
//! file, a reference, a severity) keeps its span so the error can name its line. Nothing here
//! decides a default or touches the file system; `super::load` does.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    pub project: Project,
    #[serde(default)]
    pub defaults: Defaults,
    pub registry: Option<Registry>,
    #[serde(default)]
    pub lint: Lint,
    #[serde(default)]
    pub catalog: Catalog,
    #[serde(default)]
    pub applications: BTreeMap<String, Application>,
    #[serde(default)]
    pub subjects: Vec<Spanned<Subject>>,
    #[serde(default)]
    pub policies: Vec<Spanned<Policy>>,
}

/// `[project]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Project {
    pub name: String,
    pub description: Option<String>,
    pub root: Option<Spanned<String>>,
}

/// `[defaults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Defaults {
    pub compatibility: Option<Spanned<String>>,
    pub naming: Option<Spanned<String>>,
    pub new_subject: Option<Spanned<String>>,
    pub normalize: Option<bool>,
}

/// `[registry]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Registry {
    pub url: Spanned<String>,
}

/// `[lint]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Lint {
    pub max_fields: Option<Spanned<i64>>,
    #[serde(default)]
    pub rules: BTreeMap<String, Spanned<String>>,
}

/// `[catalog]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Catalog {
    #[serde(default)]
    pub servers: BTreeMap<String, Server>,
}

/// `[catalog.servers.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Server {
    pub host: String,
    pub protocol: Option<String>,
    pub description: Option<String>,
}

/// `[applications.NAME]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Application {
    pub description: Option<String>,
    pub owner: Option<String>,
}

/// One `[[subjects]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Subject {
    pub file: Spanned<String>,
    pub format: Option<Spanned<String>>,
    pub subject: Option<Spanned<String>>,
    pub topic: Option<String>,
    #[serde(default)]
    pub key: bool,
    pub record: Option<String>,
    #[serde(default)]
    pub history: Vec<Spanned<String>>,
    pub compatibility: Option<Spanned<String>>,
    pub normalize: Option<bool>,
    pub new_subject: Option<Spanned<String>>,
    #[serde(default)]
    pub references: Vec<Spanned<Reference>>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub domain: Option<String>,
    #[serde(default)]
    pub producers: Vec<String>,
    #[serde(default)]
    pub consumers: Vec<String>,
    #[serde(default)]
    pub personal_data: Vec<String>,
    #[serde(default)]
    pub lint: BTreeMap<String, Spanned<String>>,
}

/// `{ name, subject }` in a subject's `references`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Reference {
    pub name: String,
    pub subject: String,
}

/// One `[[policies]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Policy {
    #[serde(rename = "match")]
    pub pattern: String,
    pub compatibility: Option<Spanned<String>>,
    pub new_subject: Option<Spanned<String>>,
    #[serde(default)]
    pub ignore: bool,
    #[serde(default)]
    pub lint: BTreeMap<String, Spanned<String>>,
}
