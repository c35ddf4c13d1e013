//! CloudFormation YAML: yaml-rust2 drops tags it does not know, so `!Ref X` would read as the
//! plain string `X`. This loader keeps them, in CloudFormation's long form, and reads
//! `template.yaml` for the tests that check it.

use std::collections::HashMap;

use serde_json::{json, Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

/// Parses the first document of `text`.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut loader = Loader::default();
    Parser::new_from_str(text)
        .load(&mut loader, false)
        .map_err(|e| e.to_string())?;
    match (loader.error, loader.document) {
        (Some(error), _) => Err(error),
        (None, Some(document)) => Ok(document),
        (None, None) => Err("empty document".into()),
    }
}

enum Node {
    Sequence(Vec<Value>),
    Mapping(Map<String, Value>, Option<String>),
}

struct Open {
    node: Node,
    tag: Option<Tag>,
    anchor: usize,
}

#[derive(Default)]
struct Loader {
    open: Vec<Open>,
    anchors: HashMap<usize, Value>,
    document: Option<Value>,
    error: Option<String>,
}

impl MarkedEventReceiver for Loader {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(text, style, tag.as_ref());
                self.complete(value, tag, anchor, mark);
            }
            Event::SequenceStart(anchor, tag) => self.open.push(Open {
                node: Node::Sequence(Vec::new()),
                tag,
                anchor,
            }),
            Event::MappingStart(anchor, tag) => self.open.push(Open {
                node: Node::Mapping(Map::new(), None),
                tag,
                anchor,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Open { node, tag, anchor }) = self.open.pop() {
                    let value = match node {
                        Node::Sequence(items) => Value::Array(items),
                        Node::Mapping(map, _) => Value::Object(map),
                    };
                    self.complete(value, tag, anchor, mark);
                }
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor).cloned() {
                Some(value) => self.insert(value, mark),
                None => self.fail(format!("unknown alias at line {}", mark.line())),
            },
            _ => {}
        }
    }
}

impl Loader {
    fn complete(&mut self, value: Value, tag: Option<Tag>, anchor: usize, mark: Marker) {
        let value = match tag {
            Some(tag) if tag.handle == "!" => intrinsic(&tag.suffix, value),
            _ => value,
        };
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        self.insert(value, mark);
    }

    fn insert(&mut self, value: Value, mark: Marker) {
        let duplicate = match self.open.last_mut().map(|o| &mut o.node) {
            None => {
                self.document.get_or_insert(value);
                None
            }
            Some(Node::Sequence(items)) => {
                items.push(value);
                None
            }
            Some(Node::Mapping(map, key)) => match key.take() {
                None => {
                    *key = Some(match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    });
                    None
                }
                Some(key) => map.insert(key.clone(), value).map(|_| key),
            },
        };
        if let Some(key) = duplicate {
            self.fail(format!("duplicate key `{key}` at line {}", mark.line()));
        }
    }

    fn fail(&mut self, error: String) {
        self.error.get_or_insert(error);
    }
}

fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    match tag {
        Some(t) if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" => Value::String(text),
        _ if style == TScalarStyle::Plain => plain(text),
        _ => Value::String(text),
    }
}

/// A plain scalar resolved as YAML 1.2's core schema does (null, bool, int, float, string).
fn plain(text: String) -> Value {
    match Yaml::from_str(&text) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(r) => r
            .parse()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::String(text), Value::Number),
        _ => Value::String(text),
    }
}

/// `!Ref x` → `{"Ref": x}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Name x` →
/// `{"Fn::Name": x}`.
fn intrinsic(name: &str, value: Value) -> Value {
    match (name, value) {
        ("Ref" | "Condition", value) => json!({ name: value }),
        ("GetAtt", Value::String(path)) => match path.split_once('.') {
            Some((resource, attribute)) => json!({ "Fn::GetAtt": [resource, attribute] }),
            None => json!({ "Fn::GetAtt": path }),
        },
        (name, value) => json!({ format!("Fn::{name}"): value }),
    }
}

/// `template.yaml` of this workspace, parsed (once).
pub fn template() -> &'static Value {
    static TEMPLATE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| load("template.yaml"))
}

/// `bots/bridge/template.yaml` (the bridge's own stack), parsed likewise.
pub fn bridge_template() -> &'static Value {
    static TEMPLATE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| load("bots/bridge/template.yaml"))
}

/// `infra/observability.yaml` (the dashboard, the alarms and their topic), parsed likewise.
pub fn observability_template() -> &'static Value {
    static TEMPLATE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| load("infra/observability.yaml"))
}

/// `infra/state.yaml` (the state table), parsed likewise.
pub fn state_template() -> &'static Value {
    static TEMPLATE: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| load("infra/state.yaml"))
}

fn load(relative: &str) -> Value {
    let path = crate::paths::workspace().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse(&text).unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_tags_become_long_forms() {
        let doc = parse(
            "a: !Ref X\nb: !GetAtt T.Arn\nc: !Sub 'x-${AWS::Region}'\nd: !Join [',', [1, two]]\n\
             e: 30\nf: true\ng: '30'\nh: !Select [0, !GetAZs '']\n",
        );
        assert_eq!(
            doc,
            Ok(json!({
                "a": { "Ref": "X" },
                "b": { "Fn::GetAtt": ["T", "Arn"] },
                "c": { "Fn::Sub": "x-${AWS::Region}" },
                "d": { "Fn::Join": [",", [1, "two"]] },
                "e": 30,
                "f": true,
                "g": "30",
                "h": { "Fn::Select": [0, { "Fn::GetAZs": "" }] },
            }))
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert!(parse("a: 1\na: 2\n").is_err_and(|e| e.contains("duplicate key `a`")));
    }
}
