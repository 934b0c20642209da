//! Outline and diff tests over the example shop's contracts, one group per format.

use crate::format::{Format, ParseOptions, Schema};
use crate::outline::{ChangeKind, Field, Outline, diff, outline};
use crate::references::Dependency;

fn parse(format: Format, text: &str, deps: &[(&str, &str)]) -> Outline {
    let deps: Vec<Dependency> = deps
        .iter()
        .map(|(name, text)| Dependency {
            name: (*name).to_string(),
            text: (*text).to_string(),
        })
        .collect();
    let schema =
        Schema::parse(format, text, &deps, ParseOptions::default()).expect("valid fixture");
    outline(&schema)
}

fn field<'a>(outline: &'a Outline, path: &str) -> &'a Field {
    outline
        .flatten()
        .into_iter()
        .map(|(_, f)| f)
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no field at {path}; have {:?}", paths(outline)))
}

fn paths(outline: &Outline) -> Vec<String> {
    outline
        .flatten()
        .iter()
        .map(|(_, f)| f.path.clone())
        .collect()
}

const ENVELOPE_AVSC: &str = include_str!("../../../schemas/common/envelope.avsc");
const ORDER_V1: &str = include_str!("../../../schemas/orders/order_placed/v1.avsc");
const ORDER_V3: &str = include_str!("../../../schemas/orders/order_placed/v3.avsc");

#[test]
fn avro_outline_expands_references_and_nested_records_once() {
    let o = parse(
        Format::Avro,
        ORDER_V3,
        &[("shop.common.Envelope", ENVELOPE_AVSC)],
    );
    assert_eq!(o.name, "shop.orders.OrderPlaced");
    assert_eq!(o.kind, "record");
    assert!(
        o.doc
            .as_deref()
            .is_some_and(|d| d.starts_with("A customer completed checkout"))
    );
    let envelope = field(&o, "/fields/envelope");
    assert_eq!(envelope.type_name.as_deref(), Some("shop.common.Envelope"));
    assert!(
        !envelope.children.is_empty(),
        "the referenced Envelope is expanded"
    );
    let sku = field(&o, "/fields/lines/type/items/fields/sku");
    assert_eq!(sku.ty, "string");
    assert!(sku.required);
    // Money is expanded under the first field that uses it; `total` points back there.
    let unit_price = field(&o, "/fields/lines/type/items/fields/unitPrice");
    assert_eq!(unit_price.children.len(), 2);
    let total = field(&o, "/fields/total");
    assert_eq!(total.ty, "Money");
    assert_eq!(
        total.see.as_deref(),
        Some("/fields/lines/type/items/fields/unitPrice")
    );
    assert!(total.children.is_empty());
    let coupon = field(&o, "/fields/couponCode");
    assert_eq!(coupon.ty, "null | string");
    assert!(!coupon.required);
    assert_eq!(coupon.default.as_deref(), Some("null"));
    let channel = field(&o, "/fields/salesChannel");
    assert_eq!(channel.symbols, ["WEB", "MOBILE_APP", "MARKETPLACE"]);
    assert_eq!(channel.default.as_deref(), Some("\"WEB\""));
}

#[test]
fn avro_diff_names_added_fields_with_their_defaults() {
    let deps = [("shop.common.Envelope", ENVELOPE_AVSC)];
    let v1 = parse(Format::Avro, ORDER_V1, &deps);
    let v3 = parse(Format::Avro, ORDER_V3, &deps);
    let changes = diff(&v1, &v3);
    let added: Vec<&str> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::FieldAdded)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(added, ["/fields/couponCode", "/fields/salesChannel"]);
    let coupon = changes
        .iter()
        .find(|c| c.path == "/fields/couponCode")
        .expect("couponCode added");
    assert_eq!(
        coupon.message,
        "optional field `couponCode` added with type null | string and default null"
    );
    assert!(changes.iter().all(|c| c.kind != ChangeKind::FieldRemoved));
    // Reversed, the same fields are removals.
    let back = diff(&v3, &v1);
    assert_eq!(
        back.iter()
            .filter(|c| c.kind == ChangeKind::FieldRemoved)
            .count(),
        2
    );
}

