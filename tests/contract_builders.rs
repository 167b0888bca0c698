//! Contract: every property the storyboard builders can emit is declared in
//! the normalized spec's `create_storyboard` request schema, at every level
//! (top level, `audio`, `aiVoiceOver`, `brandLogo`, `textStyles`, scenes and
//! their nested objects). Compared through the builders' own JSON Schema
//! (schemars), so a field added to a builder fails here until the overlay
//! declares it — Pictory drops unknown fields silently, so an undeclared
//! field is a field nobody checked.

use pictory::storyboard::StoryboardRequest;
use serde_json::Value;

fn normalized_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/pictory.normalized.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Follows `$ref`s (into `root`) and `anyOf`/`oneOf`/`allOf` (skipping
/// `null`) to the object or array schema a property stands for.
fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = r.trim_start_matches('#');
            match root.pointer(pointer) {
                Some(target) => {
                    schema = target;
                    continue;
                }
                None => panic!("unresolved $ref {r}"),
            }
        }
        let branch = ["anyOf", "oneOf", "allOf"].iter().find_map(|k| {
            schema
                .get(*k)?
                .as_array()?
                .iter()
                .find(|s| s.get("type").and_then(Value::as_str) != Some("null"))
        });
        match branch {
            Some(b) => schema = b,
            None => return schema,
        }
    }
    schema
}

/// Every property path the builder schema declares that the spec schema
/// does not, recursively through objects and array items.
fn undeclared(
    builder_root: &Value,
    builder: &Value,
    spec_root: &Value,
    spec: &Value,
    at: &str,
    out: &mut Vec<String>,
) {
    let builder = resolve(builder_root, builder);
    let spec = resolve(spec_root, spec);
    if let Some(items) = builder.get("items") {
        let spec_items = spec.get("items").unwrap_or(&Value::Null);
        undeclared(
            builder_root,
            items,
            spec_root,
            spec_items,
            &format!("{at}[]"),
            out,
        );
        return;
    }
    let Some(props) = builder.get("properties").and_then(Value::as_object) else {
        return;
    };
    let declared = spec.get("properties").and_then(Value::as_object);
    for (name, sub) in props {
        let path = if at.is_empty() {
            name.clone()
        } else {
            format!("{at}.{name}")
        };
        match declared.and_then(|d| d.get(name)) {
            Some(spec_sub) => undeclared(builder_root, sub, spec_root, spec_sub, &path, out),
            None => out.push(path),
        }
    }
}

#[test]
fn every_builder_property_is_declared_in_the_spec() {
    let doc = normalized_spec();
    let spec = doc
        .pointer("/paths/~1pictoryapis~1v1~1video~1storyboard/post/requestBody/content/application~1json/schema")
        .expect("create_storyboard has a JSON request schema");
    let builder = pictory::schema::of::<StoryboardRequest>();
    let mut missing = Vec::new();
    undeclared(&builder, &builder, &doc, spec, "", &mut missing);
    assert!(
        missing.is_empty(),
        "builder properties the normalized spec does not declare (add them to spec/overlay.json):\n{}",
        missing.join("\n")
    );
    // The comparison can fail: take one nested declaration out of a copy of
    // the spec, and exactly that property is reported.
    for (parent, name, path) in [
        (
            "/properties/scenes/items/properties",
            "text",
            "scenes[].text",
        ),
        (
            "/properties/audio/properties/aiVoiceOver/properties",
            "speaker",
            "audio.aiVoiceOver.speaker",
        ),
        (
            "/properties/textStyles/properties",
            "fontSize",
            "textStyles.fontSize",
        ),
        ("/properties", "videoName", "videoName"),
    ] {
        let mut cut = spec.clone();
        cut.pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|props| props.remove(name))
            .unwrap_or_else(|| panic!("the spec declares {path}"));
        let mut missing = Vec::new();
        undeclared(&builder, &builder, &doc, &cut, "", &mut missing);
        assert_eq!(missing, vec![path.to_string()]);
    }
}
