//! Configuration: `backend-architect.toml` or `[tool.backend-architect]` in `pyproject.toml`,
//! overridden by editor settings; rule selection; suppression comments.

pub mod advisor;
pub mod file;
pub mod suppression;

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

pub use advisor::{AdvisorSettings, DependencySettings};
pub use file::{discover, discover_here, load_file, ConfigCache, CONFIG_FILE};

use ba_analysis::models::{ModelSet, Models, UserRow};
use ba_rules::{ClassSet, FileClass, Rule, Severity, RULES};

/// The options as written in a config file or sent as editor settings (all optional). The
/// JSON schema of `backend-architect.toml` and `[tool.backend-architect]` is generated from
/// this type (`schema()`, committed as `docs/backend-architect.schema.json`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    title = "backend-architect configuration",
    description = "backend-architect.toml, or the [tool.backend-architect] table of pyproject.toml: which rules run, where, at what severity, and the team's own detection models."
)]
pub struct Options {
    /// Another configuration file whose settings this one extends (a path relative to this
    /// file); keys set here replace the base's.
    pub extend: Option<String>,
    /// Rules to run: codes (`SEC101`), prefixes (`SEC`, `SEC1`), names (`sql-injection`) or
    /// `ALL`. Default: every rule.
    pub select: Option<Vec<String>>,
    /// Rules to run in addition to `select`.
    pub extend_select: Option<Vec<String>>,
    /// Rules never to run (codes, prefixes or names).
    pub ignore: Option<Vec<String>>,
    /// Rules to leave out in some files: a glob (relative to the configuration's directory,
    /// or a file name) → codes, prefixes or names. `{ "tests/**" = ["SEC5"] }`.
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// Severity per rule (code, prefix or name): "error", "warning", "info" or "hint".
    #[schemars(with = "Option<BTreeMap<String, SeverityName>>")]
    pub severity: Option<BTreeMap<String, String>>,
    /// Files and directories not to check (globs relative to the configuration's directory).
    pub exclude: Option<Vec<String>>,
    /// More globs to exclude, in addition to `exclude`.
    pub extend_exclude: Option<Vec<String>>,
    /// `[advisor]`: reviews by a model endpoint (off unless `enabled = true`). Validated by
    /// `advisor::AdvisorSettings`, so errors name the nested key.
    #[schemars(with = "Option<advisor::AdvisorTable>")]
    pub advisor: Option<serde_json::Value>,
    /// `[dependencies]`: known-vulnerable dependencies from OSV (off unless `osv = true`).
    /// Validated by `advisor::DependencySettings`.
    #[schemars(with = "Option<advisor::DependenciesTable>")]
    pub dependencies: Option<serde_json::Value>,
    /// Seconds that fixes add as the timeout of outbound HTTP calls (default 10).
    #[schemars(range(min = 0.001, max = 3600.0))]
    pub http_timeout: Option<f64>,
    /// `[[models]]`: the team's own sources, sinks, sanitizers and propagators, in the row
    /// format of `queries/<lang>/models/*.toml` (docs/models.md; `backend-architect models
    /// --kinds` lists the kinds). Validated by `ba_analysis::models`.
    #[schemars(with = "Option<Vec<serde_json::Map<String, serde_json::Value>>>")]
    pub models: Option<Vec<toml::Value>>,
    /// File classes to check with every rule although rules leave them out by default
    /// (`["migration", "script"]`).
    #[schemars(with = "Option<Vec<ClassName>>")]
    pub include_classes: Option<Vec<String>>,
    /// Audit mode: also report dangerous calls fed by data of unknown origin (parameters of
    /// functions no request handler is seen calling, module globals, names the file never
    /// binds), one severity lower and tagged `audit`. For security reviews and CI gates; off by
    /// default.
    pub audit: Option<bool>,
}

/// A severity, as configuration files write it (schema only).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum SeverityName {
    Error,
    Warning,
    Info,
    Hint,
}

