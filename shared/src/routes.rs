//! Route tables: the single source of truth for what a bot handles.
//!
//! A bot declares one [`RouteTable`]; the webhook's router, the `allowed_updates` sent with
//! `setWebhook`, the `/help` text, the command menu sent with `setMyCommands` and the functions
//! in `template.yaml` are all derived from it (a test checks the template against it).

use crate::flood::Limit;
use crate::grants::Grant;
use crate::i18n::{Catalogue, Lang, Text, EN};
use crate::interaction_log::LogPolicy;

/// Where a command is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Private,
    Groups,
    Everywhere,
}

/// What in an update selects a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// `/name`, `/name args` or `/name@ThisBot args` in a message.
    Command { name: &'static str, scope: Scope },
    /// A command no route claims, sent in a private chat.
    UnknownPrivateCommand,
    /// A non-command, non-service message in a group or supergroup, or an edit of one (an
    /// edit can say anything the message did not).
    GroupMessage,
    /// An edited message.
    EditedMessage,
    /// A callback query whose data starts with `prefix` followed by `:`.
    Callback { prefix: &'static str },
    /// A `chat_member` update (needs the bot to be an admin and `chat_member` in `allowed_updates`).
    ChatMember,
    /// A `my_chat_member` update: the bot's own status changed.
    MyChatMember,
    /// A `new_chat_members` service message.
    NewChatMembers,
    /// A `chat_join_request` update: someone asked to join a chat whose invite link (or
    /// settings) make admins approve joins (needs the bot to be an admin with the right to
    /// invite users, and `chat_join_request` in `allowed_updates`).
    ChatJoinRequest,
    /// A group upgraded to a supergroup: the service message carrying `migrate_to_chat_id` (in
    /// the old group) or `migrate_from_chat_id` (in the new supergroup).
    ChatMigration,
    /// A message that is not a command, in a private chat (or in a group, when no route takes
    /// [`Trigger::GroupMessage`]): the answer to a question a conversation asked. Its route
    /// continues the conversation waiting in that chat for that user, if any
    /// (`conversation::ConversationRoute`).
    Conversation,
}

impl Trigger {
    /// The `allowed_updates` entries this trigger needs.
    pub fn update_kinds(self) -> &'static [&'static str] {
        match self {
            Trigger::GroupMessage => &["message", "edited_message"],
            Trigger::Command { .. }
            | Trigger::UnknownPrivateCommand
            | Trigger::NewChatMembers
            | Trigger::ChatMigration
            | Trigger::Conversation => &["message"],
            Trigger::EditedMessage => &["edited_message"],
            Trigger::Callback { .. } => &["callback_query"],
            Trigger::ChatMember => &["chat_member"],
            Trigger::MyChatMember => &["my_chat_member"],
            Trigger::ChatJoinRequest => &["chat_join_request"],
        }
    }
}

/// Who a command is for: it decides which of Telegram's command menus shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Everyone in the chats its scope allows.
    Everyone,
    /// Group administrators: shown in their menu only (`all_chat_administrators`), never in a
    /// member's or a private chat's. The handler still checks who sent it.
    GroupAdmins,
}

/// Telegram's command-menu scopes (`BotCommandScope`) a table fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuScope {
    /// The fallback for chats no other menu covers.
    Default,
    AllPrivateChats,
    AllGroupChats,
    AllChatAdministrators,
}

impl MenuScope {
    pub const ALL: [MenuScope; 4] = [
        MenuScope::Default,
        MenuScope::AllPrivateChats,
        MenuScope::AllGroupChats,
        MenuScope::AllChatAdministrators,
    ];

