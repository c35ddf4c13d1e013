//! IAM grants: what a route's or a job's function may do on the state table, declared with it
//! in the bot's table. The template's policies are generated from them (`lambdagram gen
//! template`): one managed policy per grant, attached to exactly the functions that declare it,
//! so each function's role mirrors the store operations it makes.

/// One IAM statement on the state table, as a managed policy of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// PascalCase and unique in the bot: the statement's `Sid`; the policy is `<name>Policy`.
    pub name: &'static str,
    /// Why a function needs it: the policy's description.
    pub about: &'static str,
    /// DynamoDB actions (`dynamodb:Query`, …).
    pub actions: &'static [&'static str],
    /// The partition-key prefixes it is limited to (`dynamodb:LeadingKeys`, like `USER#*`).
    pub leading_keys: &'static [&'static str],
}

/// The framework's user registry (`/start`): one UpdateItem per visit (ReturnValues=ALL_NEW
/// needs no read grant), on user profiles only.
pub const RECORD_VISIT: Grant = Grant {
    name: "RecordVisit",
    about: "the user registry, one UpdateItem per visit on USER# items",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["USER#*"],
};

/// The effect journal (`journal`): a conditional put before an effect, an update after,
/// a delete when it provably did not happen, on STEP# items only.
pub const JOURNAL_EFFECTS: Grant = Grant {
    name: "JournalEffects",
    about: "the effect journal: intent and result of each visible effect, on STEP# items",
    actions: &[
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ],
    leading_keys: &["STEP#*"],
};

/// The bot's shared flood control (`flood`): one conditional update per message and
/// scope, on FLOOD# items only. A route granted it takes part (`gen template` sets
/// `FLOOD_CONTROL=on` for it).
pub const PACE_MESSAGES: Grant = Grant {
    name: "PaceMessages",
    about: "the shared flood control: message counts per chat and per bot, on FLOOD# items",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["FLOOD#*"],
};

/// The bot's admins (`admins`): one read of their set, on its item only.
pub const READ_BOT_ADMINS: Grant = Grant {
    name: "ReadBotAdmins",
    about: "the bot's admins: one GetItem of their set, on the BOTSET#ADMINS item",
    actions: &["dynamodb:GetItem"],
    leading_keys: &["BOTSET#ADMINS"],
};

/// `/admin add|remove`: one atomic set update, on the admins' item only.
pub const MANAGE_BOT_ADMINS: Grant = Grant {
    name: "ManageBotAdmins",
    about:
        "the bot's admins: add or remove one (an UpdateItem of the set), on the BOTSET#ADMINS item",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["BOTSET#ADMINS"],
};

/// The deny-list (`denylist`): one read of the set, on its item only.
pub const READ_DENY_LIST: Grant = Grant {
    name: "ReadDenyList",
    about: "the bot's deny-list: one GetItem of the set, on the BOTSET#DENIED item",
    actions: &["dynamodb:GetItem"],
    leading_keys: &["BOTSET#DENIED"],
};

/// `/deny`: one atomic set update, on the deny-list's item only.
pub const MANAGE_DENY_LIST: Grant = Grant {
    name: "ManageDenyList",
    about: "the bot's deny-list: add or remove an id (an UpdateItem of the set), on the BOTSET#DENIED item",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["BOTSET#DENIED"],
};

/// The allow-list (`allowlist`): one read of the set, on its item only. The admins, who always
/// pass, are read only when the list is on and the update is not on it.
pub const READ_ALLOW_LIST: Grant = Grant {
    name: "ReadAllowList",
    about: "the bot's allow-list: one GetItem of the set, on the BOTSET#ALLOWED item",
    actions: &["dynamodb:GetItem"],
    leading_keys: &["BOTSET#ALLOWED"],
};

/// `/allowlist`: one atomic set update, on the allow-list's item only.
pub const MANAGE_ALLOW_LIST: Grant = Grant {
    name: "ManageAllowList",
    about: "the bot's allow-list: add or remove an id (an UpdateItem of the set), on the BOTSET#ALLOWED item",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["BOTSET#ALLOWED"],
};

/// The rate limit (`ratelimit`): one conditional update per update counted, on RATE# items.
pub const COUNT_RATE: Grant = Grant {
    name: "CountRate",
    about: "the rate limits: one conditional UpdateItem per update, on RATE# items",
    actions: &["dynamodb:UpdateItem"],
    leading_keys: &["RATE#*"],
};

/// A bot's session values (`STATE#*`): one strongly consistent GetItem to read, one
/// conditional UpdateItem to write or discard.
pub const KEEP_STATE: Grant = Grant {
    name: "KeepState",
    about: "session values: a GetItem to read, a conditional UpdateItem to write or end one, on STATE# items",
    actions: &["dynamodb:GetItem", "dynamodb:UpdateItem"],
    leading_keys: &["STATE#*"],
};

/// Reading session values only (a function that shows what others set): one GetItem on
/// STATE# items.
pub const READ_STATE: Grant = Grant {
    name: "ReadState",
    about: "session values, read only: a GetItem on STATE# items",
    actions: &["dynamodb:GetItem"],
    leading_keys: &["STATE#*"],
};

/// Conversations (`conversation`): the same operations on CONV# items.
pub const CONVERSE: Grant = Grant {
    name: "Converse",
    about: "conversations waiting for an answer: a GetItem to read, a conditional UpdateItem to move or end one, on CONV# items",
    actions: &["dynamodb:GetItem", "dynamodb:UpdateItem"],
    leading_keys: &["CONV#*"],
};

/// The checks every grant passes (a valid `Sid`, DynamoDB actions only, a key prefix).
pub fn check_grant(grant: &Grant) -> Result<(), String> {
    let valid_sid = grant
        .name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && grant.name.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid_sid {
        return Err(format!(
            "grant `{}`: the name must be PascalCase",
            grant.name
        ));
    }
    if grant.actions.is_empty()
        || grant
            .actions
            .iter()
            .any(|a| !a.starts_with("dynamodb:") || a.contains('*'))
    {
        return Err(format!(
            "grant `{}`: list DynamoDB actions one by one, without wildcards",
            grant.name
        ));
    }
    if grant.leading_keys.is_empty() {
        return Err(format!(
            "grant `{}`: limit it to the partitions it needs (leading_keys)",
            grant.name
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_are_named_narrow_and_on_dynamodb() {
        assert_eq!(check_grant(&RECORD_VISIT), Ok(()));
        assert_eq!(check_grant(&JOURNAL_EFFECTS), Ok(()));
        assert_eq!(check_grant(&PACE_MESSAGES), Ok(()));
        for grant in [
            READ_BOT_ADMINS,
            MANAGE_BOT_ADMINS,
            READ_DENY_LIST,
            MANAGE_DENY_LIST,
            READ_ALLOW_LIST,
            MANAGE_ALLOW_LIST,
            COUNT_RATE,
        ] {
            assert_eq!(check_grant(&grant), Ok(()));
        }
        let wide = Grant {
            actions: &["dynamodb:*"],
            ..RECORD_VISIT
        };
        assert!(check_grant(&wide).is_err());
        let anywhere = Grant {
            leading_keys: &[],
            ..RECORD_VISIT
        };
        assert!(check_grant(&anywhere).is_err());
        let badly_named = Grant {
            name: "record-visit",
            ..RECORD_VISIT
        };
        assert!(check_grant(&badly_named).is_err());
    }
}
