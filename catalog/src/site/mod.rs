//! The static HTML site: which files exist and what each contains.
//!
//! [`Site`] indexes a [`Catalog`] once (file names for events and applications, who produces
//! and consumes what) and then renders any single file on demand, so the CLI writes them all
//! and the registry serves one per request without writing anything.
//!
//! Sizes stay flat as the catalog grows: the index is split into pages of [`PAGE_SIZE`] events
//! with a pager that links only the first, previous, next and last page; the search index is
//! split into shards of [`SHARD_SIZE`] events that only the search loads; lists that could
//! name every event (applications' events, `referenced by`) stop at [`MAX_LIST`] and say how
//! many more there are. An event page grows only with that event's own versions and fields.

mod html;
mod pages;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::Catalog;

/// Events per index page.
pub const PAGE_SIZE: usize = 50;
/// Events per search-index shard.
pub const SHARD_SIZE: usize = 1000;
/// Longest list of events on one page before it says "and N more".
pub const MAX_LIST: usize = 200;
/// Longest file name stem made from a subject or application name.
const MAX_SLUG: usize = 80;

const STYLE: &str = include_str!("../../assets/style.css");
const SCRIPT: &str = include_str!("../../assets/catalog.js");

/// A catalog, indexed for rendering.
pub struct Site<'a> {
    catalog: &'a Catalog,
    /// File name stem of each event, in catalog order.
    event_slugs: Vec<String>,
    /// Event index by subject.
    by_subject: HashMap<&'a str, usize>,
    /// Event index by file name stem.
    by_slug: HashMap<String, usize>,
    /// Every application: those described in the catalog and those events name.
    apps: Vec<App<'a>>,
    /// Application index by name.
    by_app: HashMap<&'a str, usize>,
    /// Events in index order (by domain, then title).
    order: Vec<usize>,
}

/// One application's page data.
struct App<'a> {
    name: &'a str,
    slug: String,
    description: Option<&'a str>,
    owner: Option<&'a str>,
    produces: Vec<usize>,
    consumes: Vec<usize>,
}

impl<'a> Site<'a> {
    /// Indexes the catalog.
    pub fn new(catalog: &'a Catalog) -> Site<'a> {
        let mut taken = HashSet::new();
        let event_slugs: Vec<String> = catalog
            .events
            .iter()
            .map(|e| unique_slug(&e.subject, &mut taken))
            .collect();
        let by_subject = catalog
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.subject.as_str(), i))
            .collect();
        let mut apps: Vec<App<'a>> = Vec::new();
        let mut by_app: HashMap<&'a str, usize> = HashMap::new();
        let mut app_taken = HashSet::new();
        let mut add =
            |name: &'a str, apps: &mut Vec<App<'a>>, by_app: &mut HashMap<&'a str, usize>| {
                *by_app.entry(name).or_insert_with(|| {
                    apps.push(App {
                        name,
                        slug: unique_slug(name, &mut app_taken),
                        description: None,
                        owner: None,
                        produces: Vec::new(),
                        consumes: Vec::new(),
                    });
                    apps.len() - 1
                })
            };
        for app in &catalog.applications {
            let i = add(&app.name, &mut apps, &mut by_app);
            apps[i].description = app.description.as_deref();
            apps[i].owner = app.owner.as_deref();
        }
        for (e, event) in catalog.events.iter().enumerate() {
            for producer in &event.producers {
                let i = add(producer, &mut apps, &mut by_app);
                apps[i].produces.push(e);
            }
            for consumer in &event.consumers {
                let i = add(consumer, &mut apps, &mut by_app);
                apps[i].consumes.push(e);
            }
        }
        let mut order: Vec<usize> = (0..catalog.events.len()).collect();
        order.sort_by(|a, b| {
            let (a, b) = (&catalog.events[*a], &catalog.events[*b]);
            (a.domain.as_deref().unwrap_or("~"), a.title(), &a.subject).cmp(&(
                b.domain.as_deref().unwrap_or("~"),
                b.title(),
                &b.subject,
            ))
        });
        let by_slug = event_slugs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        Site {
            catalog,
            by_slug,
            event_slugs,
            by_subject,
            apps,
            by_app,
            order,
        }
    }

    /// Number of index pages (at least one, even for an empty catalog).
    pub fn index_pages(&self) -> usize {
        self.catalog.events.len().div_ceil(PAGE_SIZE).max(1)
    }

    fn shards(&self) -> usize {
        self.catalog.events.len().div_ceil(SHARD_SIZE).max(1)
    }

    /// Every file of the site, relative to its root, `asyncapi.yaml` included.
    pub fn paths(&self) -> Vec<String> {
        let mut out = vec![
            "asyncapi.yaml".to_string(),
            "assets/style.css".to_string(),
            "assets/catalog.js".to_string(),
            "search/facets.js".to_string(),
        ];
        out.extend((1..=self.index_pages()).map(index_path));
        out.extend((0..self.shards()).map(|s| format!("search/{s}.js")));
        out.extend(self.event_slugs.iter().map(|s| format!("events/{s}.html")));
        out.extend(self.apps.iter().map(|a| format!("apps/{}.html", a.slug)));
        out
    }

    /// The contents of one file, or `None` when the site has no such file. `asyncapi.yaml` is
    /// rendered here too, so one call serves every path.
    pub fn render(&self, path: &str) -> Option<Vec<u8>> {
        let text = match path {
            "" | "index.html" => pages::index(self, 1),
            "asyncapi.yaml" => crate::yaml::to_yaml(&crate::asyncapi::document(self.catalog)),
            "assets/style.css" => STYLE.to_string(),
            "assets/catalog.js" => SCRIPT.to_string(),
            "search/facets.js" => pages::facets(self),
            _ => {
                if let Some(n) = path
                    .strip_prefix("index-")
                    .and_then(|p| p.strip_suffix(".html"))
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| (2..=self.index_pages()).contains(n))
                {
                    pages::index(self, n)
                } else if let Some(n) = path
                    .strip_prefix("search/")
                    .and_then(|p| p.strip_suffix(".js"))
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| *n < self.shards())
                {
                    pages::shard(self, n)
                } else if let Some(slug) = path
                    .strip_prefix("events/")
                    .and_then(|p| p.strip_suffix(".html"))
                {
                    let i = *self.by_slug.get(slug)?;
                    pages::event(self, i)
                } else if let Some(slug) = path
                    .strip_prefix("apps/")
                    .and_then(|p| p.strip_suffix(".html"))
                {
                    let i = self.apps.iter().position(|a| a.slug == slug)?;
                    pages::app(self, i)
                } else {
                    return None;
                }
            }
        };
        Some(text.into_bytes())
    }
}