/// A file class, as `include-classes` writes it (schema only).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
enum ClassName {
    Runtime,
    Test,
    Migration,
    Script,
    DevSettings,
    Vendored,
}

/// Removes the `null` alternatives schemars gives `Option` fields (`"type": ["array",
/// "null"]`, `anyOf: [X, {"type": "null"}]`).
fn without_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_owned(), only);
                }
            }
            if let Some(Value::Array(any)) = map.get("anyOf") {
                let rest: Vec<Value> = any
                    .iter()
                    .filter(|v| v.get("type").is_none_or(|t| t != "null"))
                    .cloned()
                    .collect();
                if rest.len() == 1 {
                    map.remove("anyOf");
                    if let Value::Object(inner) = &rest[0] {
                        for (k, v) in inner {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
            map.values_mut().for_each(without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(without_null),
        _ => {}
    }
}

/// The JSON schema of the configuration (`backend-architect.toml`, and the
/// `[tool.backend-architect]` table of `pyproject.toml`), pretty-printed with a final newline.
pub fn schema() -> String {
    let mut schema = schemars::schema_for!(Options).to_value();
    // TOML has no null: an absent key is what `Option` means here.
    without_null(&mut schema);
    schema["$id"] = "https://github.com/backend-architect/backend-architect/blob/main/docs/backend-architect.schema.json".into();
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// The timeout (seconds) HTTP fixes add when `http-timeout` is not configured.
pub use ba_rules::DEFAULT_HTTP_TIMEOUT;

/// Keys accepted at the top level of the configuration, for error messages.
pub const KEYS: &[&str] = &[
    "extend",
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "severity",
    "exclude",
    "extend-exclude",
    "advisor",
    "dependencies",
    "http-timeout",
    "models",
    "include-classes",
    "audit",
];

impl Options {
    /// `self` with every key that `over` sets replaced by `over`'s value.
    pub fn overridden_by(&self, over: &Options) -> Options {
        Options {
            // Already applied: a merged configuration extends nothing.
            extend: None,
            select: over.select.clone().or_else(|| self.select.clone()),
            extend_select: over
                .extend_select
                .clone()
                .or_else(|| self.extend_select.clone()),
            ignore: over.ignore.clone().or_else(|| self.ignore.clone()),
            per_file_ignores: over
                .per_file_ignores
                .clone()
                .or_else(|| self.per_file_ignores.clone()),
            severity: over.severity.clone().or_else(|| self.severity.clone()),
            exclude: over.exclude.clone().or_else(|| self.exclude.clone()),
            extend_exclude: over
                .extend_exclude
                .clone()
                .or_else(|| self.extend_exclude.clone()),
            advisor: advisor::merge(&self.advisor, &over.advisor),
            dependencies: advisor::merge(&self.dependencies, &over.dependencies),
            http_timeout: over.http_timeout.or(self.http_timeout),
            models: over.models.clone().or_else(|| self.models.clone()),
            include_classes: over
                .include_classes
                .clone()
                .or_else(|| self.include_classes.clone()),
            audit: over.audit.or(self.audit),
        }
    }

    /// Editor settings arrive as JSON (camelCase or kebab-case keys are both accepted).
    pub fn from_json(value: &serde_json::Value) -> Result<Options, ConfigError> {
        let mut map = serde_json::Map::new();
        if let Some(obj) = value.as_object() {
            for (k, v) in obj {
                if v.is_null() {
                    continue;
                }
                if k == "extend" {
                    return Err(ConfigError::new(
                        None,
                        "extend",
                        "a base configuration is named in a configuration file, not in editor settings",
                    ));
                }
                let key = match k.as_str() {
                    "extendSelect" => "extend-select",
                    "extendExclude" => "extend-exclude",
                    "httpTimeout" => "http-timeout",
                    "includeClasses" => "include-classes",
                    "perFileIgnores" => "per-file-ignores",
                    other => other,
                };
                map.insert(key.to_owned(), v.clone());
            }
        } else if !value.is_null() && value.as_array().is_none_or(|a| !a.is_empty()) {
            // (An empty array is an empty table from a Lua client such as Neovim.)
            return Err(ConfigError::new(
                None,
                "settings",
                "expected an object of settings",
            ));
        }
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
            let msg = e.to_string();
            ConfigError::new(
                None,
                key_in_message(&msg).unwrap_or("settings"),
                plain_serde_message(&msg),
            )
        })
    }
}

fn key_in_message(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    Some(&msg[start..end])
}

fn plain_serde_message(msg: &str) -> String {
    if msg.starts_with("unknown field") {
        format!(
            "{}; allowed keys: {}",
            msg.split(", expected").next().unwrap_or(msg),
            KEYS.join(", ")
        )
    } else {
        msg.to_owned()
    }
}

/// A configuration problem: where, which key, and what is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    pub key: String,
    pub message: String,
    /// Zero-based line in the file, when known.
    pub line: Option<u32>,
}

impl ConfigError {
    pub fn new(path: Option<&Path>, key: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.map(Path::to_path_buf),
            key: key.to_owned(),
            message: message.into(),
            line: None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{}: ", p.display(), l + 1)?,
            (Some(p), None) => write!(f, "{}: ", p.display())?,
            _ => f.write_str("settings: ")?,
        }
        write!(f, "`{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A rule selector: `ALL`, a code prefix (`SEC`, `SEC1`), a code (`SEC101`) or a name.
pub fn matching_rules(selector: &str) -> Option<Vec<&'static Rule>> {
    let s = selector.trim();
    if s.eq_ignore_ascii_case("ALL") {
        return Some(RULES.to_vec());
    }
    if let Some(rule) = RULES.iter().find(|r| r.name == s) {
        return Some(vec![rule]);
    }
    let upper = s.to_ascii_uppercase();
    let known_prefix = ba_rules::FAMILIES.iter().any(|(f, _)| upper.starts_with(f));
    let hits: Vec<&'static Rule> = RULES
        .iter()
        .copied()
        .filter(|r| r.code.starts_with(&upper))
        .collect();
    // A whole code (`SEC999`: letters and three digits) must name a rule; a shorter prefix
    // (`SEC`, `SEC1`) may select none.
    let digits = upper
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .len();
    if !hits.is_empty() || (known_prefix && digits < 3 && !upper.is_empty()) {
        Some(hits)
    } else {
        None
    }
}

/// " (did you mean `SEC101` sql-injection?)" for a selector one typo away from a rule's code or
/// name.
fn did_you_mean(selector: &str) -> String {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for j in 0..b.len() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != b[j]))
                    .min(row[j] + 1)
                    .min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    let s = selector.trim();
    let best = RULES
        .iter()
        .filter_map(|r| {
            let by_code = distance(&s.to_ascii_uppercase(), r.code);
            let by_name = distance(&s.to_ascii_lowercase(), r.name);
            (by_code <= 1 || by_name <= 2).then_some((by_code.min(by_name), r))
        })
        .min_by_key(|(d, _)| *d);
    best.map(|(_, r)| format!(" (did you mean `{}` {}?)", r.code, r.name))
        .unwrap_or_default()
}

