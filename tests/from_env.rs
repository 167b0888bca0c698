//! `Client::from_env` (its own test binary: it changes the environment).

use pictory::{Client, Error};

#[test]
fn from_env_requires_the_token_and_reads_the_base_url() {
    // SAFETY: the only test in this binary; no other thread reads the environment.
    unsafe {
        std::env::remove_var("LOWCODEAPI_API_TOKEN");
        std::env::remove_var("LOWCODEAPI_BASE_URL");
    }
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("LOWCODEAPI_API_TOKEN"), "{err}");

    unsafe {
        std::env::set_var("LOWCODEAPI_API_TOKEN", "env-token-123");
    }
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), "https://api.lowcodeapi.com/pictory");
    assert!(!format!("{client:?}").contains("env-token-123"));

    unsafe {
        std::env::set_var("LOWCODEAPI_BASE_URL", "http://127.0.0.1:9/pictory/");
    }
    assert_eq!(
        Client::from_env().unwrap().base_url(),
        "http://127.0.0.1:9/pictory"
    );
}
