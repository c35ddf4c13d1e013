//! Languages, texts and catalogues: the machinery, and English. A bot brings its own languages
//! and texts; adding either never edits the framework.
//!
//! - [`Lang`]: a user's or a chat's language, the primary subtag of an IETF tag (`en`, `ru`,
//!   `uk`). Any tag Telegram sends is kept as it is; whether the bot speaks it is decided at
//!   lookup, where a language without a text falls back to English — never to a neighbour's.
//! - [`Catalogue`]: what a bot declares (with its route table):
//!   the languages it speaks ([`Locale`]: tag, own name, plural rule), English first, and its
//!   translations of the framework's own texts (`control_texts`), matched by their English.
//! - [`Text`] and [`Plural`]: one string (or one set of plural forms) per language. A bot builds
//!   them with [`crate::text!`] and [`crate::plural!`] against its languages, in a `const`: a
//!   text that lacks one of them (or has one the bot does not declare) does not compile.

use std::fmt;

/// The longest primary language subtag (BCP 47 allows 2 to 8 letters).
const MAX_CODE: usize = 8;

/// A language: the lowercase primary subtag of an IETF language tag. `Copy`, compared by code;
/// serialized as the code (`"en"`, `"ru"`), so stored values read back as they were written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lang {
    len: u8,
    code: [u8; MAX_CODE],
}

/// English: the language every bot speaks and every text has, the fallback of all others.
pub const EN: Lang = Lang::new("en");

impl Lang {
    /// The language `code` (2 to 8 lowercase ASCII letters); in a `const`, a wrong code is a
    /// compile error.
    pub const fn new(code: &str) -> Lang {
        match Lang::parse(code) {
            Some(lang) => lang,
            None => panic!("a language code is 2 to 8 lowercase ASCII letters"),
        }
    }

    /// The language `code` names, if it is 2 to 8 lowercase ASCII letters.
    pub const fn parse(code: &str) -> Option<Lang> {
        let bytes = code.as_bytes();
        if bytes.len() < 2 || bytes.len() > MAX_CODE {
            return None;
        }
        let mut out = [0u8; MAX_CODE];
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_lowercase() {
                return None;
            }
            out[i] = bytes[i];
            i += 1;
        }
        Some(Lang {
            len: bytes.len() as u8,
            code: out,
        })
    }

    /// The language of Telegram's `language_code` (an IETF tag such as `ru`, `en-GB` or
    /// `uk-UA`): its primary subtag, lowercased. A missing or malformed tag is English.
    pub fn from_code(code: Option<&str>) -> Lang {
        code.and_then(|c| c.split(['-', '_']).next())
            .and_then(|primary| Lang::parse(&primary.to_ascii_lowercase()))
            .unwrap_or(EN)
    }

    /// The code, as stored and as Telegram's `setMyCommands` `language_code` expects.
    pub fn code(&self) -> &str {
        // Only ASCII letters are ever written (`parse`).
        std::str::from_utf8(&self.code[..self.len as usize]).unwrap_or("en")
    }

    const fn same(self, other: Lang) -> bool {
        if self.len != other.len {
            return false;
        }
        let mut i = 0;
        while i < MAX_CODE {
            if self.code[i] != other.code[i] {
                return false;
            }
            i += 1;
        }
        true
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lang({})", self.code())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    /// Any stored tag reads back (as [`Lang::from_code`] reads it): data written before a
    /// language was added or removed stays readable.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Code;
        impl serde::de::Visitor<'_> for Code {
            type Value = Lang;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a language code")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Lang, E> {
                Ok(Lang::from_code(Some(v)))
            }
        }
        deserializer.deserialize_str(Code)
    }
}

/// How a language picks the plural form for a count: `forms` forms, `form(n)` the index of
/// `n`'s. The framework ships the CLDR families of the common languages (integers only); a bot
/// with another language writes its own.
#[derive(Clone, Copy, Debug)]
pub struct PluralRule {
    pub forms: usize,
    pub form: fn(u64) -> usize,
}

/// The plural rules of CLDR's common families, for whole numbers.
pub mod plural_rules {
    use super::PluralRule;