const SELECTOR_HELP: &str = "expected a rule code (SEC101), a code prefix (SEC, SEC1), a rule name (sql-injection) or ALL; `backend-architect rules` lists them";

/// Which rules run and at what severity, resolved from options.
#[derive(Clone, Debug)]
pub struct RuleSet {
    enabled: Vec<bool>,
    /// The configured severity per rule; `None` keeps the severity each finding was reported
    /// with (the rule's default, or what the rule chose for that finding).
    severity: Vec<Option<Severity>>,
    /// `http-timeout` in seconds.
    http_timeout: f64,
    /// The detection models: built-in plus the configuration's `[[models]]` rows.
    models: ModelSet,
    /// `include-classes`: file classes every rule checks.
    include_classes: ClassSet,
    /// `audit`: report data of unknown origin too (`Finding::audit`).
    audit: bool,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            enabled: vec![true; RULES.len()],
            severity: vec![None; RULES.len()],
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            models: ModelSet::default(),
            include_classes: ClassSet::EMPTY,
            audit: false,
        }
    }
}

/// The configuration's `[[models]]` rows with where each was written, and the detection
/// models they make (an error names the first bad row: file, line and key).
fn user_models(rows: &[toml::Value], path: Option<&Path>) -> Result<ModelSet, ConfigError> {
    // Lines of the `[[models]]` headers, to point at the row (TOML values carry no spans).
    let text = path.and_then(|p| std::fs::read_to_string(p).ok());
    let headers: Vec<u32> = text
        .as_deref()
        .map(|t| {
            t.lines()
                .enumerate()
                .filter(|(_, l)| {
                    let l = l.trim();
                    l == "[[models]]" || l == "[[tool.backend-architect.models]]"
                })
                .map(|(i, _)| i as u32)
                .collect()
        })
        .unwrap_or_default();
    let file = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "settings".to_owned());
    let user: Vec<UserRow> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| UserRow {
            row: row.clone(),
            origin: i.to_string(),
        })
        .collect();
    Models::with_user_rows(&user)
        .map(ModelSet)
        .map_err(|errors| {
            let e = &errors[0];
            let index: usize = e.origin.parse().unwrap_or(0);
            let line = headers.get(index).copied();
            let at = match line {
                Some(l) => format!("{file}:{}", l + 1),
                None => format!("{file}: models[{index}]"),
            };
            ConfigError {
                path: path.map(Path::to_path_buf),
                key: format!("models[{index}].{}", e.key),
                message: format!("{} (row at {at})", e.message),
                line,
            }
        })
}

