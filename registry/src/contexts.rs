//! Confluent contexts: qualified subject names (`:.ctx:name`) and the `/contexts/{ctx}/...`
//! path rewriting (`QualifiedSubject.java`, `ContextFilter.java`).
//!
//! A context is a separate namespace of subjects and of schema ids. Subjects of the default
//! context `.` are stored unqualified; every other subject is stored qualified, so the store
//! can tell a subject's context from its name alone. `:.:name` names the default-context
//! subject `name` and is normalised to it before use.
//!
//! Left out: multi-tenant prefixes (`tenant_...`), which Confluent's open-source build does
//! not use either.

use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;

/// The default context.
pub const DEFAULT_CONTEXT: &str = ".";

/// The prefix `GET /subjects` takes to mean every context.
pub const WILDCARD: &str = ":*:";

/// The reserved context of global config and mode; no subject may live in it.
pub const GLOBAL_CONTEXT: &str = ".__GLOBAL";

/// Splits `:.ctx:name` into (`.ctx`, `name`); an unqualified name is in the default context.
/// `:.:name` gives (`.`, `name`).
pub fn split(subject: &str) -> (&str, &str) {
    if let Some(rest) = subject.strip_prefix(':')
        && rest.starts_with('.')
        && let Some(end) = rest.find(':')
    {
        return (&rest[..end], &rest[end + 1..]);
    }
    (DEFAULT_CONTEXT, subject)
}

/// The context `subject` belongs to (`.` or `.ctx`).
pub fn context_of(subject: &str) -> &str {
    split(subject).0
}

/// Whether `subject` names a context rather than a subject in it (`:.ctx:` or `:.:`): config
/// and mode use such names for context-level settings.
pub fn is_context_name(subject: &str) -> bool {
    subject.starts_with(":.") && split(subject).1.is_empty() && subject.ends_with(':')
}

/// The name a subject is stored under: qualified unless in the default context.
pub fn normalize_subject(subject: &str) -> String {
    let (context, name) = split(subject);
    if context == DEFAULT_CONTEXT {
        name.to_string()
    } else {
        format!(":{context}:{name}")
    }
}

/// The prefix qualifying subjects of `context` (given as `ctx`, `.ctx` or `:.ctx:`), as
/// `QualifiedSubject.normalizeContext` spells it: `:.ctx:`. Empty stays empty.
pub fn context_prefix(context: &str) -> String {
    let trimmed = context.trim_start_matches(':').trim_end_matches(':');
    if trimmed.is_empty() {
        return String::new();
    }
    if trimmed.starts_with('.') {
        format!(":{trimmed}:")
    } else {
        format!(":.{trimmed}:")
    }
}

/// A context name as `GET /contexts` lists it (`.ctx`), from any spelling.
pub fn context_name(context: &str) -> String {
    let prefix = context_prefix(context);
    let inner = prefix.trim_start_matches(':').trim_end_matches(':');
    if inner.is_empty() {
        DEFAULT_CONTEXT.to_string()
    } else {
        inner.to_string()
    }
}

/// A reference's subject as seen from `parent`: an unqualified name refers to a subject of
/// the parent's context (`QualifiedSubject.qualifySubjectWithParent`).
pub fn qualify_with_parent(parent: &str, reference: &str) -> String {
    let context = context_of(parent);
    if reference.starts_with(":.") || context == DEFAULT_CONTEXT {
        normalize_subject(reference)
    } else {
        format!(":{context}:{reference}")
    }
}

/// Whether `subject` (as stored) is listed under `prefix`: `:*:name` matches names in every
/// context, `:.ctx:name` names in that context, and an unqualified prefix (the empty one
/// too) names in the default context, as Confluent reads `subjectPrefix`.
pub fn matches_prefix(prefix: &str, subject: &str) -> bool {
    if let Some(rest) = prefix.strip_prefix(WILDCARD) {
        return split(subject).1.starts_with(rest);
    }
    let (context, rest) = split(prefix);
    let (own_context, name) = split(subject);
    own_context == context && name.starts_with(rest)
}