#[test]
fn avro_diff_reports_type_required_default_and_symbol_changes() {
    let old = r#"{"type":"record","name":"E","fields":[
        {"name":"a","type":"int"},
        {"name":"b","type":"string","default":"x","doc":"old"},
        {"name":"c","type":{"type":"enum","name":"C","symbols":["X","Y"]}}]}"#;
    let new = r#"{"type":"record","name":"E","fields":[
        {"name":"a","type":"long"},
        {"name":"b","type":"string","doc":"new"},
        {"name":"c","type":{"type":"enum","name":"C","symbols":["X","Z"]}}]}"#;
    let changes = diff(
        &parse(Format::Avro, old, &[]),
        &parse(Format::Avro, new, &[]),
    );
    let kinds: Vec<(ChangeKind, &str)> = changes
        .iter()
        .map(|c| (c.kind, c.message.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                ChangeKind::TypeChanged,
                "field `a` changed type from int to long"
            ),
            (
                ChangeKind::RequiredChanged,
                "field `b` changed from optional to required"
            ),
            (
                ChangeKind::DefaultChanged,
                "field `b` changed default from \"x\" to none"
            ),
            (ChangeKind::DocChanged, "field `b` changed documentation"),
            (ChangeKind::SymbolAdded, "field `c` gained symbol Z"),
            (ChangeKind::SymbolRemoved, "field `c` lost symbol Y"),
        ]
    );
}

#[test]
fn avro_recursive_type_is_cut_by_reference() {
    let list = r#"{"type":"record","name":"Node","fields":[
        {"name":"value","type":"int"},
        {"name":"next","type":["null","Node"],"default":null}]}"#;
    let o = parse(Format::Avro, list, &[]);
    let next = field(&o, "/fields/next");
    assert_eq!(next.see.as_deref(), Some(""), "points back at the root");
    assert!(next.children.is_empty());
}

const ENVELOPE_PROTO: &str = include_str!("../../../schemas/common/envelope.proto");
const MONEY_PROTO: &str = include_str!("../../../schemas/common/money.proto");
const CAPTURED_V1: &str = include_str!("../../../schemas/payments/payment_captured/v1.proto");
const CAPTURED_V2: &str = include_str!("../../../schemas/payments/payment_captured/v2.proto");

fn proto(text: &str) -> Outline {
    parse(
        Format::Protobuf,
        text,
        &[
            ("shop/common/envelope.proto", ENVELOPE_PROTO),
            ("shop/common/money.proto", MONEY_PROTO),
        ],
    )
}

#[test]
fn protobuf_outline_reads_comments_and_expands_imported_messages() {
    let o = proto(CAPTURED_V2);
    assert_eq!(o.name, "shop.payments.v1.PaymentCaptured");
    assert_eq!(o.kind, "message");
    assert!(
        o.doc
            .as_deref()
            .is_some_and(|d| d.starts_with("The payment provider captured"))
    );
    let payment_id = field(&o, "shop.payments.v1.PaymentCaptured.payment_id");
    assert_eq!(payment_id.ty, "string");
    assert_eq!(
        payment_id.doc.as_deref(),
        Some("Our identifier for the payment, e.g. \"pay_01HVZ7Q2M8\".")
    );
    let amount = field(&o, "shop.payments.v1.PaymentCaptured.amount");
    assert_eq!(amount.ty, "shop.common.Money");
    assert!(
        !amount.children.is_empty(),
        "the imported Money is expanded"
    );
    let method = field(&o, "shop.payments.v1.PaymentCaptured.method");
    assert!(
        method
            .symbols
            .contains(&"PAYMENT_METHOD_MOBILE_WALLET".to_string())
    );
    let captured_at = field(&o, "shop.payments.v1.PaymentCaptured.captured_at");
    assert_eq!(captured_at.ty, "google.protobuf.Timestamp");
    // A comment spread over two lines reads as one paragraph.
    let descriptor = field(&o, "shop.payments.v1.PaymentCaptured.statement_descriptor");
    assert_eq!(
        descriptor.doc.as_deref(),
        Some(
            "The text on the customer's card or bank statement. Added in version 2; empty in older events."
        )
    );
}