fn index_of(rule: &Rule) -> usize {
    RULES
        .iter()
        .position(|r| std::ptr::eq(*r, rule))
        .expect("rule is registered")
}

impl RuleSet {
    pub fn from_options(options: &Options, path: Option<&Path>) -> Result<RuleSet, ConfigError> {
        let selectors =
            |key: &str, list: &Option<Vec<String>>| -> Result<Vec<&'static Rule>, ConfigError> {
                let mut out = Vec::new();
                for s in list.iter().flatten() {
                    match matching_rules(s) {
                        Some(rules) => out.extend(rules),
                        None => {
                            return Err(ConfigError::new(
                                path,
                                key,
                                format!("unknown rule `{s}`{}; {SELECTOR_HELP}", did_you_mean(s)),
                            ))
                        }
                    }
                }
                Ok(out)
            };
        let mut set = RuleSet::default();
        if options.select.is_some() {
            set.enabled = vec![false; RULES.len()];
            for r in selectors("select", &options.select)? {
                set.enabled[index_of(r)] = true;
            }
        }
        for r in selectors("extend-select", &options.extend_select)? {
            set.enabled[index_of(r)] = true;
        }
        for r in selectors("ignore", &options.ignore)? {
            set.enabled[index_of(r)] = false;
        }
        for (sel, sev) in options.severity.iter().flatten() {
            let key = format!("severity.{sel}");
            let rules = matching_rules(sel).ok_or_else(|| {
                ConfigError::new(
                    path,
                    &key,
                    format!("unknown rule `{sel}`{}; {SELECTOR_HELP}", did_you_mean(sel)),
                )
            })?;
            let sev = Severity::parse(sev).ok_or_else(|| {
                ConfigError::new(
                    path,
                    &key,
                    format!("unknown severity `{sev}`; expected {}", Severity::NAMES),
                )
            })?;
            for r in rules {
                set.severity[index_of(r)] = Some(sev);
            }
        }
        if let Some(t) = options.http_timeout {
            if !(t.is_finite() && t > 0.0 && t <= 3600.0) {
                return Err(ConfigError::new(
                    path,
                    "http-timeout",
                    format!("`{t}` is not a timeout; expected a number of seconds greater than 0 and at most 3600"),
                ));
            }
            set.http_timeout = t;
        }
        if let Some(rows) = &options.models {
            set.models = user_models(rows, path)?;
        }
        if let Some(audit) = options.audit {
            set.audit = audit;
        }
        for name in options.include_classes.iter().flatten() {
            match FileClass::parse(name) {
                Some(class) => set.include_classes.insert(class),
                None => {
                    return Err(ConfigError::new(
                        path,
                        "include-classes",
                        format!("unknown file class `{name}`; expected {}", FileClass::NAMES),
                    ))
                }
            }
        }
        Ok(set)
    }

    /// The detection models in effect (built-in plus the configuration's rows).
    pub fn models(&self) -> &ModelSet {
        &self.models
    }

    /// The classes `include-classes` turns back on.
    pub fn include_classes(&self) -> ClassSet {
        self.include_classes
    }

    /// Whether `rule` runs on a file of `class` (its own classes, or one configuration adds).
    pub fn applies(&self, rule: &Rule, class: FileClass) -> bool {
        rule.applies_to(class, self.include_classes)
    }

    /// Whether any enabled rule runs on a file of `class` (else the file need not be analysed).
    pub fn any_applies(&self, class: FileClass) -> bool {
        self.enabled_rules()
            .any(|r| !r.checks.is_empty() && self.applies(r, class))
    }

    /// Whether audit mode is on (`audit = true`, `check --audit`).
    pub fn audit(&self) -> bool {
        self.audit
    }

    /// Turns audit mode on or off (`check --audit` over the configuration).
    pub fn set_audit(&mut self, on: bool) {
        self.audit = on;
    }

    /// The timeout (seconds) that fixes add to outbound HTTP calls.
    pub fn http_timeout(&self) -> f64 {
        self.http_timeout
    }

    pub fn is_enabled(&self, rule: &Rule) -> bool {
        self.enabled[index_of(rule)]
    }

    /// The rule's severity: the configured one, else the rule's default.
    pub fn severity(&self, rule: &Rule) -> Severity {
        self.severity_override(rule).unwrap_or(rule.severity)
    }

    /// The severity configured for the rule, if any; it replaces the severity of every finding.
    pub fn severity_override(&self, rule: &Rule) -> Option<Severity> {
        self.severity[index_of(rule)]
    }

    pub fn enabled_rules(&self) -> impl Iterator<Item = &'static Rule> + '_ {
        RULES.iter().copied().filter(|r| self.is_enabled(r))
    }

    pub fn is_enabled_index(&self, index: usize) -> bool {
        self.enabled[index]
    }

    /// Turns off the rules at these indexes in `RULES` (`per-file-ignores`).
    fn disable(&mut self, indexes: &[usize]) {
        for &i in indexes {
            self.enabled[i] = false;
        }
    }

    /// Changes whenever the enabled rules or their severities change (keys the caches).
    pub fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.enabled.hash(&mut h);
        self.severity.hash(&mut h);
        self.http_timeout.to_bits().hash(&mut h);
        self.models.hash(&mut h);
        self.include_classes.hash(&mut h);
        self.audit.hash(&mut h);
        h.finish()
    }
}