/// Whether the settings scope `scope` covers `subject`: a context name (`:.ctx:`) covers
/// every subject of the context, a subject only itself.
pub fn covers(scope: &str, subject: &str) -> bool {
    if is_context_name(scope) {
        context_of(scope) == context_of(subject)
    } else {
        scope == subject
    }
}

/// Whether a path segment or parameter is already qualified (or the wildcard), after
/// percent-decoding.
fn starts_with_context(text: &str) -> bool {
    let decoded = percent_decode(text);
    decoded.starts_with(":.") || decoded.starts_with(WILDCARD)
}

/// Rewrites `/contexts/{ctx}/rest?query` the way `ContextFilter` does: the segment after
/// `subjects` (or after a root `config`/`mode`) gets the context's prefix, a root
/// `config`/`mode` gets the context itself as subject, and `subject` (on `/schemas/ids`) or
/// `subjectPrefix` (on `/schemas` and `/subjects`) are qualified. `None` leaves the request
/// alone (not a `/contexts/{ctx}/...` path).
pub fn rewrite(path: &str, query: Option<&str>) -> Option<String> {
    let rest = path.strip_prefix("/contexts/")?;
    let (context, rest) = rest.split_once('/')?;
    if rest.is_empty() {
        return None;
    }
    let prefix = context_prefix(&percent_decode(context));
    let segments: Vec<&str> = rest.split('/').collect();
    let mut out: Vec<String> = Vec::with_capacity(segments.len() + 1);
    let mut subject_next = false;
    let mut config_or_mode = false;
    for (index, segment) in segments.iter().enumerate() {
        if subject_next {
            subject_next = false;
            if starts_with_context(segment) {
                out.push((*segment).to_string());
            } else {
                out.push(format!("{}{segment}", encode_prefix(&prefix)));
            }
            continue;
        }
        let root_config_or_mode = index == 0 && (*segment == "config" || *segment == "mode");
        if *segment == "subjects" || root_config_or_mode {
            subject_next = true;
            config_or_mode |= root_config_or_mode;
        }
        out.push((*segment).to_string());
    }
    if config_or_mode && subject_next && !prefix.is_empty() {
        out.push(encode_prefix(&prefix));
    }
    let new_path = format!("/{}", out.join("/"));
    let target = new_path.trim_end_matches('/');
    let mut pairs: Vec<(String, String)> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let qualify = |value: &str| {
        if starts_with_context(value) {
            value.to_string()
        } else {
            format!("{}{value}", encode_prefix(&prefix))
        }
    };
    let parameter = if target.starts_with("/schemas/ids") {
        Some("subject")
    } else if target == "/schemas" || target == "/subjects" {
        Some("subjectPrefix")
    } else {
        None
    };
    if let Some(parameter) = parameter {
        if pairs.iter().any(|(k, _)| k == parameter) {
            for (key, value) in &mut pairs {
                if key == parameter {
                    *value = qualify(value);
                }
            }
        } else {
            pairs.push((parameter.to_string(), qualify("")));
        }
    }
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if query.is_empty() {
        Some(target.to_string())
    } else {
        Some(format!("{target}?{}", query.join("&")))
    }
}

/// `:` is legal in paths and queries, but percent-encode it so the router and the query
/// parser see exactly one spelling.
fn encode_prefix(prefix: &str) -> String {
    prefix.replace(':', "%3A")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2)))
        {
            out.push(high * 16 + low);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    let digit = char::from(*byte?).to_digit(16)?;
    u8::try_from(digit).ok()
}

