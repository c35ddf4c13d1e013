//! Reading a full `teloxide_core::types::Update` from its JSON at a fraction of the cost of
//! `serde_json::from_str::<Update>`, with the same result.
//!
//! teloxide's `Message` is a tree of flattened, untagged enums: for a text message serde tries a
//! dozen media kinds before it reaches `Text`, and every failed try builds an error of the
//! deserializer's type. serde_json's errors are costly to build (the reason formatted into a
//! `String`, then searched for a position), so that parse spent most of its time (measured with
//! callgrind on `tests/examples/hot_path.rs`) on errors nobody reads. Here serde_json reads the
//! JSON once into a [`Node`] tree (strings borrowed from the text where they have no escapes,
//! objects as vectors in their order), and the update is deserialised from that tree through
//! [`NodeDeserializer`], whose error, [`Unfit`], costs nothing to build. Only when that fails
//! is the text read again by serde_json, for the error it reports (where the update stopped
//! parsing): an update this accepts is one serde_json accepts, and a refusal is serde_json's.

use std::borrow::Cow;

use serde::de::value::{BorrowedStrDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use serde::Deserialize;
use teloxide_core::types::Update;

/// The update in `json`, or serde_json's error for it.
pub fn parse_update(json: &str) -> Result<Update, serde_json::Error> {
    let tree: Node<'_> = serde_json::from_str(json)?;
    match Update::deserialize(NodeDeserializer(&tree)) {
        Ok(update) => Ok(update),
        // The slow path, for the error's detail (and, should the two readers ever disagree,
        // serde_json's answer wins).
        Err(Unfit) => serde_json::from_str(json),
    }
}

/// A deserialisation failure without its reason: free to build, so the untagged enums' failed
/// tries cost nothing. [`parse_update`] asks serde_json for the reason when one is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unfit;

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the value does not fit the type")
    }
}

impl std::error::Error for Unfit {}

impl de::Error for Unfit {
    // Every other constructor (missing field, invalid type, unknown variant ...) calls this one
    // with `format_args!`, which formats nothing unless displayed.
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unfit
    }
}

/// One JSON value as serde_json read it: numbers as the variant serde_json visits them with,
/// strings borrowed from the text unless they had escapes, objects in their order (a repeated
/// key stays repeated, so a type that refuses duplicates refuses them here too).
#[derive(Debug, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node<'de>, E> {
        Ok(Node::U64(n))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node<'de>, E> {
        Ok(Node::I64(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Node<'de>, E> {
        Ok(Node::F64(n))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(Key(name)) = map.next_key()? {
            fields.push((name, map.next_value()?));
        }
        Ok(Node::Map(fields))
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// An object's key, borrowed when it can be (`Cow<str>`'s own `Deserialize` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_str(NodeVisitor)? {
            Node::Str(name) => Ok(Key(name)),
            _ => Err(de::Error::custom("an object key that is not a string")),
        }
    }
}

/// A [`Node`] as a deserializer, with the answers serde_json's own deserializer gives for the
/// text it came from, but the [`Unfit`] error.
#[derive(Clone, Copy, Debug)]
pub struct NodeDeserializer<'de>(pub &'de Node<'de>);

impl<'de> IntoDeserializer<'de, Unfit> for NodeDeserializer<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn key<'de>(name: &'de str) -> BorrowedStrDeserializer<'de, Unfit> {
    BorrowedStrDeserializer::new(name)
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Unfit;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        match self.0 {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::U64(n) => visitor.visit_u64(*n),
            Node::I64(n) => visitor.visit_i64(*n),
            Node::F64(n) => visitor.visit_f64(*n),
            Node::Str(s) => visitor.visit_borrowed_str(s),
            Node::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.iter().map(NodeDeserializer));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Node::Map(fields) => {
                let mut map = MapDeserializer::new(
                    fields
                        .iter()
                        .map(|(name, value)| (key(name), NodeDeserializer(value))),
                );
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        match self.0 {
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        visitor.visit_newtype_struct(self)
    }

    /// Externally tagged, as serde_json reads enums: `"Variant"` or `{"Variant": value}`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        match self.0 {
            Node::Str(name) => visitor.visit_enum(key(name)),
            Node::Map(fields) => match fields.as_slice() {
                [(name, value)] => visitor.visit_enum(Tagged { name, value }),
                _ => Err(Unfit),
            },
            _ => Err(Unfit),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// `{"Variant": value}`.
struct Tagged<'de> {
    name: &'de str,
    value: &'de Node<'de>,
}

impl<'de> EnumAccess<'de> for Tagged<'de> {
    type Error = Unfit;
    type Variant = NodeDeserializer<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, NodeDeserializer<'de>), Unfit> {
        let variant = seed.deserialize(key(self.name))?;
        Ok((variant, NodeDeserializer(self.value)))
    }
}

