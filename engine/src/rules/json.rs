//! JSON Schema compatibility rules.
//!
//! Each rule groups the incompatible difference types of Confluent's JSON Schema diff that
//! break readers the same way (for example `MAXIMUM_ADDED`, `MAXIMUM_DECREASED` and their
//! `exclusiveMaximum` twins are one rule). Compatible differences (a bound relaxed, a property
//! with a default made required, a closed model opened) have no rule: they never produce a
//! finding. The checker is `crate::format::json`; this module only names and documents.

use super::{Category, Rule, RuleId};
use crate::format::Format;

/// The reader expects a different kind of value (string instead of object, ...).
pub const JSON_TYPE_CHANGED: RuleId = RuleId("JSON_TYPE_CHANGED");
/// `number` became `integer`.
pub const JSON_TYPE_NARROWED: RuleId = RuleId("JSON_TYPE_NARROWED");
/// A subschema (such as `items`) now constrains values the writer left unconstrained.
pub const JSON_SUBSCHEMA_ADDED: RuleId = RuleId("JSON_SUBSCHEMA_ADDED");
/// `maxLength` added or lowered, `minLength` added or raised.
pub const JSON_STRING_LENGTH_NARROWED: RuleId = RuleId("JSON_STRING_LENGTH_NARROWED");
/// `pattern` added or changed.
pub const JSON_PATTERN_CHANGED: RuleId = RuleId("JSON_PATTERN_CHANGED");
/// `maximum` or `exclusiveMaximum` added or lowered.
pub const JSON_MAXIMUM_DECREASED: RuleId = RuleId("JSON_MAXIMUM_DECREASED");
/// `minimum` or `exclusiveMinimum` added or raised.
pub const JSON_MINIMUM_INCREASED: RuleId = RuleId("JSON_MINIMUM_INCREASED");
/// `multipleOf` added or changed to a value the old one does not divide into.
pub const JSON_MULTIPLE_OF_CHANGED: RuleId = RuleId("JSON_MULTIPLE_OF_CHANGED");
/// A property became required (or a new required property appeared) without a default.
pub const JSON_REQUIRED_PROPERTY_ADDED: RuleId = RuleId("JSON_REQUIRED_PROPERTY_ADDED");
/// A property with a constraining schema appeared where the writer allowed any property.
pub const JSON_PROPERTY_ADDED_TO_OPEN_MODEL: RuleId = RuleId("JSON_PROPERTY_ADDED_TO_OPEN_MODEL");
/// A property disappeared from a closed content model.
pub const JSON_PROPERTY_REMOVED_FROM_CLOSED_MODEL: RuleId =
    RuleId("JSON_PROPERTY_REMOVED_FROM_CLOSED_MODEL");
/// A property added or removed is not covered by the other side's `patternProperties` or
/// `additionalProperties` schema.
pub const JSON_PROPERTY_NOT_COVERED_BY_PARTIAL_MODEL: RuleId =
    RuleId("JSON_PROPERTY_NOT_COVERED_BY_PARTIAL_MODEL");
/// `additionalProperties` or `unevaluatedProperties` closed or narrowed.
pub const JSON_ADDITIONAL_PROPERTIES_NARROWED: RuleId =
    RuleId("JSON_ADDITIONAL_PROPERTIES_NARROWED");
