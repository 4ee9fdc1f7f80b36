//! What a practice is, as written: the serde model of a practice document. It is the same in YAML
//! files and in the JSON that travels to and from the sync server.
//!
//! This is data only. Checking that it makes sense (languages exist, rules compile, examples
//! pass) is [`crate::practice`]'s job, which reports each mistake with its position.
//!
//! The JSON Schema that editors use to complete and check practice files is derived from these
//! types ([`crate::schema`]): their doc comments are the descriptions editors show.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// How serious a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    #[default]
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Error, Severity::Warning, Severity::Info, Severity::Hint];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == s)
            .ok_or_else(|| format!("unknown severity `{s}`, expected one of error, warning, info, hint"))
    }
}

/// A team's coding practice: why it matters, the rule that finds its violations, and examples
/// that prove the rule right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "Praxis practice")]
pub struct PracticeDoc {
    /// A unique id in kebab-case, such as `no-console-log`; suppressions and configs name it.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"))]
    pub id: String,
    /// A short title, shown with every finding.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Why it matters and what to do instead (Markdown), shown on hover.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// How serious a finding is; a project's `.praxis/config.toml` can override it.
    #[serde(default)]
    pub severity: Severity,
    /// The languages the rule applies to, by name or alias (`praxis languages` lists them).
    #[schemars(schema_with = "crate::schema::language_list")]
    pub languages: Vec<String>,
    /// The finding's message; `$NAME` inserts what a metavariable matched. Defaults to the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What to find: ast-grep's rule object (see docs/rules.md).
    pub rule: RuleConfig,
    /// Named rules that `matches` refers to.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub utils: BTreeMap<String, RuleConfig>,
    /// Rules that what a metavariable matched must also match, by metavariable name (`ARG`
    /// for `$ARG`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub constraints: BTreeMap<String, RuleConfig>,
    /// Replacement code for the matched node; `$NAME` and `$$$NAME` insert what metavariables
    /// matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Globs (relative to the project root) of the only files checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Globs of files never checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignores: Vec<String>,
    /// A page about the practice, linked from every finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub url: Option<String>,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Code the rule must flag and code it must not: `praxis test` runs them.
    #[serde(default, skip_serializing_if = "Examples::is_empty")]
    pub examples: Examples,
    /// Whether `praxis agents write` gives the practice to AI coding agents (default: yes).
    #[serde(default = "yes", skip_serializing_if = "is_yes", deserialize_with = "lenient_bool")]
    pub agents: bool,
}

fn yes() -> bool {
    true
}

fn is_yes(flag: &bool) -> bool {
    *flag
}

/// Code that must be flagged (`bad`) and code that must not (`good`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Code the rule must flag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad: Vec<Example>,
    /// Code the rule must not flag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub good: Vec<Example>,
}

impl Examples {
    pub fn is_empty(&self) -> bool {
        self.bad.is_empty() && self.good.is_empty()
    }
}

/// One example: a snippet of code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The code.
    pub code: String,
    /// Its language, when the practice has more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::language_name")]
    pub language: Option<String>,
}

/// A rule as written: ast-grep's rule object. Every key present must hold (an implicit `all`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "Rule")]
pub struct RuleConfig {
    /// Matches code that looks like this, with `$NAME` (one node), `$$$NAME` (any number)
    /// and `$_` metavariables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<PatternConfig>,
    /// Matches nodes of this tree-sitter kind, such as `call_expression`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Matches nodes whose text this (Rust) regular expression finds a match in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Matches the `@match` capture (or the whole match) of this tree-sitter query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Matches nodes with an ancestor that matches this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inside: Option<Box<RuleConfig>>,
    /// Matches nodes with a descendant that matches this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has: Option<Box<RuleConfig>>,
    /// Matches nodes with an earlier sibling that matches this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<Box<RuleConfig>>,
    /// Matches nodes with a later sibling that matches this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedes: Option<Box<RuleConfig>>,
    /// Matches nodes that match every rule in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<RuleConfig>>,
    /// Matches nodes that match at least one rule in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<RuleConfig>>,
    /// Matches nodes that do not match this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<RuleConfig>>,
    /// Matches nodes that match the util of this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// Matches nodes at this position among their named siblings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth_child: Option<NthChildConfig>,
    /// Only in relational rules: how far the search goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_by: Option<StopByConfig>,
    /// Only in relational rules: the field the related node must sit in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `pattern: code` or `pattern: {context, selector}`.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternConfig {
    Code(String),
    Contextual { context: String, selector: String },
}