/// Middleware applying [`rewrite`] before routing.
pub async fn rewrite_context_path(mut request: Request, next: Next) -> Response {
    let uri = request.uri();
    if let Some(rewritten) = rewrite(uri.path(), uri.query())
        && let Ok(uri) = rewritten.parse::<Uri>()
    {
        *request.uri_mut() = uri;
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_subjects_split() {
        assert_eq!(split(":.ctx:orders"), (".ctx", "orders"));
        assert_eq!(split(":.:orders"), (".", "orders"));
        assert_eq!(split("orders"), (".", "orders"));
        assert_eq!(split(":.ctx:"), (".ctx", ""));
        assert_eq!(split(":x:y"), (".", ":x:y"));
        assert_eq!(normalize_subject(":.:orders"), "orders");
        assert_eq!(normalize_subject(":.ctx:orders"), ":.ctx:orders");
        assert!(is_context_name(":.ctx:"));
        assert!(is_context_name(":.:"));
        assert!(!is_context_name(":.ctx:x"));
        assert_eq!(context_prefix("ctx"), ":.ctx:");
        assert_eq!(context_prefix(".ctx"), ":.ctx:");
        assert_eq!(context_prefix("."), ":.:");
        assert_eq!(context_name(":.ctx:"), ".ctx");
        assert_eq!(qualify_with_parent(":.a:x", "y"), ":.a:y");
        assert_eq!(qualify_with_parent(":.a:x", ":.b:y"), ":.b:y");
        assert_eq!(qualify_with_parent(":.a:x", ":.:y"), "y");
        assert_eq!(qualify_with_parent("x", "y"), "y");
    }

    #[test]
    fn prefixes_select_contexts() {
        assert!(!matches_prefix("", ":.ctx:a"));
        assert!(matches_prefix("", "a"));
        assert!(matches_prefix(":*:", ":.ctx:a"));
        assert!(matches_prefix(":*:a", ":.ctx:ab"));
        assert!(matches_prefix(":*:a", "ab"));
        assert!(!matches_prefix(":*:b", "ab"));
        assert!(matches_prefix(":.ctx:", ":.ctx:a"));
        assert!(!matches_prefix(":.ctx:", ":.other:a"));
        assert!(!matches_prefix(":.ctx:", "a"));
        assert!(matches_prefix(":.:", "a"));
        assert!(!matches_prefix(":.:", ":.ctx:a"));
        assert!(matches_prefix("a", "ab"));
        assert!(!matches_prefix("a", ":.ctx:a"));
        assert!(covers(":.ctx:", ":.ctx:a"));
        assert!(!covers(":.ctx:", "a"));
        assert!(covers("a", "a"));
    }

    #[test]
    fn paths_are_rewritten_like_the_context_filter() {
        assert_eq!(
            rewrite("/contexts/.ctx/subjects/x/versions", None).as_deref(),
            Some("/subjects/%3A.ctx%3Ax/versions")
        );
        assert_eq!(
            rewrite("/contexts/ctx/subjects/:.other:x/versions", None).as_deref(),
            Some("/subjects/:.other:x/versions")
        );
        assert_eq!(
            rewrite("/contexts/.ctx/config", None).as_deref(),
            Some("/config/%3A.ctx%3A")
        );
        assert_eq!(
            rewrite("/contexts/.ctx/mode/x", None).as_deref(),
            Some("/mode/%3A.ctx%3Ax")
        );
        assert_eq!(
            rewrite("/contexts/.ctx/compatibility/subjects/x/versions/1", None).as_deref(),
            Some("/compatibility/subjects/%3A.ctx%3Ax/versions/1")
        );
        assert_eq!(
            rewrite("/contexts/.ctx/subjects", Some("deleted=true")).as_deref(),
            Some("/subjects?deleted=true&subjectPrefix=%3A.ctx%3A")
        );
        assert_eq!(
            rewrite("/contexts/.ctx/schemas/ids/1", Some("subject=x")).as_deref(),
            Some("/schemas/ids/1?subject=%3A.ctx%3Ax")
        );
        assert_eq!(
            rewrite("/contexts/.ctx/schemas/ids/1", None).as_deref(),
            Some("/schemas/ids/1?subject=%3A.ctx%3A")
        );
        assert_eq!(rewrite("/contexts/.ctx", None), None);
        assert_eq!(rewrite("/contexts", None), None);
        assert_eq!(rewrite("/subjects", None), None);
    }
}