    /// One for 1, another for the rest: English, German, Dutch, Swedish, Italian, Spanish, …
    pub const ONE_OTHER: PluralRule = PluralRule {
        forms: 2,
        form: |n| usize::from(n != 1),
    };
    /// One for 0 and 1, another for the rest: French, Portuguese (Brazil).
    pub const ONE_WITH_ZERO: PluralRule = PluralRule {
        forms: 2,
        form: |n| usize::from(n > 1),
    };
    /// One for 1, 21, 31… (not 11); a few for 2–4, 22–24… (not 12–14); many for the rest:
    /// Russian, Ukrainian, Belarusian.
    pub const EAST_SLAVIC: PluralRule = PluralRule {
        forms: 3,
        form: |n| {
            let (last, last_two) = (n % 10, n % 100);
            if last == 1 && last_two != 11 {
                0
            } else if (2..=4).contains(&last) && !(12..=14).contains(&last_two) {
                1
            } else {
                2
            }
        },
    };
    /// One for 1; a few for 2–4, 22–24… (not 12–14); many for the rest: Polish.
    pub const POLISH: PluralRule = PluralRule {
        forms: 3,
        form: |n| {
            let (last, last_two) = (n % 10, n % 100);
            if n == 1 {
                0
            } else if (2..=4).contains(&last) && !(12..=14).contains(&last_two) {
                1
            } else {
                2
            }
        },
    };
    /// One for 1, a few for 2–4, other for the rest: Czech, Slovak.
    pub const CZECH: PluralRule = PluralRule {
        forms: 3,
        form: |n| match n {
            1 => 0,
            2..=4 => 1,
            _ => 2,
        },
    };
    /// No plural forms: Japanese, Chinese, Korean, Vietnamese, Indonesian, Thai.
    pub const NONE: PluralRule = PluralRule {
        forms: 1,
        form: |_| 0,
    };
}

/// A language a bot speaks: its tag, its name in itself (for a language menu) and its plural
/// rule.
#[derive(Clone, Copy, Debug)]
pub struct Locale {
    pub lang: Lang,
    pub name: &'static str,
    pub plural: PluralRule,
}

impl Locale {
    pub const ENGLISH: Locale = Locale {
        lang: EN,
        name: "English",
        plural: plural_rules::ONE_OTHER,
    };

    pub const fn new(code: &str, name: &'static str, plural: PluralRule) -> Locale {
        Locale {
            lang: Lang::new(code),
            name,
            plural,
        }
    }
}

/// The position of the first of `$items` whose `$field` is `$lang`, in a `const` (where
/// closures and function pointers cannot be called).
macro_rules! position {
    ($items:expr, $lang:expr, $field:tt) => {{
        let (items, lang) = ($items, $lang);
        let mut found = None;
        let mut i = 0;
        while i < items.len() {
            if items[i].$field.same(lang) {
                found = Some(i);
                break;
            }
            i += 1;
        }
        found
    }};
}

/// Whether `$entries` name each of `$languages` and nothing else (with no language twice).
macro_rules! covers {
    ($languages:expr, $entries:expr) => {{
        let (languages, entries) = ($languages, $entries);
        let mut all = entries.len() == languages.len();
        let mut i = 0;
        while all && i < languages.len() {
            all = position!(entries, languages[i].lang, 0).is_some();
            i += 1;
        }
        all
    }};
}

/// One string in several languages, English among them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    entries: &'static [(Lang, &'static str)],
}

impl Text {
    /// A text in the languages of `entries`; without English (or with a language twice) it
    /// does not compile in a `const`. The framework's own texts are made so (English only); a
    /// bot's through [`crate::text!`], which checks them against its languages.
    pub const fn new(entries: &'static [(Lang, &'static str)]) -> Text {
        if position!(entries, EN, 0).is_none() {
            panic!("every text has English");
        }
        let mut i = 0;
        while i < entries.len() {
            let after = entries.split_at(i + 1).1;
            if position!(after, entries[i].0, 0).is_some() {
                panic!("a text names a language twice");
            }
            i += 1;
        }
        Text { entries }
    }

    /// A text in exactly `languages`: a missing or undeclared language is a compile error in a
    /// `const` ([`crate::text!`] makes one), a panic otherwise.
    pub const fn complete(
        languages: &'static [Locale],
        entries: &'static [(Lang, &'static str)],
    ) -> Text {
        if !covers!(languages, entries) {
            panic!("a text lacks a language its bot speaks, or has one it does not");
        }
        Text::new(entries)
    }

    /// The string in `lang`, or the English one when the text has none in `lang`.
    pub fn get(&self, lang: Lang) -> &'static str {
        self.translation(lang).unwrap_or_else(|| self.english())
    }

    /// The string in `lang`, if the text has one.
    pub fn translation(&self, lang: Lang) -> Option<&'static str> {
        self.entries.iter().find(|(l, _)| *l == lang).map(|e| e.1)
    }

    pub fn english(&self) -> &'static str {
        self.translation(EN).unwrap_or_default()
    }

    /// The languages it has.
    pub fn langs(&self) -> impl Iterator<Item = Lang> + '_ {
        self.entries.iter().map(|e| e.0)
    }
}