    /// The scope's `type` in the Bot API.
    pub fn as_str(self) -> &'static str {
        match self {
            MenuScope::Default => "default",
            MenuScope::AllPrivateChats => "all_private_chats",
            MenuScope::AllGroupChats => "all_group_chats",
            MenuScope::AllChatAdministrators => "all_chat_administrators",
        }
    }

    /// Whether a command with `scope` and `audience` belongs in this menu.
    fn shows(self, scope: Scope, audience: Audience) -> bool {
        let in_private = matches!(scope, Scope::Private | Scope::Everywhere);
        let in_groups = matches!(scope, Scope::Groups | Scope::Everywhere);
        match self {
            MenuScope::Default | MenuScope::AllPrivateChats => {
                in_private && audience == Audience::Everyone
            }
            MenuScope::AllGroupChats => in_groups && audience == Audience::Everyone,
            MenuScope::AllChatAdministrators => in_groups,
        }
    }
}

/// A middleware as a route declares it: what runs before the route's handler, by name, and the
/// grants it takes (added to the function's policies). Its implementation is given to the
/// runtime with the handler, which refuses to start a route whose implementations differ from
/// its declaration (the `middleware` module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MiddlewareDecl {
    /// Unique in the bot (lowercase, `-`).
    pub name: &'static str,
    /// What it does, for readers of the table.
    pub about: &'static str,
    /// What it may do on the state table.
    pub grants: &'static [Grant],
    /// Its parameter, for a middleware that takes one: the per-user limit of the rate limit
    /// (`ratelimit::per_user`), so the limit is written once, in the table. `None` for others.
    pub limit: Option<Limit>,
}

/// One route: an update trigger handled by one Lambda function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The route's name, which is also its function's binary and crate name.
    pub name: &'static str,
    pub trigger: Trigger,
    /// The command's description for `/help` and the command menu; `None` hides it.
    pub help: Option<Text>,
    /// Who the command is for (which menus show it).
    pub audience: Audience,
    /// Whether handling the update has effects beyond the webhook's own answer (Bot API calls,
    /// writes). Such routes are de-duplicated by `update_id` (two ledger writes). A route whose
    /// only effect is a webhook reply needs no ledger: Telegram redelivers an update only when it
    /// did not get the answer, and then it did not execute the reply either.
    pub side_effects: bool,
    /// What its function does: the function's description in the template.
    pub about: &'static str,
    /// What its function may do on the state table (the store operations its handler makes);
    /// the template's policies are generated from them, with its middleware's. Empty (and no
    /// middleware that takes any): no table access at all.
    pub grants: &'static [Grant],
    /// What runs before the handler, in order; each may answer instead of it.
    pub middleware: &'static [MiddlewareDecl],
}

impl Route {
    /// The environment variable the webhook reads this route's function name from.
    pub fn function_env_var(&self) -> String {
        format!(
            "ROUTE_FUNCTION_{}",
            self.name.to_ascii_uppercase().replace('-', "_")
        )
    }

    /// Every grant its function needs: its own, then its middleware's, each once.
    pub fn all_grants(&self) -> Vec<Grant> {
        let mut all: Vec<Grant> = Vec::new();
        let middleware = self.middleware.iter().flat_map(|m| m.grants.iter());
        for grant in self.grants.iter().chain(middleware) {
            if !all.contains(grant) {
                all.push(*grant);
            }
        }
        all
    }

