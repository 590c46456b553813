//! Detection knowledge as data: what the taint engine knows about libraries.
//!
//! Built-in models live in `queries/<lang>/models/*.toml`, one file per library or framework,
//! embedded at compile time. Users add rows of the same shape under `[[models]]` in
//! `backend-architect.toml` (or `[[tool.backend-architect.models]]` in `pyproject.toml`); the
//! configuration layer hands them down as [`UserRow`]s and [`Models::with_user_rows`] merges
//! them. Every row has exactly one role:
//!
//! | role | keys | meaning |
//! | --- | --- | --- |
//! | `source = "request"` | `callee` | the call's return value is request data |
//! | | `object` | a module-level request object (`flask.request`) |
//! | | `attribute` (+ `objects = true`) | an attribute of a request object carries client data (and may hold objects, not only strings) |
//! | | `method` | a method of a request object returns client data (`req.get("Host")`) |
//! | | `self-attribute` | an attribute of `self` in a class-based view (`self.kwargs`) |
//! | | `decorator` | a parameter decorator injecting request data (NestJS `@Body()`) |
//! | `source = "argv"`, `"input"` | `callee` or `object` | the call's result or the named value is command-line arguments or console input |
//! | `sink = KIND` | `callee`, `argument` (+ `keyword`, `reported-by`) | the argument (position or keyword; every argument when absent) reaches a sink of that kind; `keyword` names a positional argument's keyword; `reported-by = "rule"`: the kind's rule reports it from its own check |
//! | `sanitizes = [KIND…]` | `callee` | the return value is clean for those sink kinds (`"all"`: every kind) |
//! | `propagates = "arguments"` | `callee` | the return value carries the arguments' data |
//! | `propagates = "receiver"` | `method` | the result carries the receiver's data (and the arguments', on a constant receiver) |
//! | `propagates = "string"` | `method` | as `receiver`, and the result is a string (JavaScript: no query operators) |
//! | `neutral = true` | `method` | the result says something about the data but does not carry it |
//! | `safe-type` | (the type names) | a handler parameter annotated with it cannot carry an injection |
//! | `validator` | (the function names) | a condition calling it validates its first argument (guards: `python::collect_guards`, `javascript::collect_guards_when`) |
//!
//! `callee` is a qualified name resolved through the file's imports, like every name the rules
//! see; `prefix.*` matches every function of a module. `callee`, `method`, `attribute` and the
//! like take a string or a list of strings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use ba_syntax::Family;
use serde::Deserialize;

use super::Sink;

/// The built-in model files: (language directory, file name, text).
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "python",
        "flask.toml",
        include_str!("../../../queries/python/models/flask.toml"),
    ),
    (
        "python",
        "django.toml",
        include_str!("../../../queries/python/models/django.toml"),
    ),
    (
        "python",
        "asgi.toml",
        include_str!("../../../queries/python/models/asgi.toml"),
    ),
    (
        "python",
        "other-frameworks.toml",
        include_str!("../../../queries/python/models/other-frameworks.toml"),
    ),
    (
        "python",
        "stdlib.toml",
        include_str!("../../../queries/python/models/stdlib.toml"),
    ),
    (
        "python",
        "escaping.toml",
        include_str!("../../../queries/python/models/escaping.toml"),
    ),
    (
        "python",
        "web-sinks.toml",
        include_str!("../../../queries/python/models/web-sinks.toml"),
    ),
    (
        "python",
        "sql.toml",
        include_str!("../../../queries/python/models/sql.toml"),
    ),
    (
        "python",
        "network.toml",
        include_str!("../../../queries/python/models/network.toml"),
    ),
    (
        "python",
        "websocket.toml",
        include_str!("../../../queries/python/models/websocket.toml"),
    ),
    (
        "python",
        "sinks.toml",
        include_str!("../../../queries/python/models/sinks.toml"),
    ),
    (
        "javascript",
        "express.toml",
        include_str!("../../../queries/javascript/models/express.toml"),
    ),
    (
        "javascript",
        "nestjs.toml",
        include_str!("../../../queries/javascript/models/nestjs.toml"),
    ),
    (
        "javascript",
        "graphql.toml",
        include_str!("../../../queries/javascript/models/graphql.toml"),
    ),
    (
        "javascript",
        "websocket.toml",
        include_str!("../../../queries/javascript/models/websocket.toml"),
    ),
    (
        "javascript",
        "node.toml",
        include_str!("../../../queries/javascript/models/node.toml"),
    ),
    (
        "javascript",
        "ecmascript.toml",
        include_str!("../../../queries/javascript/models/ecmascript.toml"),
    ),
    (
        "javascript",
        "http-clients.toml",
        include_str!("../../../queries/javascript/models/http-clients.toml"),
    ),
    (
        "javascript",
        "templates.toml",
        include_str!("../../../queries/javascript/models/templates.toml"),
    ),
    (
        "javascript",
        "validator.toml",
        include_str!("../../../queries/javascript/models/validator.toml"),
    ),
    (
        "javascript",
        "sinks.toml",
        include_str!("../../../queries/javascript/models/sinks.toml"),
    ),
];

