//! Languages and the message catalogue.
//!
//! Every user-facing string is a [`Text`] with one field per language, so adding a language is a
//! compile error at every string that lacks a translation — nothing falls through silently.

/// A language the bot speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    /// Picks the language from Telegram's `language_code` (an IETF tag such as `ru` or `en-GB`).
    /// Unknown or missing codes fall back to English.
    pub fn from_code(code: Option<&str>) -> Lang {
        let primary = code
            .and_then(|c| c.split(['-', '_']).next())
            .unwrap_or("en");
        match primary.to_ascii_lowercase().as_str() {
            // Russian for Russian speakers only: a Ukrainian, Belarusian or Kazakh user is
            // answered in English (the fallback), not in another country's language.
            "ru" => Lang::Ru,
            _ => Lang::En,
        }
    }

    /// The two-letter code, as Telegram's `setMyCommands` `language_code` expects.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }
}

/// One string in every language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub ru: &'static str,
}

impl Text {
    pub const fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ru => self.ru,
        }
    }
}

/// A phrase that depends on a count, in every language: English has a form for one and one for
/// the rest; Russian one for 1, 21, 31…, one for 2–4, 22–24…, and one for the rest (5–20, 11–14…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plural {
    pub en: [&'static str; 2],
    pub ru: [&'static str; 3],
}

impl Plural {
    pub const fn get(&self, lang: Lang, n: u64) -> &'static str {
        match lang {
            Lang::En if n == 1 => self.en[0],
            Lang::En => self.en[1],
            Lang::Ru => {
                let (last, last_two) = (n % 10, n % 100);
                if last == 1 && last_two != 11 {
                    self.ru[0]
                } else if last >= 2 && last <= 4 && !(last_two >= 12 && last_two <= 14) {
                    self.ru[1]
                } else {
                    self.ru[2]
                }
            }
        }
    }
}

/// Replaces `{name}`-style placeholders in one pass over the template: a value is inserted
/// verbatim and never read again, so a user's name like `{bot}` stays `{bot}`. A placeholder
/// without a value is left as written. Callers escape values for HTML.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let key = &after[..close];
            let value = vars.iter().find(|(k, _)| *k == key)?.1;
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes text for Telegram's HTML parse mode.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The catalogue of messages shared by the framework's own routes.
pub mod msg {
    use super::Text;

    pub const WELCOME_NEW: Text = Text {
        en: "Hello, {name}! I am {bot}. Send /help to see what I can do.",
        ru: "Привет, {name}! Я {bot}. Отправьте /help, чтобы узнать, что я умею.",
    };
    pub const WELCOME_BACK: Text = Text {
        en: "Welcome back, {name}! Send /help to see what I can do.",
        ru: "С возвращением, {name}! Отправьте /help, чтобы узнать, что я умею.",
    };
    pub const HELP_HEADER: Text = Text {
        en: "Commands:",
        ru: "Команды:",
    };
    pub const UNKNOWN_COMMAND: Text = Text {
        en: "I don't know the command /{command}. Send /help for the list of commands.",
        ru: "Я не знаю команду /{command}. Отправьте /help, чтобы увидеть список команд.",
    };

    pub const CMD_START: Text = Text {
        en: "register and say hello",
        ru: "зарегистрироваться и поздороваться",
    };
    pub const CMD_HELP: Text = Text {
        en: "list the commands",
        ru: "список команд",
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_map_to_supported_languages() {
        assert_eq!(Lang::from_code(Some("ru")), Lang::Ru);
        assert_eq!(Lang::from_code(Some("ru-RU")), Lang::Ru);
        assert_eq!(Lang::from_code(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_code(Some("de")), Lang::En);
        assert_eq!(Lang::from_code(None), Lang::En);
        for other in ["uk", "be", "kk", "uk-UA"] {
            assert_eq!(Lang::from_code(Some(other)), Lang::En, "{other}");
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let p = Plural {
            en: ["one", "many"],
            ru: ["1", "2-4", "5+"],
        };
        let en: Vec<_> = [0, 1, 2, 11].map(|n| p.get(Lang::En, n)).into();
        assert_eq!(en, ["many", "one", "many", "many"]);
        let ru: Vec<_> = [0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 111, 114]
            .map(|n| p.get(Lang::Ru, n))
            .into();
        assert_eq!(
            ru,
            ["5+", "1", "2-4", "2-4", "5+", "5+", "5+", "1", "2-4", "5+", "1", "5+", "5+"]
        );
    }

    #[test]
    fn fill_and_escape() {
        assert_eq!(fill("Hi {name}, {name}!", &[("name", "A")]), "Hi A, A!");
        // One pass: a value is never expanded (a user named `{bot}`), unknown keys are kept.
        let vars = [("name", "{bot}"), ("bot", "@B")];
        assert_eq!(
            fill("{name}, I am {bot} {x} {", &vars),
            "{bot}, I am @B {x} {"
        );
        assert_eq!(fill("{{name}}", &vars), "{{bot}}");
        assert_eq!(fill("é{name}ü", &[("name", "ß")]), "éßü");
        assert_eq!(escape_html("<b>&\"x\""), "&lt;b&gt;&amp;&quot;x&quot;");
    }
}