    /// The command name, for command routes.
    pub fn command(&self) -> Option<&'static str> {
        match self.trigger {
            Trigger::Command { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// A bot's route table: every route it has, in priority order (the first route whose trigger
/// matches an update takes it), and the languages it speaks. Declared once, as a `const`, by the
/// bot.
#[derive(Clone, Copy, Debug)]
pub struct RouteTable {
    routes: &'static [Route],
    catalogue: &'static Catalogue,
    log: &'static LogPolicy,
}

/// One of Telegram's command menus (`setMyCommands`): a scope in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandMenu {
    pub scope: MenuScope,
    /// `None`: the menu of every language without its own (English, the fallback).
    pub lang: Option<Lang>,
    /// Command and description, in table order.
    pub commands: Vec<(&'static str, &'static str)>,
}

impl RouteTable {
    /// A table speaking English only; [`RouteTable::speaking`] gives it the bot's languages.
    pub const fn new(routes: &'static [Route]) -> Self {
        Self {
            routes,
            catalogue: &Catalogue::ENGLISH,
            log: &LogPolicy::NONE,
        }
    }

    /// The same table, speaking the languages of `catalogue`.
    pub const fn speaking(self, catalogue: &'static Catalogue) -> Self {
        Self { catalogue, ..self }
    }

    /// The same table, keeping the interaction log `log` declares (`interaction_log`).
    pub const fn logging(self, log: &'static LogPolicy) -> Self {
        Self { log, ..self }
    }

    /// What the bot logs of the updates it handles.
    pub fn log(&self) -> &'static LogPolicy {
        self.log
    }

    /// The bot's languages and its translations of the framework's texts.
    pub fn catalogue(&self) -> &'static Catalogue {
        self.catalogue
    }

    /// Every command menu: each scope ([`MenuScope::ALL`]) in English as the default, and in
    /// each other language the bot speaks under its code. A user whose language the bot does
    /// not speak gets the English menu.
    pub fn command_menus(&self) -> Vec<CommandMenu> {
        let mut menus = Vec::new();
        for scope in MenuScope::ALL {
            for locale in self.catalogue.languages() {
                let lang = locale.lang;
                menus.push(CommandMenu {
                    scope,
                    lang: (lang != EN).then_some(lang),
                    commands: self
                        .menu(scope)
                        .map(|(command, help)| (command, self.catalogue.get(&help, lang)))
                        .collect(),
                });
            }
        }
        menus
    }

    /// Every route, in table order.
    pub fn routes(&self) -> &'static [Route] {
        self.routes
    }

    pub fn iter(&self) -> std::slice::Iter<'static, Route> {
        self.routes.iter()
    }

    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Looks a route up by name.
    pub fn get(&self, name: &str) -> Option<&'static Route> {
        self.routes.iter().find(|r| r.name == name)
    }

    /// The `allowed_updates` list for `setWebhook`/`getUpdates`: exactly the kinds some route
    /// needs, in a stable order, without duplicates.
    pub fn allowed_updates(&self) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = Vec::new();
        for kind in self.routes.iter().flat_map(|r| r.trigger.update_kinds()) {
            if !kinds.contains(kind) {
                kinds.push(kind);
            }
        }
        kinds
    }

    /// The commands shown by `/help`, in table order.
    pub fn visible_commands(&self) -> impl Iterator<Item = (&'static str, Text)> {
        self.routes
            .iter()
            .filter_map(|r| Some((r.command()?, r.help?)))
    }

    /// The commands of Telegram's menu `scope`, in table order.
    pub fn menu(&self, scope: MenuScope) -> impl Iterator<Item = (&'static str, Text)> {
        self.routes.iter().filter_map(move |r| match r.trigger {
            Trigger::Command { name, scope: s } if scope.shows(s, r.audience) => {
                Some((name, r.help?))
            }
            _ => None,
        })
    }
}

impl IntoIterator for RouteTable {
    type Item = &'static Route;
    type IntoIter = std::slice::Iter<'static, Route>;

    fn into_iter(self) -> Self::IntoIter {
        self.routes.iter()
    }
}

