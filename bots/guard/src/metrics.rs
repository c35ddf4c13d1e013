//! The guard's own metrics, recorded with the framework's `lambdagram::metrics` under its
//! namespace (the dashboard is checked against this list and the framework's).

/// Every custom metric name the guard emits.
pub mod names {
    pub const MEMBERSHIP_CACHE_HITS: &str = "MembershipCacheHits";
    pub const MEMBERSHIP_CACHE_MISSES: &str = "MembershipCacheMisses";
    pub const RESTRICTIONS_IMPOSED: &str = "RestrictionsImposed";
    pub const RESTRICTIONS_LIFTED: &str = "RestrictionsLifted";
    pub const WARNINGS_POSTED: &str = "WarningsPosted";
    /// A warning whose `sendMessage` may have reached Telegram with its answer lost: not sent
    /// again (never two warnings), and unknown whether it is in the group.
    pub const WARNINGS_UNCERTAIN: &str = "WarningsUncertain";
    /// A warning the chat's flood limits kept back: queued for the sweeper.
    pub const WARNINGS_DEFERRED: &str = "WarningsDeferred";
    pub const PROTECTIONS_DEGRADED: &str = "ProtectionsDegraded";
    pub const PROTECTIONS_RECOVERED: &str = "ProtectionsRecovered";
    /// Join requests the guard decided, by `outcome` (approved, declined, held, …).
    pub const JOIN_REQUESTS: &str = "JoinRequests";
    pub const ALL: &[&str] = &[
        MEMBERSHIP_CACHE_HITS,
        MEMBERSHIP_CACHE_MISSES,
        RESTRICTIONS_IMPOSED,
        RESTRICTIONS_LIFTED,
        WARNINGS_POSTED,
        WARNINGS_UNCERTAIN,
        WARNINGS_DEFERRED,
        PROTECTIONS_DEGRADED,
        PROTECTIONS_RECOVERED,
        JOIN_REQUESTS,
    ];
}
