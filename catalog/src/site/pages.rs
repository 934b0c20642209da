//! The pages: the paginated index, the search shards and facets, one page per event and one
//! per application.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Value, json};
use stele_engine::Finding;
use stele_engine::outline::Field;

use super::html::{esc, format_badge, format_name, page};
use super::{MAX_LIST, PAGE_SIZE, SHARD_SIZE, Site, facet_values, index_path};
use crate::asyncapi::first_sentence;
use crate::model::{Event, Version};

/// Index page `n` (1-based): the events of that page, the search box and filters, the pager.
pub(super) fn index(site: &Site<'_>, n: usize) -> String {
    let catalog = site.catalog;
    let pages = site.index_pages();
    let n = n.clamp(1, pages);
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", esc(&catalog.name));
    if let Some(d) = &catalog.description {
        let _ = writeln!(body, "<p class=\"lead\">{}</p>", esc(d));
    }
    let _ = writeln!(
        body,
        "<p class=\"meta\">{} events · {} applications · from {}</p>",
        catalog.events.len(),
        site.apps.len(),
        esc(&catalog.source)
    );
    body.push_str(
        "<form class=\"filters\" role=\"search\" id=\"filters\">\n\
         <input type=\"search\" id=\"q\" placeholder=\"Search events, fields, topics…\" aria-label=\"Search\" autocomplete=\"off\">\n\
         <select id=\"f-domain\" aria-label=\"Domain\"><option value=\"\">All domains</option></select>\n\
         <select id=\"f-owner\" aria-label=\"Owner\"><option value=\"\">All owners</option></select>\n\
         <select id=\"f-format\" aria-label=\"Format\"><option value=\"\">All formats</option></select>\n\
         </form>\n<p id=\"status\" class=\"meta\" aria-live=\"polite\"></p>\n",
    );
    body.push_str(
        "<table class=\"events\" id=\"events\">\n<thead><tr><th>Event</th><th>Domain</th><th>Owner</th>\
         <th>Format</th><th>Versions</th><th>Description</th></tr></thead>\n<tbody>\n",
    );
    let start = (n - 1) * PAGE_SIZE;
    for &i in site.order.iter().skip(start).take(PAGE_SIZE) {
        let event = &catalog.events[i];
        let _ = writeln!(
            body,
            "<tr><td><a href=\"events/{slug}.html\">{title}</a><div class=\"subject\">{subject}</div></td>\
             <td>{domain}</td><td>{owner}</td><td>{format}</td><td>{versions}</td><td>{description}</td></tr>",
            slug = esc(&site.event_slugs[i]),
            title = esc(event.title()),
            subject = esc(&event.subject),
            domain = esc(event.domain.as_deref().unwrap_or("")),
            owner = esc(event.owner.as_deref().unwrap_or("")),
            format = format_badge(event.format),
            versions = event.versions.len(),
            description = esc(&summary(event)),
        );
    }
    body.push_str("</tbody>\n</table>\n");
    let _ = write!(
        body,
        "<nav class=\"pager\" id=\"pager\" aria-label=\"Pages\">"
    );
    if n > 1 {
        let _ = write!(
            body,
            "<a href=\"{}\">« first</a> <a href=\"{}\" rel=\"prev\">‹ previous</a> ",
            index_path(1),
            index_path(n - 1)
        );
    }
    let _ = write!(body, "<span>page {n} of {pages}</span>");
    if n < pages {
        let _ = write!(
            body,
            " <a href=\"{}\" rel=\"next\">next ›</a> <a href=\"{}\">last »</a>",
            index_path(n + 1),
            index_path(pages)
        );
    }
    body.push_str("</nav>\n");
    let title = if n == 1 {
        format!("{} · event catalog", catalog.name)
    } else {
        format!("{} · event catalog · page {n}", catalog.name)
    };
    let mut out = page(
        &title,
        "",
        "index",
        &body,
        &["search/facets.js", "assets/catalog.js"],
    );
    // The search script needs the number of shards; it is on the body, not in inline script.
    out = out.replacen(
        "<body class=\"index\"",
        &format!("<body class=\"index\" data-shards=\"{}\"", site.shards()),
        1,
    );
    out
}

/// The filter values with their counts: `window.STELE_FACETS = {...}`.
pub(super) fn facets(site: &Site<'_>) -> String {
    let events = &site.catalog.events;
    let to_json = |values: Vec<(&str, usize)>| -> Value {
        Value::Array(values.into_iter().map(|(v, c)| json!([v, c])).collect())
    };
    let facets = json!({
        "domains": to_json(facet_values(events.iter().filter_map(|e| e.domain.as_deref()))),
        "owners": to_json(facet_values(events.iter().filter_map(|e| e.owner.as_deref()))),
        "formats": to_json(facet_values(events.iter().map(|e| format_name(e.format)))),
        "total": events.len(),
    });
    format!("window.STELE_FACETS = {facets};\n")
}