/// `maxProperties` added or lowered, `minProperties` added or raised.
pub const JSON_PROPERTY_COUNT_NARROWED: RuleId = RuleId("JSON_PROPERTY_COUNT_NARROWED");
/// A property dependency (`dependencies`, `dependentRequired`, `dependentSchemas`) added or
/// extended.
pub const JSON_DEPENDENCY_ADDED: RuleId = RuleId("JSON_DEPENDENCY_ADDED");
/// `maxItems`/`maxContains` added or lowered, `minItems`/`minContains` added or raised.
pub const JSON_ITEM_COUNT_NARROWED: RuleId = RuleId("JSON_ITEM_COUNT_NARROWED");
/// `uniqueItems` turned on.
pub const JSON_UNIQUE_ITEMS_ADDED: RuleId = RuleId("JSON_UNIQUE_ITEMS_ADDED");
/// `additionalItems` (or `items` after `prefixItems`, or `unevaluatedItems`) closed or narrowed.
pub const JSON_ADDITIONAL_ITEMS_NARROWED: RuleId = RuleId("JSON_ADDITIONAL_ITEMS_NARROWED");
/// A tuple position with a constraining schema appeared where the writer allowed any item.
pub const JSON_ITEM_ADDED_TO_OPEN_MODEL: RuleId = RuleId("JSON_ITEM_ADDED_TO_OPEN_MODEL");
/// A tuple position disappeared from a closed array.
pub const JSON_ITEM_REMOVED_FROM_CLOSED_MODEL: RuleId =
    RuleId("JSON_ITEM_REMOVED_FROM_CLOSED_MODEL");
/// A tuple position added or removed is not covered by the other side's additional-items schema.
pub const JSON_ITEM_NOT_COVERED_BY_PARTIAL_MODEL: RuleId =
    RuleId("JSON_ITEM_NOT_COVERED_BY_PARTIAL_MODEL");
/// `enum` lost values, or `const` changed.
pub const JSON_ENUM_NARROWED: RuleId = RuleId("JSON_ENUM_NARROWED");
/// `allOf`, `anyOf` and `oneOf` swapped in a way that accepts less.
pub const JSON_COMBINED_TYPE_CHANGED: RuleId = RuleId("JSON_COMBINED_TYPE_CHANGED");
/// Some branch of a combined schema has no compatible counterpart.
pub const JSON_COMBINED_SUBSCHEMAS_CHANGED: RuleId = RuleId("JSON_COMBINED_SUBSCHEMAS_CHANGED");
/// `allOf` gained a subschema.
pub const JSON_ALL_OF_EXTENDED: RuleId = RuleId("JSON_ALL_OF_EXTENDED");
/// `anyOf` or `oneOf` lost a branch.
pub const JSON_UNION_NARROWED: RuleId = RuleId("JSON_UNION_NARROWED");
/// The schema under `not` now excludes values it used to allow.
pub const JSON_NOT_EXTENDED: RuleId = RuleId("JSON_NOT_EXTENDED");

const fn rule(id: RuleId, category: Category, purpose: &'static str) -> Rule {
    Rule {
        id,
        format: Some(Format::Json),
        category,
        purpose,
        deprecated: false,
    }
}

