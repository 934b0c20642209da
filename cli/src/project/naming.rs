//! Subject names from topics and record names, as the Confluent serializers derive them.
//!
//! `TopicNameStrategy` gives `<topic>-value` (or `-key`), `RecordNameStrategy` the record's full
//! name, `TopicRecordNameStrategy` `<topic>-<record>`. The record name is read from the schema
//! text with a light scan (Avro's `name`/`namespace`, Protobuf's `package` and first top-level
//! `message`, JSON Schema's `title`) rather than a full parse, because references are named by
//! subject and so are not known yet when names are derived. A file whose record name the scan
//! cannot find needs `record = "..."` in its entry.

use std::str::FromStr;

use stele_engine::Format;

/// The `naming` setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Naming {
    /// `<topic>-value` or `<topic>-key`.
    #[default]
    Topic,
    /// The record's full name.
    Record,
    /// `<topic>-<record full name>`.
    TopicRecord,
}

impl FromStr for Naming {
    type Err = String;

    fn from_str(s: &str) -> Result<Naming, String> {
        match s {
            "topic" => Ok(Naming::Topic),
            "record" => Ok(Naming::Record),
            "topic-record" => Ok(Naming::TopicRecord),
            _ => Err(format!(
                "unknown naming strategy `{s}`; expected topic, record or topic-record"
            )),
        }
    }
}

/// The subject name of an entry without an explicit `subject`.
pub fn subject_name(
    naming: Naming,
    topic: Option<&str>,
    key: bool,
    record: Option<&str>,
    format: Format,
    text: &str,
) -> Result<String, String> {
    let suffix = if key { "key" } else { "value" };
    let record_name = || match record {
        Some(record) => Ok(record.to_string()),
        None => record_name(format, text).ok_or_else(|| {
            format!(
                "cannot find the record name in the schema for the `{}` naming strategy; \
                 set `record = \"...\"` or `subject = \"...\"`",
                naming.as_str()
            )
        }),
    };
    let topic = || {
        topic.ok_or_else(|| {
            format!(
                "the `{}` naming strategy needs `topic = \"...\"` (or set `subject = \"...\"`)",
                naming.as_str()
            )
        })
    };
    match naming {
        Naming::Topic => Ok(format!("{}-{suffix}", topic()?)),
        Naming::Record => record_name(),
        Naming::TopicRecord => Ok(format!("{}-{}", topic()?, record_name()?)),
    }
}

impl Naming {
    fn as_str(self) -> &'static str {
        match self {
            Naming::Topic => "topic",
            Naming::Record => "record",
            Naming::TopicRecord => "topic-record",
        }
    }
}

/// The full name of the schema's record: what RecordNameStrategy would use.
pub fn record_name(format: Format, text: &str) -> Option<String> {
    match format {
        Format::Avro => avro_name(text),
        Format::Protobuf => proto_name(text),
        Format::Json => {
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            value.get("title")?.as_str().map(str::to_string)
        }
    }
}

fn avro_name(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = value.get("name")?.as_str()?;
    if name.contains('.') {
        return Some(name.to_string());
    }
    match value.get("namespace").and_then(|n| n.as_str()) {
        Some(namespace) if !namespace.is_empty() => Some(format!("{namespace}.{name}")),
        _ => Some(name.to_string()),
    }
}

/// `package` and the first top-level `message` of a .proto file, from its tokens with
/// comments and string literals skipped.
fn proto_name(text: &str) -> Option<String> {
    let tokens = proto_tokens(text);
    let mut package = None;
    let mut message = None;
    let mut depth = 0usize;
    let mut iter = tokens.iter().peekable();
    while let Some(token) = iter.next() {
        match token.as_str() {
            "{" => depth += 1,
            "}" => depth = depth.saturating_sub(1),
            "package" if depth == 0 => package = iter.next().cloned(),
            "message" if depth == 0 && message.is_none() => message = iter.next().cloned(),
            _ => {}
        }
    }
    let message = message?;
    Some(match package {
        Some(package) => format!("{package}.{message}"),
        None => message,
    })
}

/// Identifiers (dots included) and braces; everything else is dropped.
fn proto_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' | '\'' => {
                let mut escaped = false;
                for next in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if next == '\\' {
                        escaped = true;
                    } else if next == c {
                        break;
                    }
                }
            }
            '{' | '}' => tokens.push(c.to_string()),
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = c.to_string();
                while let Some(&next) = chars.peek() {
                    if next.is_alphanumeric() || next == '_' || next == '.' {
                        word.push(next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(word);
            }
            _ => {}
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_name_subjects_as_the_serializers_do() {
        let avro = r#"{"type": "record", "name": "OrderPlaced", "namespace": "shop.orders", "fields": []}"#;
        let name =
            |naming, key| subject_name(naming, Some("shop.orders"), key, None, Format::Avro, avro);
        assert_eq!(
            name(Naming::Topic, false).as_deref(),
            Ok("shop.orders-value")
        );
        assert_eq!(name(Naming::Topic, true).as_deref(), Ok("shop.orders-key"));
        assert_eq!(
            name(Naming::Record, false).as_deref(),
            Ok("shop.orders.OrderPlaced")
        );
        assert_eq!(
            name(Naming::TopicRecord, false).as_deref(),
            Ok("shop.orders-shop.orders.OrderPlaced")
        );
    }

    #[test]
    fn record_names_come_from_each_format() {
        let proto = "// message Commented {}\nsyntax = \"proto3\";\npackage shop.payments.v1;\n\
                     import \"x.proto\";\nmessage PaymentCaptured { message Inner {} }\nmessage Other {}";
        assert_eq!(
            record_name(Format::Protobuf, proto).as_deref(),
            Some("shop.payments.v1.PaymentCaptured")
        );
        assert_eq!(
            record_name(Format::Json, r#"{"title": "UserSignedUp"}"#).as_deref(),
            Some("UserSignedUp")
        );
        assert_eq!(
            record_name(
                Format::Avro,
                r#"{"type": "record", "name": "a.b.C", "namespace": "x", "fields": []}"#
            )
            .as_deref(),
            Some("a.b.C")
        );
        assert_eq!(record_name(Format::Avro, r#""string""#), None);
    }

    #[test]
    fn a_missing_topic_or_record_is_explained() {
        let err =
            subject_name(Naming::Topic, None, false, None, Format::Json, "{}").expect_err("fails");
        assert!(err.contains("needs `topic"), "{err}");
        let err =
            subject_name(Naming::Record, None, false, None, Format::Json, "{}").expect_err("fails");
        assert!(err.contains("cannot find the record name"), "{err}");
    }
}
