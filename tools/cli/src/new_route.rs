//! `lambdagram new route NAME`: everything a new route needs but its handler's body.
//!
//! From one declaration (name, trigger, scope, menu text) it writes the route's entry in the
//! bot's table, its function crate (`main.rs` composition, `lib.rs` a handler that answers), its
//! registration for `lambdagram local`/`dev`, its template resources (generated from the table
//! as `gen template` does), a sample event in `events/routes/` and an end-to-end test that
//! delivers it. The route builds, is routed, is in the template and answers at once; writing
//! what it does is the only step left.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use lambdagram::i18n::Text;
use lambdagram::routes::{check_table, Audience, Route, RouteTable, Scope, Trigger};

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("trigger").required(true).args(["command", "callback", "event"])))]
pub struct Args {
    /// The route's name: its crate, binary and function (lowercase letters, digits, -).
    name: String,
    /// A command route: the command, with or without the leading / (e.g. /ping).
    #[arg(long)]
    command: Option<String>,
    /// A callback route: the callback data prefix it takes (data `PREFIX:…`).
    #[arg(long)]
    callback: Option<String>,
    /// An event route: the update kind it takes.
    #[arg(long, value_enum)]
    event: Option<EventKind>,
    /// Where the command is accepted.
    #[arg(long, value_enum, default_value = "everywhere")]
    scope: ScopeArg,
    /// The command is for group administrators: shown in their menu only.
    #[arg(long)]
    admins: bool,
    /// The command's menu and /help text, in English.
    #[arg(long, default_value = "not described yet")]
    menu: String,
    /// The same in Russian (default: the English text).
    #[arg(long)]
    menu_ru: Option<String>,
    /// What the function does (the template's description).
    #[arg(long)]
    about: Option<String>,
    /// The workspace to write into.
    #[arg(long, default_value = ".")]
    workspace: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventKind {
    ChatMember,
    MyChatMember,
    NewChatMembers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScopeArg {
    Private,
    Groups,
    Everywhere,
}

/// The bot the route joins: its table and its crate (the channel guard today).
const BOT_DIR: &str = "bots/guard";

pub fn run(args: Args) -> anyhow::Result<()> {
    let route = declare(&args)?;
    let ws = &args.workspace;
    let function_dir = ws.join("functions").join(route.name);
    if function_dir.exists() {
        bail!("{} exists already", function_dir.display());
    }
    let snake = route.name.replace('-', "_");
    let handler = pascal(route.name);

    // 1. The table entry, then everything that follows from it.
    let table_file = ws.join(BOT_DIR).join("src/routes.rs");
    edit(&table_file, |s| insert_route(s, &route))?;
    write(&function_dir.join("Cargo.toml"), &cargo_toml(&route))?;
    write(
        &function_dir.join("src/main.rs"),
        &main_rs(&route, &handler),
    )?;
    write(&function_dir.join("src/lib.rs"), &lib_rs(&route, &handler))?;
    edit(&ws.join("tools/cli/Cargo.toml"), |s| {
        insert_after(
            s,
            "[dependencies]\n",
            &format!(
                "{name} = {{ path = \"../../functions/{name}\" }}\n",
                name = route.name
            ),
        )
    })?;
    edit(&ws.join("tools/cli/src/registry.rs"), |s| {
        insert_after(
            s,
            "let mut d = InProcessDispatcher::new(ROUTES);\n",
            &format!(
                "    d.register(\"{}\", deps.clone(), {}, {snake}::{handler})?;\n",
                route.name,
                if gated(&route) { "gate" } else { "&[]" }
            ),
        )
    })?;
    let template_file = ws.join("template.yaml");
    let mut routes = channel_guard::ROUTES.routes().to_vec();
    routes.push(route);
    // The same table with the new route: its languages and interaction log kept.
    let table = RouteTable::new(Vec::leak(routes))
        .speaking(channel_guard::ROUTES.catalogue())
        .logging(channel_guard::ROUTES.log());
    edit(&template_file, |s| {
        crate::gen_template::regenerate(
            s,
            crate::gen_template::Bot {
                routes: table,
                ..crate::gen_template::GUARD
            },
        )
    })?;

    // 2. A sample event and the test that delivers it.
    let sample = ws
        .join("events/routes")
        .join(format!("{}.json", route.name));
    std::fs::create_dir_all(sample.parent().unwrap_or(ws)).context("events/routes")?;
    crate::event_new::write_sample(&sample_args(&route), &sample)?;
    let test_file = ws.join("tests/tests").join(format!("route_{snake}.rs"));
    write(&test_file, &e2e_test(&route, &snake))?;

    println!("route `{}` scaffolded:", route.name);
    for path in [
        &table_file,
        &function_dir,
        &ws.join("tools/cli/src/registry.rs"),
        &template_file,
        &sample,
        &test_file,
    ] {
        println!("  {}", path.strip_prefix(ws).unwrap_or(path).display());
    }
    println!(
        "Write the handler in functions/{}/src/lib.rs; give it grants in the table when it uses \
         the table, then `lambdagram gen template`.",
        route.name
    );
    Ok(())
}

/// The route the arguments declare, checked against the table it joins.
fn declare(args: &Args) -> anyhow::Result<Route> {
    let name: &'static str = leak(&args.name);
    let trigger = match (&args.command, &args.callback, args.event) {
        (Some(c), _, _) => Trigger::Command {
            name: leak(c.trim_start_matches('/')),
            scope: match args.scope {
                ScopeArg::Private => Scope::Private,
                ScopeArg::Groups => Scope::Groups,
                ScopeArg::Everywhere => Scope::Everywhere,
            },
        },
        (_, Some(prefix), _) => Trigger::Callback {
            prefix: leak(prefix),
        },
        (_, _, Some(EventKind::ChatMember)) => Trigger::ChatMember,
        (_, _, Some(EventKind::MyChatMember)) => Trigger::MyChatMember,
        (_, _, Some(EventKind::NewChatMembers)) => Trigger::NewChatMembers,
        _ => bail!("say what the route takes: --command, --callback or --event"),
    };
    let is_command = matches!(trigger, Trigger::Command { .. });
    let route = Route {
        name,
        trigger,
        help: is_command.then(|| help_text(&args.menu, args.menu_ru.as_deref())),
        audience: if args.admins {
            Audience::GroupAdmins
        } else {
            Audience::Everyone
        },
        side_effects: false,
        about: leak(args.about.as_deref().unwrap_or(&format!(
            "The {name} route (scaffolded; describe what it does)."
        ))),
        grants: &[],
        middleware: &[],
    };
    // A command answered in groups runs behind the guard's gate (which brings its grants).
    let route = Route {
        middleware: if gated(&route) {
            &[channel_guard::middleware::GATE]
        } else {
            &[]
        },
        ..route
    };
    let mut routes = channel_guard::ROUTES.routes().to_vec();
    routes.push(route);
    check_table(RouteTable::new(Vec::leak(routes))).map_err(|e| anyhow::anyhow!(e))?;
    if channel_guard::JOBS.iter().any(|j| j.name == name) {
        bail!("`{name}` is a job's name");
    }
    Ok(route)
}

/// The menu text in each language of the bot: `--menu` in English (and in any language without
/// its own option), `--menu-ru` in Russian.
fn help_text(menu: &str, menu_ru: Option<&str>) -> Text {
    let entries = channel_guard::i18n::LANGUAGES
        .iter()
        .map(|l| match (l.lang.code(), menu_ru) {
            ("ru", Some(ru)) => (l.lang, leak(ru)),
            _ => (l.lang, leak(menu)),
        })
        .collect::<Vec<_>>();
    Text::new(entries.leak())
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn pascal(name: &str) -> String {
    crate::gen_template::pascal(name)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

fn edit(path: &Path, f: impl FnOnce(&str) -> anyhow::Result<String>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let edited = f(&text).with_context(|| format!("edit {}", path.display()))?;
    write(path, &edited)
}

fn insert_after(text: &str, anchor: &str, line: &str) -> anyhow::Result<String> {
    let at = text
        .find(anchor)
        .map(|i| i + anchor.len())
        .ok_or_else(|| anyhow::anyhow!("`{}` not found", anchor.trim()))?;
    Ok(format!("{}{line}{}", &text[..at], &text[at..]))
}

/// The table entry, appended to `ROUTES`.
fn insert_route(table: &str, route: &Route) -> anyhow::Result<String> {
    let start = table
        .find("pub const ROUTES: RouteTable = RouteTable::new(&[")
        .ok_or_else(|| anyhow::anyhow!("no `pub const ROUTES: RouteTable` in the bot's table"))?;
    let end = table[start..]
        .find("\n])")
        .map(|i| start + i + 1)
        .ok_or_else(|| anyhow::anyhow!("the ROUTES table does not end with `])`"))?;
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let trigger = match route.trigger {
        Trigger::Command { name, scope } => format!(
            "Trigger::Command {{\n            name: {},\n            scope: Scope::{scope:?},\n        }}",
            q(name)
        ),
        Trigger::Callback { prefix } => {
            format!("Trigger::Callback {{\n            prefix: {},\n        }}", q(prefix))
        }
        other => format!("Trigger::{other:?}"),
    };
    let help = match route.help {
        Some(t) => {
            let entries: String = t
                .langs()
                .map(|l| format!("            {l}: {},\n", q(t.get(l))))
                .collect();
            format!("Some(t! {{\n{entries}        }})")
        }
        None => "None".into(),
    };
    let entry = format!(
        "    Route {{\n        name: {name},\n        trigger: {trigger},\n        help: {help},\n        \
         audience: Audience::{audience:?},\n        side_effects: false,\n        about: {about},\n        \
         grants: &[],\n        middleware: {middleware},\n    }},\n",
        middleware = if gated(route) { "&[GATE]" } else { "&[]" },
        name = q(route.name),
        audience = route.audience,
        about = q(route.about),
    );
    Ok(format!("{}{entry}{}", &table[..end], &table[end..]))
}

/// Whether the route answers commands in groups, where the guard's gate runs first (a
/// non-subscriber of a protected group meets the guard, not an answer).
fn gated(route: &Route) -> bool {
    matches!(
        route.trigger,
        Trigger::Command {
            scope: Scope::Groups | Scope::Everywhere,
            ..
        }
    )
}

fn cargo_toml(route: &Route) -> String {
    // The route table is the guard's; the gate's store is DynamoDB.
    let guard = if gated(route) {
        "channel-guard = { workspace = true, features = [\"aws\"] }\n"
    } else {
        "channel-guard.workspace = true\n"
    };
    format!(
        "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n\
         rust-version.workspace = true\nlicense.workspace = true\npublish = false\n\n\
         [lints]\nworkspace = true\n\n[dependencies]\n\
         lambdagram = {{ workspace = true, features = [\"lambda\"] }}\n{guard}\
         tokio = {{ workspace = true }}\nserde_json.workspace = true\n",
        name = route.name
    )
}

fn main_rs(route: &Route, handler: &str) -> String {
    let (store_use, store, middleware) = if gated(route) {
        (
            "use lambdagram::aws::DynamoStore;",
            "DynamoStore",
            "&[&channel_guard::middleware::GATED]",
        )
    } else {
        ("use lambdagram::ports::NoStore;", "NoStore", "&[]")
    };
    format!(
        "//! {about}\n\n{store_use}\n\n\
         #[tokio::main(flavor = \"current_thread\")]\n\
         async fn main() -> Result<(), lambdagram::lambda::Error> {{\n    \
         lambdagram::lambda::run_route::<{store}, _>(\n        channel_guard::ROUTES,\n        \
         {name:?},\n        {middleware},\n        {krate}::{handler},\n    )\n    .await\n}}\n",
        about = route.about,
        name = route.name,
        krate = route.name.replace('-', "_"),
    )
}

/// What the scaffolded handler answers, so its test has something exact to check.
fn placeholder(route: &Route) -> String {
    format!("{}: the handler is not written yet", route.name)
}

fn lib_rs(route: &Route, handler: &str) -> String {
    let (input, import, arg, body) = match route.trigger {
        Trigger::Command { .. } => (
            "Command",
            "lambdagram::input::Command",
            "command",
            format!(
                "        Ok(RouteResponse::reply(\n            \"sendMessage\",\n            \
                 serde_json::json!({{ \"chat_id\": command.chat().id.0, \"text\": {text:?} }}),\n        ))",
                text = placeholder(route)
            ),
        ),
        Trigger::Callback { .. } => (
            "Callback",
            "lambdagram::input::Callback",
            "press",
            format!(
                "        Ok(RouteResponse::reply(\n            \"answerCallbackQuery\",\n            \
                 serde_json::json!({{ \"callback_query_id\": press.query.id, \"text\": {text:?} }}),\n        ))",
                text = placeholder(route)
            ),
        ),
        Trigger::NewChatMembers => (
            "NewChatMembers",
            "lambdagram::input::NewChatMembers",
            "_joined",
            "        Ok(RouteResponse::done())".into(),
        ),
        _ => (
            "ChatMemberUpdated",
            "lambdagram::teloxide_core::types::ChatMemberUpdated",
            "_change",
            "        Ok(RouteResponse::done())".into(),
        ),
    };
    let gate = if gated(route) {
        "/// In a group it runs behind the guard's gate (declared in the route table): a non-subscriber\n\
         /// of a protected group meets the guard, not an answer.\n"
    } else {
        ""
    };
    format!(
        "//! {about}\n\n\
         use {import};\n\
         use lambdagram::route::{{HandlerError, RouteContext, RouteHandler}};\n\
         use lambdagram::route_api::RouteResponse;\n\n\
         {gate}pub struct {handler};\n\n\
         impl<S: Sync> RouteHandler<S> for {handler} {{\n    \
         type Input = {input};\n\n    \
         async fn handle(\n        &self,\n        _ctx: RouteContext<'_, S>,\n        {arg}: {input},\n    \
         ) -> Result<RouteResponse, HandlerError> {{\n\
         {body}\n    }}\n}}\n",
        about = route.about,
    )
}

/// `lambdagram events new` arguments for a sample the route takes.
fn sample_args(route: &Route) -> Vec<String> {
    let args: Vec<String> = match route.trigger {
        Trigger::Command {
            name,
            scope: Scope::Groups,
        } => vec!["group-message".into(), "--text".into(), format!("/{name}")],
        Trigger::Command { name, .. } => {
            vec![
                "private-command".into(),
                "--command".into(),
                format!("/{name}"),
            ]
        }
        Trigger::Callback { prefix } => {
            vec!["callback".into(), "--data".into(), format!("{prefix}:1")]
        }
        Trigger::MyChatMember => vec![
            "my-chat-member".into(),
            "--change".into(),
            "promoted".into(),
        ],
        Trigger::NewChatMembers => vec!["new-chat-members".into()],
        _ => vec!["chat-member-join".into()],
    };
    args
}

fn e2e_test(route: &Route, snake: &str) -> String {
    let answer = match route.trigger {
        Trigger::Command { .. } => format!(
            "    let reply = delivery.reply.expect(\"a webhook reply\");\n    \
             assert_eq!(reply[\"method\"], \"sendMessage\");\n    \
             assert_eq!(reply[\"text\"], {text:?});\n",
            text = placeholder(route)
        ),
        Trigger::Callback { .. } => format!(
            "    let reply = delivery.reply.expect(\"a webhook reply\");\n    \
             assert_eq!(reply[\"method\"], \"answerCallbackQuery\");\n    \
             assert_eq!(reply[\"text\"], {text:?});\n",
            text = placeholder(route)
        ),
        _ => "    assert!(delivery.reply.is_none());\n".into(),
    };
    format!(
        "//! The `{name}` route end to end (scaffolded by `lambdagram new route`): its sample event\n\
         //! through the webhook to its function, under the Lambda emulator.\n\n\
         use lambdagram_e2e::stack::Stack;\n\n\
         #[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]\n\
         async fn {snake}_answers_its_sample_event() {{\n    \
         let stack = Stack::start().await;\n    \
         let delivery = stack.deliver_sample(\"routes/{name}\").await;\n    \
         assert_eq!(delivery.status, 200, \"{{}}\", delivery.body);\n\
         {answer}    \
         let logs = stack.logs().await;\n    \
         assert!(\n        logs.contains(\"\\\"route\\\":\\\"{name}\\\"\") && logs.contains(\"\\\"outcome\\\":\\\"handled\\\"\"),\n        \
         \"{{logs}}\"\n    );\n}}\n",
        name = route.name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let argv = ["new"].iter().chain(extra).copied();
        <Cli as clap::Parser>::try_parse_from(argv)
            .expect("valid arguments")
            .args
    }

    #[test]
    fn a_command_route_is_declared_and_checked_against_the_table() {
        let route =
            declare(&args(&["ping", "--command", "/ping", "--menu", "answers"])).expect("ok");
        assert_eq!(route.name, "ping");
        assert_eq!(
            route.trigger,
            Trigger::Command {
                name: "ping",
                scope: Scope::Everywhere
            }
        );
        let help = route.help.expect("a command has help");
        let ru = channel_guard::i18n::RU;
        assert_eq!((help.english(), help.get(ru)), ("answers", "answers"));
        let both = declare(&args(&[
            "pong",
            "--command",
            "/pong",
            "--menu",
            "pongs",
            "--menu-ru",
            "понгует",
        ]))
        .expect("ok");
        let help = both.help.expect("a command has help");
        assert_eq!((help.english(), help.get(ru)), ("pongs", "понгует"));
        let table = "pub const ROUTES: RouteTable = RouteTable::new(&[\n])\n.speaking(&C);\n";
        let out = insert_route(table, &both).expect("inserted");
        assert!(
            out.contains("help: Some(t! {\n            en: \"pongs\",\n            ru: \"понгует\",\n        }),"),
            "{out}"
        );
        assert!(out.ends_with("    },\n])\n.speaking(&C);\n"), "{out}");
        assert_eq!(
            route.middleware,
            [channel_guard::middleware::GATE],
            "answered in groups: gated"
        );
        assert!(route.grants.is_empty(), "the gate brings its own grants");
        let private = declare(&args(&[
            "hello",
            "--command",
            "/hello",
            "--scope",
            "private",
        ]))
        .expect("ok");
        assert!(
            private.all_grants().is_empty() && private.middleware.is_empty(),
            "a private command needs no table"
        );
    }

    #[test]
    fn a_route_the_table_already_has_is_refused() {
        let err = declare(&args(&["status", "--command", "/status2"])).expect_err("taken");
        assert!(err.to_string().contains("declared twice"), "{err}");
        let err = declare(&args(&["state", "--command", "/status"])).expect_err("taken");
        assert!(
            err.to_string().contains("/status is declared twice"),
            "{err}"
        );
        let err = declare(&args(&["joins", "--event", "chat-member"])).expect_err("shadowed");
        assert!(err.to_string().contains("never"), "{err}");
    }

    #[test]
    fn the_entry_is_appended_to_the_routes_table() {
        let table = "pub const ROUTES: RouteTable = RouteTable::new(&[\n    Route { .. },\n]);\n\npub const JOBS: &[Job] = &[];\n";
        let a = args(&["ping", "--command", "ping", "--scope", "groups", "--admins"]);
        let route = declare(&a).expect("ok");
        let out = insert_route(table, &route).expect("inserted");
        assert!(out.starts_with("pub const ROUTES: RouteTable = RouteTable::new(&[\n    Route { .. },\n    Route {\n        name: \"ping\",\n"), "{out}");
        assert!(out.contains("scope: Scope::Groups,"), "{out}");
        assert!(out.contains("audience: Audience::GroupAdmins,"), "{out}");
        assert!(
            out.contains("grants: &[],\n        middleware: &[GATE],\n    },\n]);"),
            "{out}"
        );
        assert!(
            out.ends_with("    },\n]);\n\npub const JOBS: &[Job] = &[];\n"),
            "{out}"
        );
    }
}