impl PatternConfig {
    pub fn code(&self) -> &str {
        match self {
            PatternConfig::Code(code) => code,
            PatternConfig::Contextual { context, .. } => context,
        }
    }
}

impl Serialize for PatternConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PatternConfig::Code(code) => serializer.serialize_str(code),
            PatternConfig::Contextual { context, selector } => {
                serde_json::json!({"context": context, "selector": selector}).serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for PatternConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Contextual {
            context: String,
            selector: String,
        }
        match Value::deserialize(deserializer)? {
            Value::String(code) => Ok(PatternConfig::Code(code)),
            value @ Value::Object(_) => {
                let Contextual { context, selector } = serde_json::from_value(value).map_err(D::Error::custom)?;
                Ok(PatternConfig::Contextual { context, selector })
            }
            other => {
                Err(D::Error::custom(format!("a pattern is code or {{context, selector}}, not {}", describe(&other))))
            }
        }
    }
}

/// `stopBy: neighbor | end | <rule>`.
#[derive(Debug, Clone, PartialEq)]
pub enum StopByConfig {
    Neighbor,
    End,
    Rule(Box<RuleConfig>),
}

impl Serialize for StopByConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StopByConfig::Neighbor => serializer.serialize_str("neighbor"),
            StopByConfig::End => serializer.serialize_str("end"),
            StopByConfig::Rule(rule) => rule.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for StopByConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(word) if word == "neighbor" => Ok(StopByConfig::Neighbor),
            Value::String(word) if word == "end" => Ok(StopByConfig::End),
            Value::String(word) => {
                Err(D::Error::custom(format!("unknown stopBy `{word}`, expected neighbor, end or a rule")))
            }
            value @ Value::Object(_) => {
                serde_json::from_value(value).map(|rule| StopByConfig::Rule(Box::new(rule))).map_err(D::Error::custom)
            }
            other => Err(D::Error::custom(format!("stopBy is neighbor, end or a rule, not {}", describe(&other)))),
        }
    }
}

/// `nthChild: 3`, `nthChild: 2n+1`, or `nthChild: {position, reverse, ofRule}`.
#[derive(Debug, Clone, PartialEq)]
pub struct NthChildConfig {
    pub position: NthPosition,
    pub reverse: bool,
    pub of_rule: Option<Box<RuleConfig>>,
}

/// A 1-based position, or an `An+B` formula: the positions `A*n + B` for n = 0, 1, 2, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NthPosition {
    pub step: i64,
    pub offset: i64,
}

impl NthPosition {
    /// Whether the 1-based `position` is one this formula names.
    pub fn contains(self, position: i64) -> bool {
        let delta = position - self.offset;
        if self.step == 0 {
            return delta == 0;
        }
        delta % self.step == 0 && delta / self.step >= 0
    }
}

impl FromStr for NthPosition {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        let bad = || format!("`{text}` is not a position: use a number like 3 or a formula like 2n+1");
        match compact.as_str() {
            "odd" => return Ok(NthPosition { step: 2, offset: 1 }),
            "even" => return Ok(NthPosition { step: 2, offset: 0 }),
            _ => {}
        }
        let Some((step, offset)) = compact.split_once('n') else {
            let offset: i64 = compact.parse().map_err(|_| bad())?;
            return if offset >= 1 { Ok(NthPosition { step: 0, offset }) } else { Err(bad()) };
        };
        let step = match step {
            "" | "+" => 1,
            "-" => -1,
            digits => digits.parse().map_err(|_| bad())?,
        };
        let offset = match offset {
            "" => 0,
            signed if signed.starts_with(['+', '-']) => signed.trim_start_matches('+').parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        Ok(NthPosition { step, offset })
    }
}