/// The file of index page `n` (1-based).
fn index_path(n: usize) -> String {
    if n <= 1 {
        "index.html".to_string()
    } else {
        format!("index-{n}.html")
    }
}

/// The media type for a file of the site.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("yaml") => "application/yaml; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A file name stem from a name: ASCII letters, digits, `.`, `-` and `_`, at most
/// [`MAX_SLUG`] characters, unique among `taken` (a counter is appended on a clash). File
/// systems that ignore case would merge `A` and `a`, so clashes are found case-insensitively.
fn unique_slug(name: &str, taken: &mut HashSet<String>) -> String {
    let mut base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_SLUG)
        .collect();
    // No hidden files and no `..`.
    if base.is_empty() || base.starts_with('.') {
        base.insert(0, '_');
    }
    let mut slug = base.clone();
    let mut n = 2;
    while !taken.insert(slug.to_ascii_lowercase()) {
        slug = format!("{base}-{n}");
        n += 1;
    }
    slug
}

/// Groups `BTreeMap` counts of a facet for the filters.
pub(crate) fn facet_values<'b>(values: impl Iterator<Item = &'b str>) -> Vec<(&'b str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::unique_slug;

    #[test]
    fn slugs_are_safe_file_names_and_unique_ignoring_case() {
        let mut taken = HashSet::new();
        assert_eq!(
            unique_slug("shop/common/money.proto", &mut taken),
            "shop_common_money.proto"
        );
        assert_eq!(unique_slug("../etc/passwd", &mut taken), "_.._etc_passwd");
        assert_eq!(unique_slug("", &mut taken), "_");
        assert_eq!(unique_slug("Orders", &mut taken), "Orders");
        assert_eq!(unique_slug("orders", &mut taken), "orders-2");
        assert_eq!(unique_slug("orders", &mut taken), "orders-3");
        let long = "x".repeat(500);
        assert_eq!(unique_slug(&long, &mut taken).len(), 80);
        assert_eq!(
            unique_slug(&long, &mut taken),
            format!("{}-2", "x".repeat(80))
        );
    }
}
