//! HTML text helpers: escaping and the page frame every page shares.
//!
//! Pages are written as strings with every piece of catalog data passed through [`esc`]; no
//! data ever reaches a page unescaped, and pages hold no inline script, so a strict
//! `script-src 'self'` policy works when the registry serves them.

use std::fmt::Write as _;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: `root` is the relative path back to the site's root (`""` or `"../"`).
pub fn page(title: &str, root: &str, body_class: &str, body: &str, scripts: &[&str]) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         <link rel=\"stylesheet\" href=\"{root}assets/style.css\">\n</head>\n\
         <body class=\"{body_class}\" data-root=\"{root}\">\n\
         <header class=\"top\"><a class=\"home\" href=\"{root}index.html\">Event catalog</a>\
         <a class=\"spec\" href=\"{root}asyncapi.yaml\">asyncapi.yaml</a></header>\n<main>\n",
        title = esc(title),
        root = esc(root),
        body_class = esc(body_class),
    );
    out.push_str(body);
    out.push_str("</main>\n");
    for script in scripts {
        let _ = writeln!(
            out,
            "<script src=\"{root}{}\"></script>",
            esc(script),
            root = esc(root)
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A format's label and CSS class.
pub fn format_badge(format: stele_engine::Format) -> String {
    let (class, label) = match format {
        stele_engine::Format::Avro => ("avro", "Avro"),
        stele_engine::Format::Protobuf => ("protobuf", "Protobuf"),
        stele_engine::Format::Json => ("json", "JSON Schema"),
    };
    format!("<span class=\"badge {class}\">{label}</span>")
}

/// The human name of a format, as the filters show it.
pub fn format_name(format: stele_engine::Format) -> &'static str {
    match format {
        stele_engine::Format::Avro => "Avro",
        stele_engine::Format::Protobuf => "Protobuf",
        stele_engine::Format::Json => "JSON Schema",
    }
}