impl<'de> VariantAccess<'de> for NodeDeserializer<'de> {
    type Error = Unfit;

    fn unit_variant(self) -> Result<(), Unfit> {
        match self.0 {
            Node::Null => Ok(()),
            _ => Err(Unfit),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Unfit> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Unfit> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(json: &str) -> (Result<Update, String>, Result<Update, String>) {
        (
            parse_update(json).map_err(|e| e.to_string()),
            serde_json::from_str::<Update>(json).map_err(|e| e.to_string()),
        )
    }

    fn same(update: serde_json::Value) {
        let text = update.to_string();
        let (ours, theirs) = both(&text);
        let ours = ours.unwrap_or_else(|e| panic!("{e}: {text}"));
        let theirs = theirs.unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{text}");
    }

    fn chat() -> serde_json::Value {
        json!({"id": -1001, "type": "supergroup", "title": "Lounge", "username": "lounge"})
    }

    fn user() -> serde_json::Value {
        json!({"id": 7, "is_bot": false, "first_name": "Carol", "language_code": "en"})
    }

    #[test]
    fn reads_every_kind_of_update_as_serde_json_does() {
        let message = json!({"message_id": 5, "date": 1_790_000_000, "chat": chat(), "from": user(),
            "text": "/protect@GuardBot @news", "entities": [{"type": "bot_command", "offset": 0, "length": 17}]});
        same(json!({"update_id": 1, "message": message}));
        same(
            json!({"update_id": 2, "edited_message": {"message_id": 5, "date": 1_790_000_000,
            "edit_date": 1_790_000_100, "chat": chat(), "from": user(), "text": "edited"}}),
        );
        same(
            json!({"update_id": 3, "message": {"message_id": 6, "date": 1_790_000_000,
            "chat": chat(), "from": user(), "new_chat_members": [user()]}}),
        );
        same(
            json!({"update_id": 4, "message": {"message_id": 7, "date": 1_790_000_000,
            "chat": chat(), "from": user(), "photo": [{"file_id": "a", "file_unique_id": "b",
            "width": 90, "height": 90, "file_size": 1024}], "caption": "look"}}),
        );
        same(
            json!({"update_id": 5, "callback_query": {"id": "99", "from": user(),
            "chat_instance": "-5", "data": "verify:-1001", "message": {"message_id": 8,
            "date": 1_790_000_000, "chat": chat(), "text": "press",
            "reply_markup": {"inline_keyboard": [[{"text": "ok", "callback_data": "verify:-1001"}]]}}}}),
        );
        same(
            json!({"update_id": 6, "chat_member": {"chat": chat(), "from": user(),
            "date": 1_790_000_000, "old_chat_member": {"status": "left", "user": user()},
            "new_chat_member": {"status": "restricted", "user": user(), "is_member": true,
            "until_date": 0, "can_send_messages": false, "can_send_audios": false,
            "can_send_documents": false, "can_send_photos": false, "can_send_videos": false,
            "can_send_video_notes": false, "can_send_voice_notes": false, "can_send_polls": false,
            "can_send_other_messages": false, "can_add_web_page_previews": false,
            "can_change_info": false, "can_invite_users": false, "can_pin_messages": false,
            "can_manage_topics": false}}}),
        );
        same(
            json!({"update_id": 7, "my_chat_member": {"chat": chat(), "from": user(),
            "date": 1_790_000_000, "old_chat_member": {"status": "member", "user": user()},
            "new_chat_member": {"status": "administrator", "user": user(), "can_be_edited": false,
            "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
            "can_manage_video_chats": false, "can_restrict_members": true,
            "can_promote_members": false, "can_change_info": false, "can_invite_users": true,
            "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false}}}),
        );
        same(
            json!({"update_id": 8, "chat_join_request": {"chat": chat(), "from": user(),
            "user_chat_id": 7, "date": 1_790_000_000, "bio": "hi"}}),
        );
        same(
            json!({"update_id": 9, "message": {"message_id": 9, "date": 1_790_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "Carol"}, "from": user(),
            "text": "hello", "reply_to_message": {"message_id": 4, "date": 1_790_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "Carol"}, "text": "earlier"}}}),
        );
        same(
            json!({"update_id": 10, "message": {"message_id": 10, "date": 1_790_000_000,
            "chat": chat(), "migrate_to_chat_id": -1002}}),
        );
        // A kind teloxide does not know, or a known kind it cannot read, is an `Error` update
        // holding the JSON, for both.
        same(json!({"update_id": 11, "something_new": {"x": [1, 2.5, -3, null, true]}}));
        same(json!({"update_id": 12, "message": {"message_id": 1, "date": 1, "chat": 5}}));
    }

    #[test]
    fn reads_the_sample_events_as_serde_json_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
        let mut files = vec![];
        let mut dirs = vec![dir.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("events/") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    files.push(path);
                }
            }
        }
        let mut read = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).expect("readable");
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            // An API Gateway event carries the update as its body; a route's payload as `update`.
            let body = match (&event["body"], &event["update"]) {
                (serde_json::Value::String(body), _) => body.clone(),
                (_, update @ serde_json::Value::Object(_)) => update.to_string(),
                _ => continue,
            };
            if serde_json::from_str::<Update>(&body).is_ok() {
                same(serde_json::from_str(&body).expect("json"));
                read += 1;
            }
        }
        assert!(read >= 5, "only {read} sample updates in {}", dir.display());
    }

    #[test]
    fn a_refusal_is_serde_jsons_error() {
        for json in [
            r#"{"update_id": "one", "message": {}}"#,
            r#"{"message": {"message_id": 1}}"#,
        ] {
            let (ours, theirs) = both(json);
            let theirs = theirs.expect_err("serde_json refuses it");
            assert_eq!(ours.expect_err("refused"), theirs, "{json}");
        }
        let err = parse_update("{not json").expect_err("refused");
        assert!(err.is_syntax(), "{err}");
    }
}