/// Every JSON Schema rule.
pub static RULES: &[Rule] = &[
    rule(
        JSON_TYPE_CHANGED,
        Category::Wire,
        "a value must keep its JSON type: a reader expecting another type (or another kind of schema) rejects every value the writer produced",
    ),
    rule(
        JSON_TYPE_NARROWED,
        Category::Contract,
        "a `number` must not become an `integer`: fractional values the writer produced are rejected",
    ),
    rule(
        JSON_SUBSCHEMA_ADDED,
        Category::Contract,
        "a subschema such as `items` must not appear where the writer had none: values it never constrained may now be rejected",
    ),
    rule(
        JSON_STRING_LENGTH_NARROWED,
        Category::Contract,
        "string length bounds must not tighten: covers `maxLength` added or lowered and `minLength` added or raised",
    ),
    rule(
        JSON_PATTERN_CHANGED,
        Category::Contract,
        "a string `pattern` must not be added or changed: strings matching the old pattern (or none) may fail the new one",
    ),
    rule(
        JSON_MAXIMUM_DECREASED,
        Category::Contract,
        "an upper bound must not be added or lowered: covers `maximum` and `exclusiveMaximum`",
    ),
    rule(
        JSON_MINIMUM_INCREASED,
        Category::Contract,
        "a lower bound must not be added or raised: covers `minimum` and `exclusiveMinimum`",
    ),
    rule(
        JSON_MULTIPLE_OF_CHANGED,
        Category::Contract,
        "`multipleOf` must not be added, or changed to a value that is not a divisor of the old one",
    ),
    rule(
        JSON_REQUIRED_PROPERTY_ADDED,
        Category::Contract,
        "a property must not become required without a default: data written without it is rejected",
    ),
    rule(
        JSON_PROPERTY_ADDED_TO_OPEN_MODEL,
        Category::Contract,
        "a property with a constraining schema must not be added where the writer allowed any additional property: the writer may have sent it with any value",
    ),
    rule(
        JSON_PROPERTY_REMOVED_FROM_CLOSED_MODEL,
        Category::Contract,
        "a property must not be removed from a closed content model (`additionalProperties: false`): data that still carries it is rejected",
    ),
    rule(
        JSON_PROPERTY_NOT_COVERED_BY_PARTIAL_MODEL,
        Category::Contract,
        "a property added or removed must be covered by the `patternProperties` or `additionalProperties` schema of the side without it",
    ),
    rule(
        JSON_ADDITIONAL_PROPERTIES_NARROWED,
        Category::Contract,
        "`additionalProperties` or `unevaluatedProperties` must not be closed or narrowed: extra properties the writer allowed are rejected",
    ),
    rule(
        JSON_PROPERTY_COUNT_NARROWED,
        Category::Contract,
        "property count bounds must not tighten: covers `maxProperties` added or lowered and `minProperties` added or raised",
    ),
    rule(
        JSON_DEPENDENCY_ADDED,
        Category::Contract,
        "property dependencies (`dependencies`, `dependentRequired`, `dependentSchemas`) must not be added or extended",
    ),
    rule(
        JSON_ITEM_COUNT_NARROWED,
        Category::Contract,
        "array length bounds must not tighten: covers `maxItems` and `maxContains` added or lowered, `minItems` and `minContains` added or raised",
    ),
    rule(
        JSON_UNIQUE_ITEMS_ADDED,
        Category::Contract,
        "`uniqueItems` must not be turned on: arrays with repeated items are rejected",
    ),
    rule(
        JSON_ADDITIONAL_ITEMS_NARROWED,
        Category::Contract,
        "items past the tuple (`additionalItems`, `items` after `prefixItems`, `unevaluatedItems`) must not be closed or narrowed",
    ),
    rule(
        JSON_ITEM_ADDED_TO_OPEN_MODEL,
        Category::Contract,
        "a tuple position with a constraining schema must not be added where the writer allowed any additional item",
    ),
    rule(
        JSON_ITEM_REMOVED_FROM_CLOSED_MODEL,
        Category::Contract,
        "a tuple position must not be removed from a closed array: arrays that still have the item are rejected",
    ),
    rule(
        JSON_ITEM_NOT_COVERED_BY_PARTIAL_MODEL,
        Category::Contract,
        "a tuple position added or removed must be covered by the additional-items schema of the side without it",
    ),
    rule(
        JSON_ENUM_NARROWED,
        Category::Contract,
        "`enum` must not lose values and `const` must not change: the writer may have produced the missing value",
    ),
    rule(
        JSON_COMBINED_TYPE_CHANGED,
        Category::Contract,
        "`allOf`, `anyOf` and `oneOf` may only change towards `anyOf` (or from a single branch): other changes accept less",
    ),
    rule(
        JSON_COMBINED_SUBSCHEMAS_CHANGED,
        Category::Contract,
        "every branch of an `allOf`, `anyOf` or `oneOf` must still have a compatible counterpart",
    ),
    rule(
        JSON_ALL_OF_EXTENDED,
        Category::Contract,
        "`allOf` must not gain a subschema: each one is another constraint the writer's data may fail",
    ),
    rule(
        JSON_UNION_NARROWED,
        Category::Contract,
        "`anyOf` and `oneOf` must not lose a branch: values that only matched it are rejected",
    ),
    rule(
        JSON_NOT_EXTENDED,
        Category::Contract,
        "the schema under `not` must not widen: values it now matches are rejected",
    ),
];