impl fmt::Display for NthPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.step, self.offset) {
            (0, offset) => write!(f, "{offset}"),
            (step, 0) => write!(f, "{step}n"),
            (step, offset) => write!(f, "{step}n{offset:+}"),
        }
    }
}

impl Serialize for NthPosition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.step == 0 { serializer.serialize_i64(self.offset) } else { serializer.collect_str(self) }
    }
}

impl<'de> Deserialize<'de> for NthPosition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => text.parse().map_err(D::Error::custom),
            Value::Number(number) => number.to_string().parse().map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("a position is a number or a formula, not {}", describe(&other)))),
        }
    }
}

impl Serialize for NthChildConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        NthChildRepr::from(self.clone()).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for NthChildConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            value @ Value::Object(_) => {
                let full: NthChildFull = serde_json::from_value(value).map_err(D::Error::custom)?;
                Ok(full.into())
            }
            value => {
                let position = NthPosition::deserialize(value).map_err(D::Error::custom)?;
                Ok(NthChildConfig { position, reverse: false, of_rule: None })
            }
        }
    }
}

/// The serialised forms of [`NthChildConfig`]: a bare position when that is all there is.
#[derive(Serialize)]
#[serde(untagged)]
enum NthChildRepr {
    Short(NthPosition),
    Full(NthChildFull),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NthChildFull {
    position: NthPosition,
    #[serde(default, skip_serializing_if = "std::ops::Not::not", deserialize_with = "lenient_bool")]
    reverse: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    of_rule: Option<Box<RuleConfig>>,
}

impl From<NthChildConfig> for NthChildRepr {
    fn from(config: NthChildConfig) -> Self {
        if !config.reverse && config.of_rule.is_none() {
            NthChildRepr::Short(config.position)
        } else {
            NthChildRepr::Full(NthChildFull {
                position: config.position,
                reverse: config.reverse,
                of_rule: config.of_rule,
            })
        }
    }
}

impl From<NthChildFull> for NthChildConfig {
    fn from(full: NthChildFull) -> Self {
        NthChildConfig { position: full.position, reverse: full.reverse, of_rule: full.of_rule }
    }
}

/// Accepts `true`/`false` as booleans or as the strings YAML's plain scalars read as.
fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Bool(flag) => Ok(flag),
        Value::String(text) if text == "true" => Ok(true),
        Value::String(text) if text == "false" => Ok(false),
        other => Err(D::Error::custom(format!("expected true or false, not {}", describe(&other)))),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(flag) => format!("`{flag}`"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) => format!("`{text}`"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_positions() {
        let parse = |text: &str| text.parse::<NthPosition>().unwrap();
        assert!(parse("3").contains(3) && !parse("3").contains(4));
        let odd = parse("2n+1");
        assert!(odd.contains(1) && odd.contains(5) && !odd.contains(4));
        let first_three = parse("-n+3");
        assert!(first_three.contains(1) && first_three.contains(3) && !first_three.contains(4));
        assert!(parse("even").contains(2) && !parse("even").contains(3));
        assert!(parse("n").contains(1));
        assert!("0".parse::<NthPosition>().is_err());
        assert!("2x".parse::<NthPosition>().is_err());
        assert_eq!(parse("2n-1").to_string(), "2n-1");
    }

    #[test]
    fn rule_round_trips_through_json() {
        let rule: RuleConfig = serde_json::from_value(serde_json::json!({
            "pattern": {"context": "class A { $F }", "selector": "field_definition"},
            "inside": {"kind": "class_body", "stopBy": "end"},
            "nthChild": {"position": "2n", "reverse": "true"},
            "has": {"kind": "identifier", "stopBy": {"kind": "block"}, "field": "name"}
        }))
        .unwrap();
        assert_eq!(rule.inside.as_ref().unwrap().stop_by, Some(StopByConfig::End));
        assert!(rule.nth_child.as_ref().unwrap().reverse);
        let back: RuleConfig = serde_json::from_value(serde_json::to_value(&rule).unwrap()).unwrap();
        assert_eq!(back, rule);
    }
}