/// The sink kinds, by the names model rows and `models --kinds` use, with what each is (the
/// rule that reports a kind is the rules' business: `ba_rules::security::model_sinks`).
pub const KINDS: &[(&str, Sink, &str)] = &[
    ("sql", Sink::Sql, "SQL text"),
    ("shell", Sink::Shell, "a shell command line or argv"),
    ("code", Sink::Code, "code evaluated by the interpreter"),
    ("template", Sink::Template, "template source"),
    ("ldap", Sink::Ldap, "an LDAP filter"),
    ("xpath", Sink::Xpath, "an XPath expression"),
    ("log", Sink::Log, "a log message"),
    ("nosql", Sink::NoSql, "a document-database query filter"),
    (
        "deserialization",
        Sink::Deserialize,
        "data deserialised into objects",
    ),
    ("xml", Sink::Xml, "an XML document parsed with entities"),
    ("ssrf", Sink::Url, "a URL the server fetches"),
    ("path", Sink::Path, "a file system path"),
    ("redirect", Sink::Redirect, "a redirect target"),
    ("html", Sink::Html, "HTML sent to a browser"),
    (
        "mass-assignment",
        Sink::MassAssign,
        "fields or keyword arguments of a model",
    ),
    (
        "session",
        Sink::Session,
        "a value stored in the server-side session",
    ),
];

impl Sink {
    /// The kind's name in model rows (`sql`, `path`, `ssrf`…).
    pub fn kind_name(self) -> &'static str {
        KINDS
            .iter()
            .find(|(_, s, _)| *s == self)
            .map(|(n, _, _)| *n)
            .unwrap_or("?")
    }

    pub fn from_kind_name(name: &str) -> Option<Sink> {
        KINDS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, s, _)| *s)
    }
}

/// A string or a list of strings in a row.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    pub fn list(&self) -> Vec<String> {
        match self {
            Names::One(s) => vec![s.clone()],
            Names::Many(v) => v.clone(),
        }
    }
}

/// An argument of a sink: its position (from 0) or keyword.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(untagged)]
pub enum Argument {
    Position(usize),
    Keyword(String),
}

impl fmt::Display for Argument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Argument::Position(i) => write!(f, "{i}"),
            Argument::Keyword(k) => write!(f, "{k}"),
        }
    }
}

/// A model row as written in TOML.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRow {
    // Roles.
    pub source: Option<String>,
    pub sink: Option<String>,
    pub sanitizes: Option<Names>,
    pub propagates: Option<String>,
    pub neutral: Option<bool>,
    pub safe_type: Option<Names>,
    pub validator: Option<Names>,
    // What the role applies to.
    pub callee: Option<Names>,
    pub object: Option<Names>,
    pub attribute: Option<Names>,
    pub method: Option<Names>,
    pub self_attribute: Option<Names>,
    pub decorator: Option<Names>,
    pub argument: Option<Argument>,
    /// For `sink` rows with a position in `argument`: the keyword the same argument may be
    /// passed as (`argument = 0`, `keyword = "file"`: `open(p)` or `open(file=p)`).
    pub keyword: Option<String>,
    /// For `sink` rows: `"rule"` when the kind's rule reports the row from its own check (with
    /// its message and the conditions it applies, like a content type that is not HTML), or
    /// `"model"` (the default) for the generic model check.
    pub reported_by: Option<String>,
    /// For `attribute` sources: the value can be an object (parsed JSON, `qs` query strings).
    pub objects: Option<bool>,
    /// Free text shown by `models`.
    pub note: Option<String>,
}

/// The source kinds: what the data is, for messages.
pub const SOURCE_KINDS: &[(&str, &str)] = &[
    ("request", "request data"),
    ("argv", "command-line arguments"),
    ("input", "user input"),
];

/// How a source of `kind` is described in messages ("request data").
pub fn describe_source(kind: &str) -> &'static str {
    SOURCE_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, d)| *d)
        .unwrap_or("request data")
}