/// A phrase that depends on a count, with each language's forms in its plural rule's order.
#[derive(Clone, Copy, Debug)]
pub struct Plural {
    languages: &'static [Locale],
    entries: &'static [(Lang, &'static [&'static str])],
}

impl Plural {
    /// Forms in exactly `languages`, as many as each one's rule has ([`crate::plural!`] makes
    /// one in a `const`, where anything else is a compile error).
    pub const fn complete(
        languages: &'static [Locale],
        entries: &'static [(Lang, &'static [&'static str])],
    ) -> Plural {
        if !covers!(languages, entries) || position!(languages, EN, lang).is_none() {
            panic!("a plural lacks a language its bot speaks, or has one it does not");
        }
        let mut i = 0;
        while i < entries.len() {
            if let Some(at) = position!(languages, entries[i].0, lang) {
                if languages[at].plural.forms != entries[i].1.len() {
                    panic!("a plural has not as many forms as its language's rule");
                }
            }
            i += 1;
        }
        Plural { languages, entries }
    }

    /// The form for `n` in `lang` (English when the bot does not speak `lang`).
    pub fn get(&self, lang: Lang, n: u64) -> &'static str {
        let find = |lang: Lang| {
            let locale = self.languages.iter().find(|l| l.lang == lang)?;
            let forms = self.entries.iter().find(|e| e.0 == lang)?.1;
            Some((locale.plural, forms))
        };
        let Some((rule, forms)) = find(lang).or_else(|| find(EN)) else {
            return "";
        };
        let at = (rule.form)(n).min(forms.len().saturating_sub(1));
        forms.get(at).copied().unwrap_or_default()
    }
}

/// What a bot declares about its languages: which it speaks (English first: the fallback), and
/// its translations of the framework's texts, each a [`Text`] whose English is the framework
/// text's English (the way gettext keys a message by its source text: a framework text that
/// changes its English is untranslated until the bot follows, which its completeness test
/// catches).
#[derive(Clone, Copy, Debug)]
pub struct Catalogue {
    languages: &'static [Locale],
    translations: &'static [Text],
}

impl Catalogue {
    /// English alone: a bot that declares nothing else.
    pub const ENGLISH: Catalogue = Catalogue::new(&[Locale::ENGLISH], &[]);

    /// In a `const`, English not first or a language twice is a compile error.
    pub const fn new(languages: &'static [Locale], translations: &'static [Text]) -> Catalogue {
        if languages.is_empty() || !languages[0].lang.same(EN) {
            panic!("a catalogue's first language is English, the fallback");
        }
        let mut i = 0;
        while i < languages.len() {
            let after = languages.split_at(i + 1).1;
            if position!(after, languages[i].lang, lang).is_some() {
                panic!("a catalogue declares a language twice");
            }
            i += 1;
        }
        Catalogue {
            languages,
            translations,
        }
    }

    /// The languages, English first.
    pub fn languages(&self) -> &'static [Locale] {
        self.languages
    }

    /// `lang` if the bot speaks it, English otherwise.
    pub fn resolve(&self, lang: Lang) -> Lang {
        if self.locale(lang).is_some() {
            lang
        } else {
            EN
        }
    }

    /// The declared language `lang`, if the bot speaks it.
    pub fn locale(&self, lang: Lang) -> Option<&'static Locale> {
        self.languages.iter().find(|l| l.lang == lang)
    }

    /// The declared language whose code is `code` (e.g. read back from callback data).
    pub fn find(&self, code: &str) -> Option<Lang> {
        self.languages
            .iter()
            .map(|l| l.lang)
            .find(|l| l.code() == code)
    }

    /// `text` in `lang`: its own string, else the bot's translation, else English. A language
    /// the bot does not speak is English, even where a text happens to have it.
    pub fn get(&self, text: &Text, lang: Lang) -> &'static str {
        let lang = self.resolve(lang);
        text.translation(lang)
            .or_else(|| {
                self.translations
                    .iter()
                    .find(|t| t.english() == text.english())
                    .and_then(|t| t.translation(lang))
            })
            .unwrap_or_else(|| text.english())
    }

    /// The languages the bot speaks that `text` would be answered in English instead of (for
    /// a bot's test that every framework text it uses is translated).
    pub fn untranslated(&self, text: &Text) -> Vec<Lang> {
        self.languages
            .iter()
            .map(|l| l.lang)
            .filter(|l| *l != EN && self.get(text, *l) == text.english())
            .collect()
    }
}

