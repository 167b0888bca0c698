//! JSON Schemas of every operation's request body and response, and of the
//! crate's hand-written models — for validators, form builders and LLM tool
//! definitions. The operation schemas come from the generated types (so
//! from the normalized spec they were generated from); each is
//! self-contained (`$defs` included).
//!
//! ```
//! // The request body of `create_storyboard`, e.g. for an LLM tool definition.
//! let (request, response) = pictory::schema::operation("create_storyboard").unwrap();
//! let request = request.unwrap();
//! assert!(request.pointer("/properties/videoName").is_some());
//! assert!(response.is_object());
//!
//! // A hand-written model.
//! let scene = pictory::schema::of::<pictory::storyboard::Scene>();
//! assert!(scene.pointer("/properties/text").is_some());
//! ```

use serde_json::Value;

/// The JSON Schemas of operation `id`'s request body (`None` when it takes
/// no JSON body) and of its 2xx response (Pictory's body, LowCodeAPI's
/// envelope removed). `None` for an id that is not in the spec.
pub fn operation(id: &str) -> Option<(Option<Value>, Value)> {
    let (request, response) = crate::operations::operation_schemas(id)?;
    Some((request.map(Value::from), Value::from(response)))
}

/// The normalized OpenAPI document the bindings were generated from
/// (`spec/pictory.normalized.json`), as JSON text: every operation with its
/// parameters and its request and response schemas as the spec states them
/// (with `$ref`s into `components`), for tools that want the spec itself
/// rather than the schemas of the generated types ([`operation`]).
///
/// ```
/// let spec: serde_json::Value = serde_json::from_str(pictory::schema::openapi()).unwrap();
/// assert!(spec.pointer("/paths/~1pictoryapis~1v1~1templates/get").is_some());
/// ```
pub fn openapi() -> &'static str {
    include_str!("../spec/pictory.normalized.json")
}

/// The JSON Schema of any type that derives `schemars::JsonSchema`: the
/// generated types in `pictory::raw::types`, and the hand-written models
/// (`storyboard::StoryboardRequest` and its parts, `jobs::Job` and its
/// outputs, `jobs::RenderParams`, `UploadedFile`).
pub fn of<T: schemars::JsonSchema>() -> Value {
    Value::from(schemars::schema_for!(T))
}

/// The JSON Schemas of the hand-written models, by type name.
pub fn models() -> Vec<(&'static str, Value)> {
    use crate::jobs;
    use crate::storyboard;
    vec![
        ("StoryboardRequest", of::<storyboard::StoryboardRequest>()),
        ("Scene", of::<storyboard::Scene>()),
        ("Audio", of::<storyboard::Audio>()),
        ("AiVoice", of::<storyboard::AiVoice>()),
        ("BrandLogo", of::<storyboard::BrandLogo>()),
        ("TextStyles", of::<storyboard::TextStyles>()),
        ("Job", of::<jobs::Job>()),
        ("JobState", of::<jobs::JobState>()),
        ("JobOutput", of::<jobs::JobOutput>()),
        ("PreviewOutput", of::<jobs::PreviewOutput>()),
        ("RenderOutput", of::<jobs::RenderOutput>()),
        ("TranscriptionOutput", of::<jobs::TranscriptionOutput>()),
        ("SummaryOutput", of::<jobs::SummaryOutput>()),
        ("RenderParams", of::<jobs::RenderParams>()),
        ("UploadedFile", of::<crate::UploadedFile>()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_schemas() {
        for op in crate::OPERATIONS {
            let (request, response) = operation(op.id).unwrap();
            assert!(response.is_object(), "{}", op.id);
            let has_json_body = op.body == crate::operations::BodyKind::Json;
            assert_eq!(request.is_some(), has_json_body, "{}", op.id);
        }
        assert!(operation("no_such_operation").is_none());
        assert_eq!(models().len(), 15);
    }

    #[test]
    fn the_openapi_document_has_every_operation() {
        let spec: Value = serde_json::from_str(openapi()).unwrap();
        for op in crate::OPERATIONS {
            let method = op.method.to_lowercase();
            assert_eq!(spec["paths"][op.path][&method]["operationId"], op.id);
        }
    }
}