/// One effective model row, normalised: one role, one name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Row {
    pub language: &'static str,
    /// The file the row came from (`flask.toml`, or the user's configuration file).
    pub library: String,
    /// `source`, `sink`, `sanitizer`, `propagator`, `neutral`, `safe-type`, `validator`.
    pub role: &'static str,
    /// The kind: source kind, sink kind(s), propagation mode.
    pub kind: String,
    /// What it matches: `callee`, `object`, `attribute`, `method`, `self-attribute`,
    /// `decorator` or `type`.
    pub applies_to: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub argument: Option<String>,
    pub builtin: bool,
    /// `"rule"` for a sink row the kind's rule reports from its own check
    /// (`reported-by = "rule"`); absent for rows the model check reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_by: Option<&'static str>,
}

/// A model row from the user's configuration, with where it was written (for errors).
#[derive(Clone, Debug, PartialEq)]
pub struct UserRow {
    pub row: toml::Value,
    /// `backend-architect.toml:14`, or a settings key.
    pub origin: String,
}

/// A bad model row: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    pub origin: String,
    pub key: String,
    pub message: String,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`: {}", self.origin, self.key, self.message)
    }
}

impl std::error::Error for ModelError {}

/// A sink row's argument and kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SinkModel {
    pub argument: Option<Argument>,
    /// The keyword the positional `argument` may be passed as instead.
    pub keyword: Option<String>,
    pub sink: Sink,
    /// `reported-by = "rule"`: the kind's rule reports it from its own check.
    pub by_rule: bool,
}

/// The tables of one language family.
#[derive(Clone, Debug, Default)]
pub struct LangModels {
    pub request_attributes: HashSet<String>,
    pub object_attributes: HashSet<String>,
    pub request_methods: HashSet<String>,
    /// Request objects (`flask.request`): their data attributes are sources.
    pub request_objects: HashSet<String>,
    /// Names whose value is itself a source (`sys.argv`) → source kind.
    pub value_sources: HashMap<String, String>,
    /// The last names of `value_sources` (`argv`): only an attribute with one of these names
    /// is resolved (a chain of 20,000 attributes must not be resolved at every link).
    pub value_source_names: HashSet<String>,
    pub self_attributes: HashSet<String>,
    pub decorators: HashSet<String>,
    /// Callee → source kind.
    pub source_callees: HashMap<String, String>,
    pub sinks: HashMap<String, Vec<SinkModel>>,
    /// The last names of `sinks`' callees (`execute` of `sqlite3.Cursor.execute`): a method
    /// call by any other name is no sink, whatever its receiver resolves to.
    pub sink_members: HashSet<String>,
    /// Whether a sink callee ends in a wildcard (then any method name may be one).
    pub sink_any_member: bool,
    /// Per sink kind, the callees of its `reported-by = "rule"` rows, in row order (what a
    /// rule's own check resolves a call against).
    pub rule_callees: HashMap<Sink, Vec<String>>,
    /// Callee → the sink bits it cleans.
    pub sanitizers: HashMap<String, u32>,
    pub sanitizer_prefixes: Vec<(String, u32)>,
    pub propagating: HashSet<String>,
    pub propagating_prefixes: Vec<String>,
    pub receiver_methods: HashSet<String>,
    pub string_methods: HashSet<String>,
    pub neutral_methods: HashSet<String>,
    pub safe_types: HashSet<String>,
    pub validators: HashSet<String>,
}

impl LangModels {
    /// Whether `qualified`'s result is clean for `sink`.
    pub fn sanitizes(&self, qualified: &str, sink: Sink) -> bool {
        if self
            .sanitizers
            .get(qualified)
            .is_some_and(|bits| bits & sink.bit() != 0)
        {
            return true;
        }
        self.sanitizer_prefixes
            .iter()
            .any(|(p, bits)| bits & sink.bit() != 0 && qualified.starts_with(p.as_str()))
    }

    /// The callees the rule of `sink` reports from its own check (`reported-by = "rule"`).
    pub fn rule_callees(&self, sink: Sink) -> &[String] {
        self.rule_callees.get(&sink).map_or(&[], Vec::as_slice)
    }

    /// The first `reported-by = "rule"` row of kind `sink` for `callee`.
    pub fn rule_sink(&self, callee: &str, sink: Sink) -> Option<&SinkModel> {
        self.sinks
            .get(callee)?
            .iter()
            .find(|r| r.by_rule && r.sink == sink)
    }

    /// The sinks `qualified`'s result is clean for (bits; `u32::MAX`: every sink).
    pub fn sanitizer_bits(&self, qualified: &str) -> u32 {
        let mut bits = self.sanitizers.get(qualified).copied().unwrap_or(0);
        for (p, b) in &self.sanitizer_prefixes {
            if qualified.starts_with(p.as_str()) {
                bits |= b;
            }
        }
        bits
    }

    /// Whether `qualified`'s result carries its arguments.
    pub fn propagates(&self, qualified: &str) -> bool {
        self.propagating.contains(qualified)
            || self
                .propagating_prefixes
                .iter()
                .any(|p| qualified.starts_with(p.as_str()))
    }

    /// The source kind `qualified`'s result is, if any ("request", "argv", "input").
    pub fn source_callee(&self, qualified: &str) -> Option<&str> {
        self.source_callees.get(qualified).map(String::as_str)
    }
}

/// Every model row in effect, and the tables built from them.
#[derive(Clone, Debug, Default)]
pub struct Models {
    pub python: LangModels,
    pub javascript: LangModels,
    pub rows: Vec<Row>,
    fingerprint: u64,
}

impl PartialEq for Models {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint && self.rows == other.rows
    }
}

/// The models in effect for one analysis: shared, compared and hashed by their fingerprint
/// (the semantic model holds it, and its hash keys the caches). Defaults to the built-ins.
#[derive(Clone)]
pub struct ModelSet(pub Arc<Models>);

impl Default for ModelSet {
    fn default() -> Self {
        ModelSet(Models::builtin())
    }
}

impl std::ops::Deref for ModelSet {
    type Target = Models;
    fn deref(&self) -> &Models {
        &self.0
    }
}

impl PartialEq for ModelSet {
    fn eq(&self, other: &Self) -> bool {
        self.0.fingerprint == other.0.fingerprint
    }
}

impl Eq for ModelSet {}

impl std::hash::Hash for ModelSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.fingerprint.hash(state);
    }
}

impl fmt::Debug for ModelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ModelSet({} rows, {:x})",
            self.0.rows.len(),
            self.0.fingerprint
        )
    }
}

const ALL_SINKS: u32 = u32::MAX;

fn sink_bits(names: &[String]) -> Result<u32, (String, String)> {
    let mut bits = 0;
    for n in names {
        if n == "all" {
            bits = ALL_SINKS;
        } else if let Some(s) = Sink::from_kind_name(n) {
            bits |= s.bit();
        } else {
            return Err(("sanitizes".into(), unknown_kind(n)));
        }
    }
    Ok(bits)
}

fn unknown_kind(name: &str) -> String {
    let known: Vec<&str> = KINDS.iter().map(|(n, _, _)| *n).collect();
    let hint = known
        .iter()
        .find(|k| k.starts_with(&name[..name.len().min(3)]))
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    format!(
        "unknown sink kind `{name}`{hint} (`backend-architect models --kinds` lists them: {})",
        known.join(", ")
    )
}

impl Models {
    /// The built-in models (parsed once).
    pub fn builtin() -> Arc<Models> {
        static BUILTIN_MODELS: OnceLock<Arc<Models>> = OnceLock::new();
        BUILTIN_MODELS
            .get_or_init(|| {
                let mut m = Models::default();
                for (lang, file, text) in BUILTIN {
                    let family = family_of(lang);
                    let table: toml::Table = toml::from_str(text)
                        .unwrap_or_else(|e| panic!("built-in model {lang}/{file}: {e}"));
                    let rows = table
                        .get("models")
                        .and_then(|v| v.as_array())
                        .cloned()
                        .unwrap_or_default();
                    for (i, row) in rows.into_iter().enumerate() {
                        let origin = format!("queries/{lang}/models/{file} (row {})", i + 1);
                        m.add(family, file, true, &row, &origin)
                            .unwrap_or_else(|e| panic!("built-in model: {e}"));
                    }
                }
                m.finish();
                Arc::new(m)
            })
            .clone()
    }

    /// The built-in models plus the user's rows. A bad row is an error naming where it was
    /// written; the caller decides whether to keep going without it.
    pub fn with_user_rows(rows: &[UserRow]) -> Result<Arc<Models>, Vec<ModelError>> {
        let builtin = Models::builtin();
        if rows.is_empty() {
            return Ok(builtin);
        }
        let mut m = (*builtin).clone();
        let mut errors = Vec::new();
        for r in rows {
            // A user row names its language when it cannot be told from the callee; by default
            // it applies to both families (qualified names do not collide across them).
            let table = r.row.as_table().cloned().unwrap_or_default();
            let language = table
                .get("language")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let mut row = r.row.clone();
            if let Some(t) = row.as_table_mut() {
                t.remove("language");
            }
            let families: Vec<Family> = match language.as_deref() {
                None => vec![Family::Python, Family::JavaScript],
                Some("python") => vec![Family::Python],
                Some("javascript" | "typescript") => vec![Family::JavaScript],
                Some(other) => {
                    errors.push(ModelError {
                        origin: r.origin.clone(),
                        key: "language".into(),
                        message: format!(
                            "unknown language `{other}`; expected `python` or `javascript`"
                        ),
                    });
                    continue;
                }
            };
            for family in families {
                if let Err(e) = m.add(family, "configuration", false, &row, &r.origin) {
                    errors.push(e);
                    break;
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        m.finish();
        Ok(Arc::new(m))
    }

    pub fn family(&self, family: Family) -> &LangModels {
        match family {
            Family::Python => &self.python,
            Family::JavaScript => &self.javascript,
        }
    }

    /// Changes whenever the rows change (keys the caches).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    fn finish(&mut self) {
        use std::hash::{Hash, Hasher};
        self.rows.sort();
        self.rows.dedup();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.rows.hash(&mut h);
        self.fingerprint = h.finish();
    }

    /// Adds one TOML row; errors name the row's origin and the key at fault.
    fn add(
        &mut self,
        family: Family,
        library: &str,
        builtin: bool,
        value: &toml::Value,
        origin: &str,
    ) -> Result<(), ModelError> {
        let err = |key: &str, message: String| ModelError {
            origin: origin.to_owned(),
            key: key.to_owned(),
            message,
        };
        let raw: RawRow = value.clone().try_into().map_err(|e: toml::de::Error| {
            let msg = e.message().to_owned();
            let key = msg
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| "models".into());
            err(&key, msg)
        })?;
        let roles = [
            raw.source.is_some(),
            raw.sink.is_some(),
            raw.sanitizes.is_some(),
            raw.propagates.is_some(),
            raw.neutral.is_some(),
            raw.safe_type.is_some(),
            raw.validator.is_some(),
        ]
        .iter()
        .filter(|r| **r)
        .count();
        if roles != 1 {
            return Err(err(
                "models",
                format!("a row has exactly one of `source`, `sink`, `sanitizes`, `propagates`, `neutral`, `safe-type`, `validator` (this one has {roles})"),
            ));
        }
        let language = match family {
            Family::Python => "python",
            Family::JavaScript => "javascript",
        };
        let lang = match family {
            Family::Python => &mut self.python,
            Family::JavaScript => &mut self.javascript,
        };
        let mut rows = Vec::new();
        // Set while a `reported-by = "rule"` sink row's callees are pushed.
        let by_rule_row = std::cell::Cell::new(false);
        let mut push = |role: &'static str,
                        kind: &str,
                        applies_to: &'static str,
                        name: &str,
                        argument: Option<String>| {
            rows.push(Row {
                language,
                library: library.to_owned(),
                role,
                kind: kind.to_owned(),
                applies_to,
                name: name.to_owned(),
                argument,
                builtin,
                reported_by: by_rule_row.get().then_some("rule"),
            });
        };
        let only = |allowed: &[&str]| -> Result<(), ModelError> {
            let present = [
                ("callee", raw.callee.is_some()),
                ("object", raw.object.is_some()),
                ("attribute", raw.attribute.is_some()),
                ("method", raw.method.is_some()),
                ("self-attribute", raw.self_attribute.is_some()),
                ("decorator", raw.decorator.is_some()),
                ("argument", raw.argument.is_some()),
                ("keyword", raw.keyword.is_some()),
                ("reported-by", raw.reported_by.is_some()),
                ("objects", raw.objects.is_some()),
            ];
            for (key, is) in present {
                if is && !allowed.contains(&key) {
                    return Err(err(
                        key,
                        format!(
                            "not used by this kind of row (it takes {})",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
            Ok(())
        };
        let names = |n: &Option<Names>| n.as_ref().map(Names::list).unwrap_or_default();
        let check_names = |key: &str, list: &[String]| -> Result<(), ModelError> {
            if list
                .iter()
                .any(|n| n.trim().is_empty() || n.contains(char::is_whitespace))
            {
                return Err(err(key, "names are non-empty and have no spaces".into()));
            }
            Ok(())
        };
        if let Some(kind) = &raw.source {
            if !SOURCE_KINDS.iter().any(|(k, _)| k == kind) {
                return Err(err(
                    "source",
                    format!(
                        "unknown source kind `{kind}`; expected {}",
                        SOURCE_KINDS
                            .iter()
                            .map(|(k, _)| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            only(&[
                "callee",
                "object",
                "attribute",
                "method",
                "self-attribute",
                "decorator",
                "objects",
            ])?;
            let mut any = false;
            for n in names(&raw.callee) {
                lang.source_callees.insert(n.clone(), kind.clone());
                push("source", kind, "callee", &n, None);
                any = true;
            }
            for n in names(&raw.object) {
                if kind == "request" {
                    lang.request_objects.insert(n.clone());
                } else {
                    lang.value_sources.insert(n.clone(), kind.clone());
                    let last = n.rsplit('.').next().unwrap_or(&n).to_owned();
                    lang.value_source_names.insert(last);
                }
                push("source", kind, "object", &n, None);
                any = true;
            }
            for n in names(&raw.attribute) {
                lang.request_attributes.insert(n.clone());
                if raw.objects == Some(true) {
                    lang.object_attributes.insert(n.clone());
                }
                push("source", kind, "attribute", &n, None);
                any = true;
            }
            for n in names(&raw.method) {
                lang.request_methods.insert(n.clone());
                push("source", kind, "method", &n, None);
                any = true;
            }
            for n in names(&raw.self_attribute) {
                lang.self_attributes.insert(n.clone());
                push("source", kind, "self-attribute", &n, None);
                any = true;
            }
            for n in names(&raw.decorator) {
                lang.decorators.insert(n.clone());
                push("source", kind, "decorator", &n, None);
                any = true;
            }
            if !any {
                return Err(err("source", "a source row names a `callee`, `object`, `attribute`, `method`, `self-attribute` or `decorator`".into()));
            }
        } else if let Some(kind) = &raw.sink {
            let sink = Sink::from_kind_name(kind).ok_or_else(|| err("sink", unknown_kind(kind)))?;
            only(&["callee", "argument", "keyword", "reported-by"])?;
            let callees = names(&raw.callee);
            if callees.is_empty() {
                return Err(err(
                    "callee",
                    "a sink row names the `callee` (a qualified name)".into(),
                ));
            }
            check_names("callee", &callees)?;
            if raw.keyword.is_some() && !matches!(raw.argument, Some(Argument::Position(_))) {
                return Err(err(
                    "keyword",
                    "`keyword` names the keyword of a positional `argument` (`argument = 0`)"
                        .into(),
                ));
            }
            let by_rule = match raw.reported_by.as_deref() {
                None | Some("model") => false,
                Some("rule") => true,
                Some(other) => {
                    return Err(err(
                        "reported-by",
                        format!("unknown value `{other}`; expected `rule` or `model`"),
                    ))
                }
            };
            let argument = match (&raw.argument, &raw.keyword) {
                (Some(a), Some(k)) => Some(format!("{a} or {k}=")),
                (a, _) => a.as_ref().map(|a| a.to_string()),
            };
            for n in callees {
                match n.rsplit('.').next() {
                    Some(last) if !last.contains('*') => {
                        lang.sink_members.insert(last.to_owned());
                    }
                    _ => lang.sink_any_member = true,
                }
                lang.sinks.entry(n.clone()).or_default().push(SinkModel {
                    argument: raw.argument.clone(),
                    keyword: raw.keyword.clone(),
                    sink,
                    by_rule,
                });
                if by_rule {
                    let list = lang.rule_callees.entry(sink).or_default();
                    if !list.contains(&n) {
                        list.push(n.clone());
                    }
                }
                by_rule_row.set(by_rule);
                push("sink", kind, "callee", &n, argument.clone());
                by_rule_row.set(false);
            }
        } else if let Some(kinds) = &raw.sanitizes {
            let list = kinds.list();
            let bits = sink_bits(&list).map_err(|(k, m)| err(&k, m))?;
            only(&["callee"])?;
            let callees = names(&raw.callee);
            if callees.is_empty() {
                return Err(err("callee", "a sanitizer row names the `callee`".into()));
            }
            check_names("callee", &callees)?;
            for n in callees {
                match n.strip_suffix('*') {
                    Some(prefix) => lang.sanitizer_prefixes.push((prefix.to_owned(), bits)),
                    None => *lang.sanitizers.entry(n.clone()).or_default() |= bits,
                }
                push("sanitizer", &list.join(","), "callee", &n, None);
            }
        } else if let Some(mode) = &raw.propagates {
            match mode.as_str() {
                "arguments" => {
                    only(&["callee"])?;
                    let callees = names(&raw.callee);
                    if callees.is_empty() {
                        return Err(err(
                            "callee",
                            "`propagates = \"arguments\"` names the `callee`".into(),
                        ));
                    }
                    for n in callees {
                        match n.strip_suffix('*') {
                            Some(prefix) => lang.propagating_prefixes.push(prefix.to_owned()),
                            None => {
                                lang.propagating.insert(n.clone());
                            }
                        }
                        push("propagator", mode, "callee", &n, None);
                    }
                }
                "receiver" | "string" => {
                    only(&["method"])?;
                    let methods = names(&raw.method);
                    if methods.is_empty() {
                        return Err(err(
                            "method",
                            format!("`propagates = \"{mode}\"` names the `method`"),
                        ));
                    }
                    for n in methods {
                        lang.receiver_methods.insert(n.clone());
                        if mode == "string" {
                            lang.string_methods.insert(n.clone());
                        }
                        push("propagator", mode, "method", &n, None);
                    }
                }
                other => {
                    return Err(err(
                        "propagates",
                        format!(
                            "unknown mode `{other}`; expected `arguments`, `receiver` or `string`"
                        ),
                    ))
                }
            }
        } else if raw.neutral.is_some() {
            only(&["method"])?;
            let methods = names(&raw.method);
            if methods.is_empty() {
                return Err(err("method", "a `neutral` row names the `method`".into()));
            }
            for n in methods {
                lang.neutral_methods.insert(n.clone());
                push("neutral", "", "method", &n, None);
            }
        } else if let Some(types) = &raw.safe_type {
            only(&[])?;
            for n in types.list() {
                lang.safe_types.insert(n.clone());
                push("safe-type", "", "type", &n, None);
            }
        } else if let Some(list) = &raw.validator {
            only(&[])?;
            for n in list.list() {
                lang.validators.insert(n.clone());
                push("validator", "", "callee", &n, None);
            }
        }
        self.rows.extend(rows);
        Ok(())
    }

    /// Rows per (library, role), for `models`' summary.
    pub fn counts(&self) -> BTreeMap<(String, String, &'static str), usize> {
        let mut out = BTreeMap::new();
        for r in &self.rows {
            *out.entry((r.language.to_owned(), r.library.clone(), r.role))
                .or_default() += 1;
        }
        out
    }
}