/// Everything resolved from one configuration: the rule set and the exclusion globs.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub rules: RuleSet,
    /// Where the configuration came from; exclusions are relative to its directory.
    pub root: Option<PathBuf>,
    pub source: Option<PathBuf>,
    exclude: Option<GlobSet>,
    /// `per-file-ignores`: one glob per pattern (in `GlobSet` order), and for each the indexes
    /// in `RULES` of the rules it turns off.
    per_file_ignores: Option<(GlobSet, Vec<Vec<usize>>)>,
    pub advisor: AdvisorSettings,
    pub dependencies: DependencySettings,
}

impl Settings {
    pub fn from_options(
        options: &Options,
        source: Option<&Path>,
        root: Option<&Path>,
    ) -> Result<Settings, ConfigError> {
        let rules = RuleSet::from_options(options, source)?;
        let advisor = AdvisorSettings::from_value(options.advisor.as_ref(), source)?;
        let dependencies = DependencySettings::from_value(options.dependencies.as_ref(), source)?;
        let mut patterns: Vec<(&str, &String)> = Vec::new();
        patterns.extend(options.exclude.iter().flatten().map(|p| ("exclude", p)));
        patterns.extend(
            options
                .extend_exclude
                .iter()
                .flatten()
                .map(|p| ("extend-exclude", p)),
        );
        let exclude = if patterns.is_empty() {
            None
        } else {
            let mut builder = GlobSetBuilder::new();
            for (key, p) in patterns {
                let glob = Glob::new(p).map_err(|e| {
                    ConfigError::new(source, key, format!("invalid glob `{p}`: {}", e.kind()))
                })?;
                builder.add(glob);
                // `dir` and `dir/` exclude everything below too.
                let trimmed = p.trim_end_matches('/');
                if !trimmed.contains('*') {
                    if let Ok(g) = Glob::new(&format!("{trimmed}/**")) {
                        builder.add(g);
                    }
                }
            }
            Some(
                builder
                    .build()
                    .map_err(|e| ConfigError::new(source, "exclude", e.to_string()))?,
            )
        };
        let per_file_ignores = match &options.per_file_ignores {
            Some(map) if !map.is_empty() => Some(per_file_ignores(map, source)?),
            _ => None,
        };
        Ok(Settings {
            rules,
            root: root.map(Path::to_path_buf),
            source: source.map(Path::to_path_buf),
            exclude,
            per_file_ignores,
            advisor,
            dependencies,
        })
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        let Some(set) = &self.exclude else {
            return false;
        };
        let rel = self.relative(path);
        set.is_match(rel) || path.file_name().is_some_and(|n| set.is_match(Path::new(n)))
    }

