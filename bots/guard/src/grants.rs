//! What the guard's functions may do on the state table, one grant per store capability; each
//! route in the route table (`routes.rs`) declares the ones its handler takes, and the managed
//! policies of the template are generated from them. Keys: docs/guard-design.md.

use lambdagram::grants::Grant;

const GET: &str = "dynamodb:BatchGetItem";
const PUT: &str = "dynamodb:PutItem";
const DELETE: &str = "dynamodb:DeleteItem";
const QUERY: &str = "dynamodb:Query";
const UPDATE: &str = "dynamodb:UpdateItem";

/// The gate's hot path: one BatchGetItem of the group's config and admins and the member's
/// warning, restriction record and cached memberships. Both prefixes are in this one grant:
/// IAM checks every key of a batch against one statement's `dynamodb:LeadingKeys`.
pub const READ_GUARD_STATE: Grant = Grant {
    name: "ReadGuardState",
    about: "the guard's hot-path reads (group config, admins, warning, restriction, memberships)",
    actions: &[GET],
    leading_keys: &["GROUP#*", "SUBS#*"],
};

/// A fresh membership answer from Telegram cached in the user's item (an UpdateItem of one
/// attribute).
pub const MEMBERSHIPS: Grant = Grant {
    name: "Memberships",
    about: "fresh channel membership answers cached",
    actions: &[UPDATE],
    leading_keys: &["SUBS#*"],
};

/// Admin cache fills, restriction records (intent, then result), the warning and
/// its deletion-queue entry (a TransactWriteItems of two puts), or a warning the chat's flood
/// limits kept back: its held claim and its entry in the deferred queue (two puts).
pub const WRITE_GUARD_STATE: Grant = Grant {
    name: "WriteGuardState",
    about:
        "admin cache fills, restriction records, a warning and its deletion or deferral queue entry",
    actions: &[PUT],
    leading_keys: &["GROUP#*", "DUE#*", "DEFER"],
};

/// Only when Telegram refuses for lack of rights: the degraded config is saved (a
/// TransactWriteItems of puts: the config and its channel index).
pub const DEGRADE_PROTECTION: Grant = Grant {
    name: "DegradeProtection",
    about: "a protection marked degraded when Telegram refuses for lack of rights",
    actions: &[PUT],
    leading_keys: &["GROUP#*", "CHANNEL#*"],
};

/// A warning whose message could not be posted: its claim released; a restriction intent
/// withdrawn when nothing was imposed.
pub const RELEASE_WARNING: Grant = Grant {
    name: "ReleaseWarning",
    about: "a warning claim released, or a restriction intent withdrawn, when the call failed",
    actions: &[DELETE],
    leading_keys: &["GROUP#*", "DUE#*"],
};

/// The group's config and admin cache (one BatchGetItem).
pub const READ_GROUP_CONFIG: Grant = Grant {
    name: "ReadGroupConfig",
    about: "a group's config and admin cache",
    actions: &[GET],
    leading_keys: &["GROUP#*"],
};

/// A group's config saved: one TransactWriteItems of puts (the config and one channel → group
/// index item per channel).
pub const SAVE_GROUP_CONFIG: Grant = Grant {
    name: "SaveGroupConfig",
    about: "a group's config and its channel index saved",
    actions: &[PUT],
    leading_keys: &["GROUP#*", "CHANNEL#*"],
};

/// The group's config (BatchGetItem) and the bot's restriction records (Query on MUTE#).
pub const READ_GROUP_RESTRICTIONS: Grant = Grant {
    name: "ReadGroupRestrictions",
    about: "a group's config and the bot's restriction records in it",
    actions: &[GET, QUERY],
    leading_keys: &["GROUP#*"],
};

/// `/allow`: the config (and, to lift a restriction, the member's records), the changed list
/// saved with its channel index, an allow-listed user's restriction record and warning removed.
pub const ALLOW_LIST: Grant = Grant {
    name: "AllowList",
    about: "the allow-list edited, and an allowed member's restriction and warning removed",
    actions: &[GET, PUT, DELETE],
    leading_keys: &["GROUP#*", "CHANNEL#*", "DUE#*"],
};