fn family_of(lang: &str) -> Family {
    match lang {
        "python" => Family::Python,
        _ => Family::JavaScript,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Result<Arc<Models>, Vec<ModelError>> {
        let table: toml::Table = toml::from_str(text).unwrap();
        let rows: Vec<UserRow> = table["models"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, r)| UserRow {
                row: r.clone(),
                origin: format!("backend-architect.toml (models[{i}])"),
            })
            .collect();
        Models::with_user_rows(&rows)
    }

    #[test]
    fn builtin_models_parse_and_cover_every_role() {
        let m = Models::builtin();
        for role in [
            "source",
            "sink",
            "sanitizer",
            "propagator",
            "neutral",
            "safe-type",
            "validator",
        ] {
            assert!(
                m.rows.iter().any(|r| r.role == role),
                "no built-in {role} row"
            );
        }
        assert!(m.python.request_objects.contains("flask.request"));
        assert!(m
            .python
            .sanitizes("werkzeug.utils.secure_filename", Sink::Path));
        assert!(!m
            .python
            .sanitizes("werkzeug.utils.secure_filename", Sink::Sql));
        assert!(
            m.python.sanitizes("hashlib.sha256", Sink::Sql),
            "prefix rows"
        );
        assert!(m.javascript.object_attributes.contains("body"));
    }

    #[test]
    fn no_duplicate_builtin_rows() {
        // `finish` dedups, so count before: parse each file and compare.
        let mut seen = HashSet::new();
        let mut dups = Vec::new();
        for (lang, file, text) in BUILTIN {
            let mut m = Models::default();
            let table: toml::Table = toml::from_str(text).unwrap();
            for row in table["models"].as_array().unwrap() {
                m.add(family_of(lang), file, true, row, file).unwrap();
            }
            for r in m.rows {
                let key = (
                    r.language,
                    r.role,
                    r.applies_to,
                    r.name.clone(),
                    r.kind.clone(),
                    r.argument.clone(),
                );
                if !seen.insert(key.clone()) {
                    dups.push(format!("{lang}/{file}: {key:?}"));
                }
            }
        }
        assert!(dups.is_empty(), "duplicate model rows: {dups:#?}");
    }

    #[test]
    fn user_rows_extend_the_builtins() {
        let m = user(
            r#"
[[models]]
sink = "sql"
callee = "myapp.db.run_raw"
argument = 0

[[models]]
source = "request"
callee = "myapp.web.current_params"

[[models]]
sanitizes = ["path"]
callee = "myapp.util.clean_path"
language = "python"
"#,
        )
        .unwrap();
        assert_eq!(
            m.python.sinks["myapp.db.run_raw"],
            vec![SinkModel {
                argument: Some(Argument::Position(0)),
                keyword: None,
                sink: Sink::Sql,
                by_rule: false,
            }]
        );
        assert!(m.javascript.sinks.contains_key("myapp.db.run_raw"));
        assert_eq!(
            m.python.source_callee("myapp.web.current_params"),
            Some("request")
        );
        assert!(m.python.sanitizes("myapp.util.clean_path", Sink::Path));
        assert!(!m.javascript.sanitizes("myapp.util.clean_path", Sink::Path));
        assert_ne!(m.fingerprint(), Models::builtin().fingerprint());
    }

    #[test]
    fn bad_rows_name_the_row_and_key() {
        let e = user("[[models]]\nsink = \"sqll\"\ncallee = \"a.b\"\n").unwrap_err();
        assert_eq!(e[0].key, "sink");
        assert!(
            e[0].message
                .contains("unknown sink kind `sqll`; did you mean `sql`?"),
            "{}",
            e[0]
        );
        assert!(e[0].origin.contains("models[0]"));
        let e = user("[[models]]\nsink = \"sql\"\ncalee = \"a.b\"\n").unwrap_err();
        assert_eq!(e[0].key, "calee", "{}", e[0]);
        let e = user("[[models]]\nsink = \"sql\"\nsanitizes = [\"sql\"]\ncallee = \"a\"\n")
            .unwrap_err();
        assert!(e[0].message.contains("exactly one"), "{}", e[0]);
        let e = user("[[models]]\nsink = \"sql\"\n").unwrap_err();
        assert_eq!(e[0].key, "callee");
        let e = user("[[models]]\nsanitizes = [\"path\"]\nmethod = \"x\"\ncallee = \"a\"\n")
            .unwrap_err();
        assert_eq!(e[0].key, "method");
        let e = user("[[models]]\nsource = \"body\"\ncallee = \"a\"\n").unwrap_err();
        assert_eq!(e[0].key, "source");
        let e = user("[[models]]\nsink = \"sql\"\ncallee = \"a\"\nkeyword = \"q\"\n").unwrap_err();
        assert_eq!(e[0].key, "keyword", "{}", e[0]);
        let e =
            user("[[models]]\nsink = \"sql\"\ncallee = \"a\"\nreported-by = \"me\"\n").unwrap_err();
        assert_eq!(e[0].key, "reported-by", "{}", e[0]);
        let e = user("[[models]]\nsanitizes = [\"sql\"]\ncallee = \"a\"\nkeyword = \"q\"\n")
            .unwrap_err();
        assert_eq!(e[0].key, "keyword", "{}", e[0]);
    }

    #[test]
    fn rule_rows_are_the_rules_and_keep_their_keyword() {
        let m = Models::builtin();
        let open = m.python.rule_sink("builtins.open", Sink::Path).unwrap();
        assert_eq!(open.argument, Some(Argument::Position(0)));
        assert_eq!(open.keyword.as_deref(), Some("file"));
        assert!(m
            .python
            .rule_callees(Sink::Path)
            .contains(&"shutil.copy".to_owned()));
        // A model-reported row is not the rule's.
        assert!(m.python.rule_sink("tarfile.open", Sink::Path).is_none());
        assert!(m.javascript.rule_sink("fs.readFile", Sink::Path).is_some());
        let row = m
            .rows
            .iter()
            .find(|r| r.name == "builtins.open" && r.role == "sink")
            .unwrap();
        assert_eq!(row.argument.as_deref(), Some("0 or file="));
        // Users may hand a row to the rule too.
        let m = user(
            "[[models]]\nsink = \"path\"\ncallee = \"myapp.files.read\"\nargument = 0\nkeyword = \"name\"\nreported-by = \"rule\"\nlanguage = \"python\"\n",
        )
        .unwrap();
        assert!(m
            .python
            .rule_callees(Sink::Path)
            .contains(&"myapp.files.read".to_owned()));
    }
}
