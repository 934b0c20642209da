//! A small YAML writer for JSON values, so `asyncapi.yaml` reads as YAML without a YAML
//! library.
//!
//! Block style for maps and sequences; every string and key is written as a JSON string
//! literal, which is also a valid YAML double-quoted scalar (YAML 1.2 accepts every JSON
//! escape), so no string can be mistaken for a number, a boolean or `null`. Multi-line strings
//! (Protobuf source, long descriptions) become literal block scalars when that is exact, and
//! stay quoted otherwise. Nesting is bounded by the value, which we build ourselves.

use serde_json::Value;

/// The value as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

fn write_map(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        push_indent(indent, out);
        out.push_str(&quote(key));
        out.push(':');
        write_child(value, indent, out);
    }
}

fn write_seq(items: &[Value], indent: usize, out: &mut String) {
    for value in items {
        push_indent(indent, out);
        out.push('-');
        write_child(value, indent, out);
    }
}

/// Writes what follows `key:` or `-`: a nested block on the next lines, or a scalar.
fn write_child(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(items, indent + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, indent + 2));
            out.push('\n');
        }
    }
}

fn scalar(value: &Value, indent: usize) -> String {
    match value {
        Value::String(s) => block(s, indent).unwrap_or_else(|| quote(s)),
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}

/// A literal block scalar for a multi-line string, when it reproduces the text exactly:
/// no carriage returns, tabs or other control characters, no line of only spaces, and a first
/// line that does not start with a space (which would need an indentation indicator).
fn block(s: &str, indent: usize) -> Option<String> {
    if !s.contains('\n')
        || s.starts_with(' ')
        || s.starts_with('\n')
        || s.chars()
            .any(|c| (c.is_control() && c != '\n') || !printable(c))
        || s.lines().any(|l| !l.is_empty() && l.trim().is_empty())
    {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    for line in s
        .split('\n')
        .take(body.split('\n').count() + trailing.saturating_sub(1))
    {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
    }
    Some(out)
}

/// A JSON string literal, with the characters YAML does not allow unescaped (C1 controls,
/// the byte order mark, line and paragraph separators, non-characters) escaped as `\uXXXX`.
fn quote(s: &str) -> String {
    let json = Value::String(s.to_string()).to_string();
    if json.chars().all(printable) {
        return json;
    }
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if printable(c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// YAML's printable set (1.2, section 5.1), minus the line and paragraph separators, which
/// some readers still treat as line breaks.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn push_indent(indent: usize, out: &mut String) {
    out.push_str(&" ".repeat(indent));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_yaml;

    #[test]
    fn strings_are_quoted_and_nesting_is_block_style() {
        let value = json!({"a": {"b": ["yes", 1, null, true]}, "empty": {}, "list": []});
        assert_eq!(
            to_yaml(&value),
            "\"a\":\n  \"b\":\n    - \"yes\"\n    - 1\n    - null\n    - true\n\"empty\": {}\n\"list\": []\n"
        );
    }

    #[test]
    fn multi_line_text_is_a_literal_block_with_the_right_chomping() {
        let value = json!({"k": "line one\n  indented\n", "s": "a\nb", "t": "x\n\n"});
        assert_eq!(
            to_yaml(&value),
            "\"k\": |\n  line one\n    indented\n\"s\": |-\n  a\n  b\n\"t\": |+\n  x\n\n"
        );
    }

    #[test]
    fn text_a_block_would_change_stays_quoted_and_escaped() {
        // A leading space, a tab, a line of only spaces and a byte order mark.
        let value = json!([" lead\nx", "a\tb\nc", "a\n  \nb", "\u{feff}x"]);
        assert_eq!(
            to_yaml(&value),
            "- \" lead\\nx\"\n- \"a\\tb\\nc\"\n- \"a\\n  \\nb\"\n- \"\\ufeffx\"\n"
        );
    }
}