/// Search shard `n`: one row per event in index order, `[slug, title, subject, domain, owner,
/// format, summary, versions, text]`, where `text` is lowercased words to match (topic,
/// description, field names and their documentation).
pub(super) fn shard(site: &Site<'_>, n: usize) -> String {
    let rows: Vec<Value> = site
        .order
        .iter()
        .skip(n * SHARD_SIZE)
        .take(SHARD_SIZE)
        .map(|&i| {
            let event = &site.catalog.events[i];
            let mut text = format!(
                "{} {} {} {}",
                event.title(),
                event.subject,
                event.topic.as_deref().unwrap_or(""),
                event.description.as_deref().unwrap_or("")
            );
            if let Some(latest) = event.latest() {
                for (_, field) in latest.outline.flatten() {
                    text.push(' ');
                    text.push_str(&field.name);
                }
            }
            json!([
                site.event_slugs[i],
                event.title(),
                event.subject,
                event.domain.as_deref().unwrap_or(""),
                event.owner.as_deref().unwrap_or(""),
                format_name(event.format),
                summary(event),
                event.versions.len(),
                text.to_lowercase(),
            ])
        })
        .collect();
    format!(
        "(window.STELE_SEARCH = window.STELE_SEARCH || {{}})[{n}] = {};\n",
        Value::Array(rows)
    )
}

/// The first sentence of the event's description, cut to a line's length.
fn summary(event: &Event) -> String {
    let text = event
        .description
        .clone()
        .or_else(|| event.latest().and_then(|v| v.outline.doc.clone()))
        .unwrap_or_default();
    let first = first_sentence(&text);
    if first.chars().count() > 160 {
        let cut: String = first.chars().take(157).collect();
        format!("{cut}…")
    } else {
        first
    }
}

/// One event's page.
pub(super) fn event(site: &Site<'_>, i: usize) -> String {
    let catalog = site.catalog;
    let event = &catalog.events[i];
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>{} {}</h1>\n<p class=\"subject\">subject <code>{}</code></p>",
        esc(event.title()),
        format_badge(event.format),
        esc(&event.subject)
    );
    let description = event
        .description
        .clone()
        .or_else(|| event.latest().and_then(|v| v.outline.doc.clone()));
    if let Some(d) = &description {
        let _ = writeln!(b, "<p class=\"lead\">{}</p>", esc(d));
    }
    b.push_str("<dl class=\"facts\">\n");
    let mut fact = |name: &str, value: String| {
        let _ = writeln!(b, "<dt>{name}</dt><dd>{value}</dd>");
    };
    fact(
        "Topic",
        match &event.topic {
            Some(t) => format!(
                "<code>{}</code>{}",
                esc(t),
                if event.key { " (record key)" } else { "" }
            ),
            None => "none: a shared type, used through references".to_string(),
        },
    );
    fact(
        "Compatibility",
        format!("<code>{}</code>", event.level.as_str()),
    );
    fact("Owner", esc(event.owner.as_deref().unwrap_or("not set")));
    fact("Domain", esc(event.domain.as_deref().unwrap_or("not set")));
    if let Some(latest) = event.latest() {
        fact(
            "Latest version",
            format!(
                "{}{}",
                latest.number,
                latest
                    .id
                    .map_or(String::new(), |id| format!(" (schema id {id})"))
            ),
        );
    }
    b.push_str("</dl>\n");

    b.push_str("<section class=\"apps\"><h2>Producers and consumers</h2>\n");
    if catalog.producers_known {
        let _ = writeln!(
            b,
            "<div class=\"cols\"><div><h3>Produced by</h3>{}</div><div><h3>Consumed by</h3>{}</div></div>",
            app_list(site, &event.producers),
            app_list(site, &event.consumers)
        );
    } else {
        b.push_str(
            "<p class=\"note\">Unknown here: the schema registry does not know which applications \
             produce or consume an event. The catalog that <code>stele catalog</code> generates \
             from <code>stele.toml</code> lists them.</p>\n",
        );
    }
    b.push_str("</section>\n");

    let _ = writeln!(
        b,
        "<section class=\"refs\"><h2>References</h2><div class=\"cols\"><div><h3>Uses</h3>{}</div>\
         <div><h3>Used by</h3>{}</div></div></section>",
        event_list(site, &event.references),
        event_list(site, &event.referenced_by)
    );

    if let Some(latest) = event.latest() {
        let _ = writeln!(
            b,
            "<section class=\"fields\"><h2>Fields <span class=\"meta\">version {}</span></h2>",
            latest.number
        );
        b.push_str(&fields_table(latest));
        b.push_str("</section>\n");
    }

    b.push_str("<section class=\"versions\"><h2>Versions</h2>\n");
    for version in event.versions.iter().rev() {
        version_section(&mut b, event, version);
    }
    b.push_str("</section>\n");
    page(
        &format!("{} · {}", event.title(), catalog.name),
        "../",
        "event",
        &b,
        &[],
    )
}