    /// `path` relative to the configuration's directory (as globs are written), if below it.
    fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        self.root
            .as_deref()
            .and_then(|r| path.strip_prefix(r).ok())
            .unwrap_or(path)
    }

    /// The indexes in `RULES` of the enabled rules that `per-file-ignores` turns off for
    /// `path` (sorted, without duplicates; empty when none applies).
    pub fn per_file_ignored(&self, path: &Path) -> Vec<usize> {
        let Some((set, rules)) = &self.per_file_ignores else {
            return Vec::new();
        };
        let mut hits = set.matches(self.relative(path));
        if let Some(name) = path.file_name() {
            hits.extend(set.matches(Path::new(name)));
        }
        let mut out: Vec<usize> = hits
            .into_iter()
            .flat_map(|i| rules[i].iter().copied())
            .filter(|&i| self.rules.is_enabled_index(i))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// These settings with the rules at `ignored` turned off (the settings of one file that
    /// `per-file-ignores` matches).
    pub fn without_rules(&self, ignored: &[usize]) -> Settings {
        let mut s = self.clone();
        s.rules.disable(ignored);
        s
    }
}

/// Compiles `per-file-ignores`: a glob per entry (`dir` and `dir/` cover everything below, as
/// in `exclude`) and the rules each turns off.
fn per_file_ignores(
    map: &BTreeMap<String, Vec<String>>,
    source: Option<&Path>,
) -> Result<(GlobSet, Vec<Vec<usize>>), ConfigError> {
    let mut builder = GlobSetBuilder::new();
    let mut rules = Vec::new();
    for (pattern, selectors) in map {
        let key = format!("per-file-ignores.\"{pattern}\"");
        let trimmed = pattern.trim_end_matches('/');
        let glob = if trimmed.contains('*') || Path::new(trimmed).extension().is_some() {
            trimmed.to_owned()
        } else {
            format!("{trimmed}/**")
        };
        let compiled = Glob::new(&glob).map_err(|e| {
            ConfigError::new(
                source,
                &key,
                format!("invalid glob `{pattern}`: {}", e.kind()),
            )
        })?;
        let mut indexes = Vec::new();
        for sel in selectors {
            let matched = matching_rules(sel).ok_or_else(|| {
                ConfigError::new(
                    source,
                    &key,
                    format!("unknown rule `{sel}`{}; {SELECTOR_HELP}", did_you_mean(sel)),
                )
            })?;
            indexes.extend(matched.into_iter().map(index_of));
        }
        builder.add(compiled);
        rules.push(indexes);
    }
    let set = builder
        .build()
        .map_err(|e| ConfigError::new(source, "per-file-ignores", e.to_string()))?;
    Ok((set, rules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_file_ignores_turn_rules_off_where_their_glob_matches() {
        let opts = Options::from_json(&serde_json::json!({
            "perFileIgnores": {
                "tests/**": ["SEC5", "command-injection"],
                "scripts": ["SEC101"],
                "settings.py": ["ARC"],
            }
        }))
        .unwrap();
        let s = Settings::from_options(&opts, None, Some(Path::new("/p"))).unwrap();
        let codes = |path: &str| -> Vec<&str> {
            s.per_file_ignored(Path::new(path))
                .into_iter()
                .map(|i| RULES[i].code)
                .collect()
        };
        let in_tests = codes("/p/tests/unit/test_api.py");
        assert!(
            in_tests.contains(&"SEC102") && in_tests.contains(&"SEC501"),
            "{in_tests:?}"
        );
        assert!(!in_tests.contains(&"SEC101"), "{in_tests:?}");
        assert_eq!(codes("/p/scripts/purge.py"), ["SEC101"]);
        assert!(codes("/p/app/settings.py")
            .iter()
            .all(|c| c.starts_with("ARC")));
        assert!(codes("/p/app/views.py").is_empty());
        let file = s.without_rules(&s.per_file_ignored(Path::new("/p/scripts/x.py")));
        assert!(!file.rules.is_enabled(ba_rules::by_code("SEC101").unwrap()));
        assert_ne!(file.rules.fingerprint(), s.rules.fingerprint());
        // Only rules that are on are reported as turned off.
        let opts = Options {
            ignore: Some(vec!["SEC101".into()]),
            ..opts
        };
        let s = Settings::from_options(&opts, None, Some(Path::new("/p"))).unwrap();
        assert!(s.per_file_ignored(Path::new("/p/scripts/x.py")).is_empty());

        let bad =
            Options::from_json(&serde_json::json!({"perFileIgnores": {"tests/**": ["SEC9999"]}}))
                .unwrap();
        let err = Settings::from_options(&bad, Some(Path::new("b.toml")), None).unwrap_err();
        assert_eq!(err.key, "per-file-ignores.\"tests/**\"");
        assert!(err.to_string().contains("unknown rule `SEC9999`"), "{err}");
    }

    /// The committed schema is what the configuration types generate. Regenerate with
    /// `UPDATE_SCHEMA=1 cargo test -p ba_config schema`.
    #[test]
    fn schema_is_current() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/backend-architect.schema.json");
        let generated = schema();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/backend-architect.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test -p ba_config schema`"
        );
        let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
        let props = &v["properties"];
        for key in KEYS {
            assert!(
                props.get(*key).is_some(),
                "{key} is missing from the schema"
            );
        }
        assert_eq!(props.as_object().unwrap().len(), KEYS.len());
        assert_eq!(v["additionalProperties"], false);
    }

    #[test]
    fn selectors() {
        assert_eq!(matching_rules("SEC101").unwrap().len(), 1);
        assert_eq!(matching_rules("sql-injection").unwrap()[0].code, "SEC101");
        assert!(matching_rules("SEC").unwrap().len() >= 4);
        assert!(matching_rules("ALL").unwrap().len() == RULES.len());
        assert!(matching_rules("E501").is_none());
        assert!(matching_rules("nonsense-rule").is_none());
    }

    #[test]
    fn select_ignore_severity() {
        let opts = Options {
            select: Some(vec!["SEC1".into()]),
            ignore: Some(vec!["code-injection".into()]),
            severity: Some([("SEC101".to_string(), "warning".to_string())].into()),
            ..Default::default()
        };
        let set = RuleSet::from_options(&opts, None).unwrap();
        let sql = ba_rules::by_code("SEC101").unwrap();
        assert!(set.is_enabled(sql));
        assert_eq!(set.severity(sql), Severity::Warning);
        assert!(!set.is_enabled(ba_rules::by_code("SEC103").unwrap()));
        assert!(!set.is_enabled(ba_rules::by_code("SEC201").unwrap()));
    }

    #[test]
    fn errors_name_key_and_allowed_values() {
        let opts = Options {
            ignore: Some(vec!["SEC9999x".into()]),
            ..Default::default()
        };
        let err = RuleSet::from_options(&opts, Some(Path::new("b.toml"))).unwrap_err();
        assert_eq!(err.key, "ignore");
        assert!(err.to_string().contains("unknown rule `SEC9999x`"), "{err}");
        let opts = Options {
            severity: Some([("SEC101".to_string(), "loud".to_string())].into()),
            ..Default::default()
        };
        let err = RuleSet::from_options(&opts, None).unwrap_err();
        assert!(err.to_string().contains("expected \"error\""), "{err}");
        let err = Options::from_json(&serde_json::json!({"selct": ["SEC"]})).unwrap_err();
        assert!(err.to_string().contains("allowed keys"), "{err}");
    }

    #[test]
    fn http_timeout_is_validated_and_keys_the_cache() {
        let set = RuleSet::from_options(&Options::default(), None).unwrap();
        assert_eq!(set.http_timeout(), DEFAULT_HTTP_TIMEOUT);
        let opts = Options::from_json(&serde_json::json!({"httpTimeout": 2.5})).unwrap();
        let short = RuleSet::from_options(&opts, None).unwrap();
        assert_eq!(short.http_timeout(), 2.5);
        assert_ne!(short.fingerprint(), set.fingerprint());
        let opts = Options {
            http_timeout: Some(0.0),
            ..Default::default()
        };
        let err = RuleSet::from_options(&opts, Some(Path::new("b.toml"))).unwrap_err();
        assert_eq!(err.key, "http-timeout");
        assert!(err.to_string().contains("seconds"), "{err}");
    }

    #[test]
    fn include_classes_are_validated_and_key_the_cache() {
        let opts =
            Options::from_json(&serde_json::json!({"includeClasses": ["migration", "script"]}))
                .unwrap();
        let set = RuleSet::from_options(&opts, None).unwrap();
        let n_plus_one = ba_rules::by_code("PERF202").unwrap();
        assert!(set.applies(n_plus_one, FileClass::Migration));
        assert!(!set.applies(n_plus_one, FileClass::Test));
        assert!(!RuleSet::default().applies(n_plus_one, FileClass::Migration));
        assert_ne!(set.fingerprint(), RuleSet::default().fingerprint());
        let opts = Options {
            include_classes: Some(vec!["migrashuns".into()]),
            ..Default::default()
        };
        let err = RuleSet::from_options(&opts, Some(Path::new("b.toml"))).unwrap_err();
        assert_eq!(err.key, "include-classes");
        assert!(
            err.to_string().contains("unknown file class `migrashuns`")
                && err.to_string().contains("\"dev-settings\""),
            "{err}"
        );
    }

    #[test]
    fn exclude_globs() {
        let opts = Options {
            exclude: Some(vec!["migrations".into(), "**/*_pb2.py".into()]),
            ..Default::default()
        };
        let s = Settings::from_options(&opts, None, Some(Path::new("/p"))).unwrap();
        assert!(s.is_excluded(Path::new("/p/migrations/0001.py")));
        assert!(s.is_excluded(Path::new("/p/a/x_pb2.py")));
        assert!(!s.is_excluded(Path::new("/p/app/main.py")));
    }
}