/// "I have joined": the config, the restriction record and the warning removed (the member's
/// state, with their memberships, is read under [`READ_GUARD_STATE`]).
pub const MEMBER_STATE: Grant = Grant {
    name: "MemberState",
    about: "a member's state read, re-checked and cleared when verified",
    actions: &[GET, PUT, DELETE],
    leading_keys: &["GROUP#*"],
};

/// A lifted warning's deletion-queue entry (so the sweeper skips it).
pub const WARNING_QUEUE: Grant = Grant {
    name: "WarningQueue",
    about: "a lifted warning's deletion-queue entry removed",
    actions: &[DELETE],
    leading_keys: &["DUE#*"],
};

/// The lift button: the config, its restriction records, each lifted record and its warning.
pub const GROUP_RESTRICTIONS: Grant = Grant {
    name: "GroupRestrictions",
    about: "the bot's restrictions in a group read and removed as they are lifted",
    actions: &[GET, QUERY, DELETE],
    leading_keys: &["GROUP#*"],
};

/// A channel leave: the groups linked to the channel (a Query on the index).
pub const QUERY_CHANNEL_INDEX: Grant = Grant {
    name: "QueryChannelIndex",
    about: "the groups linked to a channel",
    actions: &[QUERY],
    leading_keys: &["CHANNEL#*"],
};

/// A channel joiner verified: the bot's restriction record, the warning and its deletion-queue
/// entry; a warning claim released when posting it failed.
pub const LIFT_RESTRICTION: Grant = Grant {
    name: "LiftRestriction",
    about: "a verified member's restriction record, warning and queue entry removed",
    actions: &[DELETE],
    leading_keys: &["GROUP#*", "DUE#*"],
};

/// The bot's own status changed: the groups linked to a channel, their configs, a changed
/// config saved.
pub const PROTECTION_HEALTH: Grant = Grant {
    name: "ProtectionHealth",
    about: "protections marked degraded or recovered when the bot's rights change",
    actions: &[GET, QUERY, PUT],
    leading_keys: &["GROUP#*", "CHANNEL#*"],
};

/// A group upgraded to a supergroup: both configs, the moved config and its index, the
/// restriction records moved to the new id.
pub const MOVE_PROTECTION: Grant = Grant {
    name: "MoveProtection",
    about: "a protection moved to the supergroup a group became",
    actions: &[GET, QUERY, PUT, DELETE],
    leading_keys: &["GROUP#*", "CHANNEL#*"],
};

/// The deletion queue, minute by minute (Query on DUE#<minute>).
pub const READ_WARNING_QUEUE: Grant = Grant {
    name: "ReadWarningQueue",
    about: "the warnings due for deletion, minute by minute",
    actions: &[QUERY],
    leading_keys: &["DUE#*"],
};

/// The sweeper's watermark: how far it has swept (one GetItem and one PutItem a run).
pub const SWEEP_WATERMARK: Grant = Grant {
    name: "SweepWatermark",
    about: "the warning sweeper's progress, read and saved once a run",
    actions: &["dynamodb:GetItem", PUT],
    leading_keys: &["SWEEP"],
};

/// A swept warning's queue entry and its record (conditional DeleteItems).
pub const FORGET_SWEPT_WARNINGS: Grant = Grant {
    name: "ForgetSweptWarnings",
    about: "a swept warning's queue entry and record removed",
    actions: &[DELETE],
    leading_keys: &["GROUP#*", "DUE#*"],
};

/// The deferred warnings, posted by the sweeper: the queue read (Query on DEFER) and its
/// entries removed; the group's config and the member's claim read (BatchGetItem); the posted
/// warning recorded with its deletion-queue entry, or an unneeded claim released.
pub const POST_DEFERRED_WARNINGS: Grant = Grant {
    name: "PostDeferredWarnings",
    about: "the warnings the flood limits kept back, posted and recorded by the sweeper",
    actions: &[GET, QUERY, PUT, DELETE],
    leading_keys: &["GROUP#*", "DEFER", "DUE#*"],
};