#[test]
fn protobuf_diff_names_the_new_field_and_enum_value() {
    let changes = diff(&proto(CAPTURED_V1), &proto(CAPTURED_V2));
    let messages: Vec<&str> = changes.iter().map(|c| c.message.as_str()).collect();
    assert!(
        messages.contains(&"optional field `statement_descriptor` added with type string"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"field `method` gained symbol PAYMENT_METHOD_MOBILE_WALLET"),
        "{messages:?}"
    );
}

#[test]
fn protobuf_maps_repeated_and_proto2_defaults_are_spelled_as_in_proto() {
    let text = r#"syntax = "proto2";
        package t;
        message M {
          map<string, int64> counts = 1;
          repeated string tags = 2;
          required int32 size = 3 [default = 5];
          oneof choice { string a = 4; int32 b = 5; }
          optional M next = 6;
        }"#;
    let o = parse(Format::Protobuf, text, &[]);
    assert_eq!(field(&o, "t.M.counts").ty, "map<string, int64>");
    assert_eq!(field(&o, "t.M.tags").ty, "repeated string");
    let size = field(&o, "t.M.size");
    assert_eq!(size.ty, "required int32");
    assert!(size.required);
    assert_eq!(size.default.as_deref(), Some("5"));
    assert_eq!(field(&o, "t.M.a").ty, "string (oneof choice)");
    assert_eq!(field(&o, "t.M.next").see.as_deref(), Some(""));
}

const ENVELOPE_JSON: &str = include_str!("../../../schemas/common/envelope.json");
const SIGNED_UP_V1: &str = include_str!("../../../schemas/users/user_signed_up/v1.json");
const SIGNED_UP_V2: &str = include_str!("../../../schemas/users/user_signed_up/v2.json");

fn json(text: &str) -> Outline {
    parse(Format::Json, text, &[("envelope.json", ENVELOPE_JSON)])
}

#[test]
fn json_outline_reads_descriptions_required_and_references() {
    let o = json(SIGNED_UP_V2);
    assert_eq!(o.name, "UserSignedUp");
    assert_eq!(o.kind, "object");
    let email = field(&o, "#/properties/email");
    assert_eq!(email.ty, "string (email)");
    assert!(email.required);
    let referral = field(&o, "#/properties/referralCode");
    assert!(!referral.required);
    let envelope = field(&o, "#/properties/envelope");
    assert_eq!(
        envelope.doc.as_deref(),
        Some("Event metadata shared by all integration events.")
    );
    assert!(envelope.type_name.is_some());
    assert!(
        !envelope.children.is_empty(),
        "the referenced envelope is expanded"
    );
    assert!(
        envelope.children[0]
            .path
            .starts_with("#/properties/envelope/properties/")
    );
}

#[test]
fn json_diff_names_the_added_optional_property() {
    let changes = diff(&json(SIGNED_UP_V1), &json(SIGNED_UP_V2));
    let added: Vec<&str> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::FieldAdded)
        .map(|c| c.message.as_str())
        .collect();
    assert_eq!(
        added,
        ["optional field `referralCode` added with type string"]
    );
}

#[test]
fn json_local_refs_arrays_enums_and_recursion() {
    let text = r##"{
        "title": "Tree",
        "type": "object",
        "$defs": {"node": {"type": "object", "properties": {
            "kind": {"enum": ["leaf", "branch"], "default": "leaf"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
        "properties": {"root": {"$ref": "#/$defs/node"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["root"]
    }"##;
    let o = parse(Format::Json, text, &[]);
    let kind = field(&o, "#/properties/root/properties/kind");
    assert_eq!(kind.symbols, ["\"leaf\"", "\"branch\""]);
    assert_eq!(kind.default.as_deref(), Some("\"leaf\""));
    let children = field(&o, "#/properties/root/properties/children");
    assert_eq!(children.ty, "array<object>");
    assert_eq!(children.see.as_deref(), Some("#/properties/root"));
    assert_eq!(field(&o, "#/properties/tags").ty, "array<string>");
}
