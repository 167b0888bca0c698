//! stub
pub mod raw;
pub mod transport {
    #[derive(Debug, Clone, Default)]
    pub struct HookState;
    impl progenitor_client::ClientHooks<HookState> for crate::raw::Client {}
}