fn fields_table(version: &Version) -> String {
    let flat = version.outline.flatten();
    if flat.is_empty() {
        return format!(
            "<p class=\"note\">This schema has no fields: its root is <code>{}</code>.</p>\n",
            esc(&version.outline.kind)
        );
    }
    // Row anchors by path, so "see" links jump to where a type was expanded.
    let anchors: HashMap<&str, usize> = flat
        .iter()
        .enumerate()
        .map(|(n, (_, f))| (f.path.as_str(), n))
        .collect();
    let mut t = String::from(
        "<table class=\"fields\" id=\"fields\">\n<thead><tr><th>Field</th><th>Type</th><th>Required</th>\
         <th>Default</th><th>Documentation</th></tr></thead>\n<tbody>\n",
    );
    for (n, (depth, field)) in flat.iter().enumerate() {
        let _ = writeln!(
            t,
            "<tr id=\"field-{n}\" class=\"depth-{d}\"><td style=\"padding-left:{pad}em\" title=\"{path}\">\
             <code>{name}</code></td><td><code>{ty}</code></td><td>{required}</td><td>{default}</td><td>{doc}</td></tr>",
            d = depth.min(&9),
            pad = 0.5 + 1.25 * (*depth as f64),
            path = esc(&field.path),
            name = esc(&field.name),
            ty = esc(&field.ty),
            required = if field.required { "yes" } else { "no" },
            default = field
                .default
                .as_deref()
                .map_or(String::new(), |d| format!("<code>{}</code>", esc(d))),
            doc = field_doc(field, &anchors),
        );
    }
    t.push_str("</tbody>\n</table>\n");
    t
}

fn field_doc(field: &Field, anchors: &HashMap<&str, usize>) -> String {
    let mut out = esc(field.doc.as_deref().unwrap_or(""));
    if !field.symbols.is_empty() {
        let symbols: Vec<String> = field
            .symbols
            .iter()
            .map(|s| format!("<code>{}</code>", esc(s)))
            .collect();
        let _ = write!(
            out,
            "<div class=\"symbols\">one of {}</div>",
            symbols.join(", ")
        );
    }
    if let Some(see) = &field.see {
        let name = esc(field.type_name.as_deref().unwrap_or("the type"));
        match anchors.get(see.as_str()) {
            Some(n) => {
                let _ = write!(
                    out,
                    "<div class=\"see\">{name}: fields shown at <a href=\"#field-{n}\">{}</a></div>",
                    esc(see)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<div class=\"see\">{name}: the event's own type, shown above</div>"
                );
            }
        }
    }
    out
}