/// A [`Text`] in exactly the languages of `$languages` (a `&'static [Locale]` const), checked
/// at compile time: `text!(LANGUAGES => en: "Hello", ru: "Привет")`. A bot wraps it in its own
/// short macro that names its languages.
#[macro_export]
macro_rules! text {
    ($languages:expr => $($lang:ident : $s:expr),+ $(,)?) => {
        {
            // A `const` item: built, and checked, at compile time.
            const TEXT: $crate::i18n::Text = $crate::i18n::Text::complete(
                $languages,
                &[$(($crate::i18n::Lang::new(::core::stringify!($lang)), $s)),+],
            );
            TEXT
        }
    };
}

/// A [`Plural`] in exactly the languages of `$languages`, each with its rule's number of forms,
/// checked at compile time: `plural!(LANGUAGES => en: ["{n} day", "{n} days"], ru: [...])`.
#[macro_export]
macro_rules! plural {
    ($languages:expr => $($lang:ident : [$($form:expr),+ $(,)?]),+ $(,)?) => {
        {
            const PLURAL: $crate::i18n::Plural = $crate::i18n::Plural::complete(
                $languages,
                &[$((
                    $crate::i18n::Lang::new(::core::stringify!($lang)),
                    &[$($form),+] as &'static [&'static str],
                )),+],
            );
            PLURAL
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A bot's catalogue, declared outside the framework's code as any bot's is: three
    /// languages, one of them (German) the framework has never heard of.
    mod test_bot {
        use super::super::{plural_rules, Catalogue, Locale, Plural, Text};

        pub const LANGUAGES: &[Locale] = &[
            Locale::ENGLISH,
            Locale::new("de", "Deutsch", plural_rules::ONE_OTHER),
            Locale::new("pl", "Polski", plural_rules::POLISH),
        ];
        pub const HELLO: Text = crate::text!(LANGUAGES => en: "Hello, {name}", de: "Hallo, {name}", pl: "Cześć, {name}");
        pub const FILES: Plural = crate::plural!(LANGUAGES =>
            en: ["{n} file", "{n} files"],
            de: ["{n} Datei", "{n} Dateien"],
            pl: ["{n} plik", "{n} pliki", "{n} plików"],
        );
        /// A framework text (English only), and the bot's translation of it.
        pub const FRAMEWORK: Text = Text::new(&[(super::EN, "Too fast.")]);
        pub const CATALOGUE: Catalogue = Catalogue::new(
            LANGUAGES,
            &[crate::text!(LANGUAGES => en: "Too fast.", de: "Zu schnell.", pl: "Za szybko.")],
        );
    }

    #[test]
    fn language_codes_keep_the_primary_subtag() {
        let code = |c| Lang::from_code(Some(c)).code().to_owned();
        assert_eq!(code("ru"), "ru");
        assert_eq!(code("ru-RU"), "ru");
        assert_eq!(code("en-GB"), "en");
        assert_eq!(code("uk_UA"), "uk");
        assert_eq!(code("PT-br"), "pt");
        assert_eq!(Lang::from_code(None), EN);
        for malformed in ["", "x", "r1", "toolongcode", "ру"] {
            assert_eq!(Lang::from_code(Some(malformed)), EN, "{malformed}");
        }
    }

    #[test]
    fn stored_languages_read_back_as_written() {
        let ru: Lang = serde_json::from_str("\"ru\"").expect("ru");
        assert_eq!(ru, Lang::new("ru"));
        assert_eq!(serde_json::to_string(&ru).expect("json"), "\"ru\"");
        let en: Lang = serde_json::from_str("\"en\"").expect("en");
        assert_eq!(en, EN);
        assert!(serde_json::from_str::<Lang>("5").is_err());
    }

    #[test]
    fn a_bot_declares_a_language_the_framework_does_not_know() {
        use test_bot::*;
        let de = Lang::new("de");
        assert_eq!(HELLO.get(de), "Hallo, {name}");
        assert_eq!(HELLO.get(Lang::new("pl")), "Cześć, {name}");
        // Languages the bot does not speak are answered in English, never in a neighbour's.
        for other in ["ru", "uk", "be", "kk", "fr"] {
            assert_eq!(HELLO.get(Lang::new(other)), "Hello, {name}", "{other}");
            assert_eq!(CATALOGUE.resolve(Lang::new(other)), EN, "{other}");
        }
        assert_eq!(CATALOGUE.find("de"), Some(de));
        assert_eq!(CATALOGUE.find("ru"), None);
        let names: Vec<_> = CATALOGUE.languages().iter().map(|l| l.name).collect();
        assert_eq!(names, ["English", "Deutsch", "Polski"]);
    }

    #[test]
    fn a_bot_translates_the_framework_texts() {
        use test_bot::*;
        assert_eq!(CATALOGUE.get(&FRAMEWORK, Lang::new("de")), "Zu schnell.");
        assert_eq!(CATALOGUE.get(&FRAMEWORK, Lang::new("uk")), "Too fast.");
        assert_eq!(CATALOGUE.untranslated(&FRAMEWORK), Vec::<Lang>::new());
        // A framework text the bot has not translated (or whose English changed since).
        let changed = Text::new(leak(vec![(EN, "Too fast!")]));
        assert_eq!(
            CATALOGUE.untranslated(&changed),
            [Lang::new("de"), Lang::new("pl")]
        );
        assert_eq!(
            Catalogue::ENGLISH.get(&FRAMEWORK, Lang::new("de")),
            "Too fast."
        );
    }

    fn leak<T>(items: Vec<T>) -> &'static [T] {
        items.leak()
    }

    #[test]
    fn a_text_without_a_language_its_bot_speaks_is_refused() {
        use test_bot::LANGUAGES;
        // In a `const` (as `text!` builds them) these are compile errors; here, panics.
        let de = Lang::new("de");
        let missing = std::panic::catch_unwind(|| {
            Text::complete(LANGUAGES, leak(vec![(EN, "Hello"), (de, "Hallo")]))
        });
        assert!(missing.is_err(), "Polish is missing");
        let extra = std::panic::catch_unwind(|| {
            Text::complete(&LANGUAGES[..1], leak(vec![(EN, "Hello"), (de, "Hallo")]))
        });
        assert!(extra.is_err(), "German is not declared");
        let forms = std::panic::catch_unwind(|| {
            Plural::complete(
                LANGUAGES,
                leak(vec![
                    (EN, &["a", "b"][..]),
                    (de, &["a", "b"][..]),
                    (Lang::new("pl"), &["a", "b"][..]),
                ]),
            )
        });
        assert!(forms.is_err(), "Polish has three forms");
        let no_english = std::panic::catch_unwind(|| Text::new(leak(vec![(de, "Hallo")])));
        assert!(no_english.is_err(), "every text has English");
    }

    #[test]
    fn plurals_follow_each_language() {
        use test_bot::FILES;
        let en: Vec<_> = [0, 1, 2, 11].map(|n| FILES.get(EN, n)).into();
        assert_eq!(en, ["{n} files", "{n} file", "{n} files", "{n} files"]);
        let pl: Vec<_> = [1, 2, 5, 12, 22, 101]
            .map(|n| FILES.get(Lang::new("pl"), n))
            .into();
        assert_eq!(
            pl,
            [
                "{n} plik",
                "{n} pliki",
                "{n} plików",
                "{n} plików",
                "{n} pliki",
                "{n} plików"
            ]
        );
        // A language the bot does not speak: English forms, by the English rule.
        assert_eq!(FILES.get(Lang::new("ru"), 2), "{n} files");
    }

    #[test]
    fn plural_rule_families() {
        let forms = |rule: PluralRule, ns: &[u64]| -> Vec<usize> {
            ns.iter().map(|n| (rule.form)(*n)).collect()
        };
        let ns = [0, 1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 111, 114];
        assert_eq!(
            forms(plural_rules::EAST_SLAVIC, &ns),
            [2, 0, 1, 1, 2, 2, 2, 0, 1, 2, 0, 2, 2]
        );
        assert_eq!(
            forms(plural_rules::POLISH, &ns),
            [2, 0, 1, 1, 2, 2, 2, 2, 1, 2, 2, 2, 2]
        );
        assert_eq!(forms(plural_rules::CZECH, &[1, 3, 5, 22]), [0, 1, 2, 2]);
        assert_eq!(forms(plural_rules::ONE_WITH_ZERO, &[0, 1, 2]), [0, 0, 1]);
        assert_eq!(forms(plural_rules::ONE_OTHER, &[0, 1, 2]), [1, 0, 1]);
        assert_eq!(forms(plural_rules::NONE, &[0, 1, 2]), [0, 0, 0]);
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
