//! Confluent's `format` query parameter on schema reads: `format=serialized` answers a
//! Protobuf schema as a base64 `FileDescriptorProto`. The Protobuf deserializers of the Python
//! (and Go, .NET) clients ask for it and cannot read `.proto` text.
//!
//! Left out: Avro's `resolved` (references inlined) and any other value, which answer the
//! stored text, as Confluent does for formats a schema type does not know.

use stele_engine::Schema;

use crate::AppState;
use crate::cache::CachedSchema;
use crate::error::ApiError;
use crate::http::Params;
use crate::registration::parsed_schema;

/// The schema text to answer for `cached` under the request's `format`, or `None` when the
/// stored text is the answer (the common case, which then costs nothing).
pub async fn formatted(
    state: &AppState,
    cached: &CachedSchema,
    params: &Params,
) -> Result<Option<String>, ApiError> {
    let wanted = params.get("format").map(str::trim);
    if !wanted.is_some_and(|f| f.eq_ignore_ascii_case("serialized"))
        || cached.stored.schema_type != "PROTOBUF"
    {
        return Ok(None);
    }
    match parsed_schema(state, &cached.stored.context, cached.stored.id)
        .await?
        .as_ref()
    {
        Schema::Protobuf(file) => Ok(Some(file.to_serialized())),
        _ => Ok(None),
    }
}