/// The checks every route table must pass (unique, valid names and commands); a bot calls it
/// from a unit test of its table.
pub fn check_table(table: RouteTable) -> Result<(), String> {
    let routes = table.routes();
    for (i, r) in routes.iter().enumerate() {
        if r.name.is_empty()
            || !r
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!(
                "route name `{}` is not a valid binary name",
                r.name
            ));
        }
        if r.name == "webhook" {
            return Err("`webhook` is the ingress function's name, not a route's".into());
        }
        if routes[i + 1..].iter().any(|o| o.name == r.name) {
            return Err(format!("route `{}` is declared twice", r.name));
        }
        if let Some(c) = r.command() {
            let valid = !c.is_empty()
                && c.len() <= 32
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !valid {
                return Err(format!("command /{c} is not a valid Telegram command"));
            }
            if routes[i + 1..].iter().any(|o| o.command() == Some(c)) {
                return Err(format!("command /{c} is declared twice"));
            }
        }
        for (j, m) in r.middleware.iter().enumerate() {
            if r.middleware[j + 1..].iter().any(|o| o.name == m.name) {
                return Err(format!(
                    "route `{}` declares middleware `{}` twice",
                    r.name, m.name
                ));
            }
        }
        if let Trigger::Callback { prefix } = r.trigger {
            if prefix.is_empty() || prefix.contains(':') {
                return Err(format!(
                    "callback prefix `{prefix}` must be non-empty, without `:`"
                ));
            }
        }
        // The first route whose trigger matches takes an update: a second one with the same
        // non-command trigger would never be reached.
        if !matches!(r.trigger, Trigger::Command { .. }) {
            if let Some(first) = routes[..i].iter().find(|o| o.trigger == r.trigger) {
                return Err(format!(
                    "route `{}` would never be reached: `{}` takes {:?} first",
                    r.name, first.name, r.trigger
                ));
            }
        }
    }
    let names: Vec<&str> = routes.iter().map(|r| r.name).collect();
    crate::interaction_log::check_policy(table.log(), &names)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn command(name: &'static str, scope: Scope, side_effects: bool) -> Route {
        Route {
            name,
            trigger: Trigger::Command { name, scope },
            help: Some(Text::new(&[(EN, "e"), (RU, "r")])),
            audience: Audience::Everyone,
            side_effects,
            about: "a test route",
            grants: &[],
            middleware: &[],
        }
    }

    const TABLE: RouteTable = RouteTable::new(&[
        command("start", Scope::Everywhere, true),
        Route {
            name: "group-message",
            trigger: Trigger::GroupMessage,
            help: None,
            audience: Audience::Everyone,
            side_effects: false,
            about: "a test route",
            grants: &[],
            middleware: &[],
        },
        Route {
            name: "unknown-command",
            trigger: Trigger::UnknownPrivateCommand,
            help: None,
            audience: Audience::Everyone,
            side_effects: false,
            about: "a test route",
            grants: &[],
            middleware: &[],
        },
        Route {
            name: "press",
            trigger: Trigger::Callback { prefix: "p" },
            help: None,
            audience: Audience::Everyone,
            side_effects: true,
            about: "a test route",
            grants: &[],
            middleware: &[],
        },
        Route {
            name: "member",
            trigger: Trigger::ChatMember,
            help: None,
            audience: Audience::Everyone,
            side_effects: true,
            about: "a test route",
            grants: &[],
            middleware: &[],
        },
        Route {
            name: "join-request",
            trigger: Trigger::ChatJoinRequest,
            help: None,
            audience: Audience::Everyone,
            side_effects: true,
            about: "a test route",
            grants: &[],
            middleware: &[],
        },
    ]);

    #[test]
    fn a_valid_table_passes_its_checks() {
        assert_eq!(check_table(TABLE), Ok(()));
    }

    #[test]
    fn invalid_tables_are_refused_with_the_reason() {
        const TWICE: RouteTable = RouteTable::new(&[
            command("a", Scope::Private, false),
            command("a", Scope::Groups, false),
        ]);
        assert_eq!(
            check_table(TWICE),
            Err("route `a` is declared twice".to_owned())
        );
        const BAD: RouteTable = RouteTable::new(&[command("Bad", Scope::Private, false)]);
        assert_eq!(
            check_table(BAD),
            Err("route name `Bad` is not a valid binary name".to_owned())
        );
        const WEBHOOK: RouteTable = RouteTable::new(&[command("webhook", Scope::Private, false)]);
        assert!(check_table(WEBHOOK).is_err());
        const TWICE_GATED: RouteTable = RouteTable::new(&[Route {
            middleware: &[GATE, GATE],
            ..command("a", Scope::Groups, false)
        }]);
        assert_eq!(
            check_table(TWICE_GATED),
            Err("route `a` declares middleware `gate` twice".to_owned())
        );
    }

    const RU: Lang = Lang::new("ru");
    const LANGUAGES: &[crate::i18n::Locale] = &[
        crate::i18n::Locale::ENGLISH,
        crate::i18n::Locale::new("ru", "Русский", crate::i18n::plural_rules::EAST_SLAVIC),
    ];
    const CATALOGUE: Catalogue = Catalogue::new(LANGUAGES, &[]);

    #[test]
    fn command_menus_follow_the_table_and_its_languages() {
        const TWO: RouteTable = RouteTable::new(&[
            command("start", Scope::Everywhere, true),
            Route {
                audience: Audience::GroupAdmins,
                ..command("protect", Scope::Groups, true)
            },
        ])
        .speaking(&CATALOGUE);
        let menus = TWO.command_menus();
        let shown: Vec<_> = menus
            .iter()
            .map(|m| {
                (
                    m.scope.as_str(),
                    m.lang.map(|l| l.code().to_owned()),
                    m.commands.clone(),
                )
            })
            .collect();
        let ru = Some("ru".to_owned());
        assert_eq!(
            shown,
            vec![
                ("default", None, vec![("start", "e")]),
                ("default", ru.clone(), vec![("start", "r")]),
                ("all_private_chats", None, vec![("start", "e")]),
                ("all_private_chats", ru.clone(), vec![("start", "r")]),
                ("all_group_chats", None, vec![("start", "e")]),
                ("all_group_chats", ru.clone(), vec![("start", "r")]),
                (
                    "all_chat_administrators",
                    None,
                    vec![("start", "e"), ("protect", "e")]
                ),
                (
                    "all_chat_administrators",
                    ru,
                    vec![("start", "r"), ("protect", "r")]
                ),
            ]
        );
        // English alone: one menu per scope, the default.
        assert_eq!(TABLE.command_menus().len(), MenuScope::ALL.len());
        assert!(TABLE.command_menus().iter().all(|m| m.lang.is_none()));
    }

    #[test]
    fn allowed_updates_follow_the_table() {
        assert_eq!(
            TABLE.allowed_updates(),
            vec![
                "message",
                "edited_message",
                "callback_query",
                "chat_member",
                "chat_join_request"
            ]
        );
        assert_eq!(
            TABLE.visible_commands().map(|(c, _)| c).collect::<Vec<_>>(),
            vec!["start"]
        );
    }

    const VISIT: Grant = Grant {
        name: "Visit",
        about: "v",
        actions: &["dynamodb:UpdateItem"],
        leading_keys: &["USER#*"],
    };
    const READ: Grant = Grant {
        name: "Read",
        about: "r",
        actions: &["dynamodb:GetItem"],
        leading_keys: &["G#*"],
    };
    const GATE: MiddlewareDecl = MiddlewareDecl {
        name: "gate",
        about: "a test middleware",
        grants: &[READ, VISIT],
        limit: None,
    };

    #[test]
    fn a_route_needs_its_own_grants_and_its_middlewares_once_each() {
        let route = Route {
            grants: &[VISIT],
            middleware: &[GATE],
            ..command("a", Scope::Groups, false)
        };
        assert_eq!(route.all_grants(), vec![VISIT, READ]);
        assert_eq!(command("b", Scope::Groups, false).all_grants(), vec![]);
    }

    #[test]
    fn env_var_names() {
        assert_eq!(
            TABLE
                .get("unknown-command")
                .map(Route::function_env_var)
                .as_deref(),
            Some("ROUTE_FUNCTION_UNKNOWN_COMMAND")
        );
    }
}