fn version_section(b: &mut String, event: &Event, version: &Version) {
    let _ = writeln!(
        b,
        "<article class=\"version\" id=\"v{n}\"><h3>Version {n}{id}</h3>",
        n = version.number,
        id = version.id.map_or(String::new(), |id| format!(
            " <span class=\"meta\">schema id {id}</span>"
        ))
    );
    if let Some(report) = &version.report {
        let previous = report
            .compared
            .first()
            .copied()
            .unwrap_or(version.number - 1);
        let allowed = version.allowed_by(event.level).unwrap_or(true);
        let _ = writeln!(
            b,
            "<p class=\"verdict {class}\">{verdict} under <code>{level}</code> after version {previous}.</p>",
            class = if allowed { "ok" } else { "bad" },
            verdict = if allowed {
                "Compatible"
            } else {
                "Not compatible"
            },
            level = event.level.as_str(),
        );
        b.push_str("<h4>Changes</h4>\n");
        if version.changes.is_empty() {
            b.push_str("<p class=\"note\">No field changes (the text or options changed).</p>\n");
        } else {
            b.push_str("<ul class=\"changes\">\n");
            for change in &version.changes {
                let _ = writeln!(
                    b,
                    "<li class=\"change {kind}\"><span class=\"kind\">{label}</span> {message} <code class=\"path\">{path}</code></li>",
                    kind = change.kind.label().replace(' ', "-"),
                    label = esc(change.kind.label()),
                    message = esc(&change.message),
                    path = esc(&change.path),
                );
            }
            b.push_str("</ul>\n");
        }
        b.push_str("<h4>Why, according to the compatibility engine</h4>\n<ul class=\"why\">\n");
        let (backward, forward): (Vec<&Finding>, Vec<&Finding>) = report
            .findings
            .iter()
            .partition(|f| f.reader_version == version.number);
        for (label, findings) in [
            (
                format!(
                    "Backward: consumers on version {} read data written with version {previous}",
                    version.number
                ),
                backward,
            ),
            (
                format!(
                    "Forward: consumers on version {previous} read data written with version {}",
                    version.number
                ),
                forward,
            ),
        ] {
            if findings.is_empty() {
                let _ = writeln!(b, "<li class=\"ok\">{}: yes.</li>", esc(&label));
            } else {
                let _ = write!(b, "<li class=\"bad\">{}: no.<ul>", esc(&label));
                for f in findings {
                    let _ = write!(
                        b,
                        "<li><code>{}</code> {} <code class=\"path\">{}</code></li>",
                        esc(f.rule.as_str()),
                        esc(&f.message),
                        esc(&f.path)
                    );
                }
                b.push_str("</ul></li>\n");
            }
        }
        b.push_str("</ul>\n");
    } else {
        b.push_str("<p class=\"note\">The first version.</p>\n");
    }
    let _ = writeln!(
        b,
        "<details><summary>Schema text</summary><pre><code>{}</code></pre></details></article>",
        esc(&version.schema)
    );
}

/// Links to application pages, at most [`MAX_LIST`].
fn app_list(site: &Site<'_>, names: &[String]) -> String {
    if names.is_empty() {
        return "<p class=\"note\">none listed</p>".to_string();
    }
    let mut out = String::from("<ul>");
    for name in names.iter().take(MAX_LIST) {
        match site.by_app.get(name.as_str()) {
            Some(&a) => {
                let _ = write!(
                    out,
                    "<li><a href=\"../apps/{}.html\">{}</a></li>",
                    esc(&site.apps[a].slug),
                    esc(name)
                );
            }
            None => {
                let _ = write!(out, "<li>{}</li>", esc(name));
            }
        }
    }
    more(&mut out, names.len());
    out
}

/// Links to event pages, at most [`MAX_LIST`].
fn event_list(site: &Site<'_>, subjects: &[String]) -> String {
    if subjects.is_empty() {
        return "<p class=\"note\">none</p>".to_string();
    }
    let mut out = String::from("<ul>");
    for subject in subjects.iter().take(MAX_LIST) {
        match site.by_subject.get(subject.as_str()) {
            Some(&e) => {
                let _ = write!(
                    out,
                    "<li><a href=\"../events/{}.html\">{}</a></li>",
                    esc(&site.event_slugs[e]),
                    esc(subject)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<li>{} <span class=\"meta\">(not in this catalog)</span></li>",
                    esc(subject)
                );
            }
        }
    }
    more(&mut out, subjects.len());
    out
}

fn more(out: &mut String, total: usize) {
    out.push_str("</ul>");
    if total > MAX_LIST {
        let _ = write!(
            out,
            "<p class=\"note\">and {} more (search the index to find them)</p>",
            total - MAX_LIST
        );
    }
}

/// One application's page.
pub(super) fn app(site: &Site<'_>, a: usize) -> String {
    let app = &site.apps[a];
    let mut b = String::new();
    let _ = writeln!(b, "<h1>{}</h1>", esc(app.name));
    if let Some(d) = app.description {
        let _ = writeln!(b, "<p class=\"lead\">{}</p>", esc(d));
    }
    let _ = writeln!(
        b,
        "<dl class=\"facts\"><dt>Owner</dt><dd>{}</dd></dl>",
        esc(app.owner.unwrap_or("not set"))
    );
    for (title, list) in [("Produces", &app.produces), ("Consumes", &app.consumes)] {
        let subjects: Vec<String> = list
            .iter()
            .map(|&e| site.catalog.events[e].subject.clone())
            .collect();
        let _ = writeln!(
            b,
            "<section><h2>{title}</h2>{}</section>",
            event_list(site, &subjects)
        );
    }
    page(
        &format!("{} · {}", app.name, site.catalog.name),
        "../",
        "app",
        &b,
        &[],
    )
}
