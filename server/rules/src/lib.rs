//! The rule model and registry: one rule, one file; the registry is the single source of truth
//! for codes, names, messages, docs, CWE tags and fix availability.

use std::fmt;
use std::ops::Range;

use ba_syntax::Family;

pub mod advisor;
pub mod architecture;
pub mod catalog;
mod checker;
pub mod crossfile;
pub mod dependencies;
pub mod imports;
pub mod performance;
pub mod security;

pub use ba_app::{ClassSet, FileClass};
pub use checker::{Captures, Checker};

/// The `query_path` suffix of the checks that run the detection models' sink rows.
pub const MODEL_CHECK: &str = "#models";
/// Which classes of files (`ba_app::classify`) each family of rules applies to. A rule runs on
/// a file only when the file's class is in its set, or configuration (`include-classes`) turns
/// the class back on. Tests call endpoints with throwaway credentials, migrations and scripts
/// never serve a request, vendored and generated code is not the project's to fix.
pub mod classes {
    use ba_app::ClassSet;

    /// Request handling, API design, data access and deployment configuration: N+1 queries,
    /// missing auth, pagination, timeouts, blocking calls in async handlers, debug and cookie
    /// settings, CORS, web flaws (SSRF, XSS, open redirect). They matter where requests are
    /// served; a migration's loop or a script's `requests.get` is not on a request path, and
    /// development settings are meant to be permissive.
    pub const RUNTIME: ClassSet = ClassSet::RUNTIME;
    /// Injection, unsafe deserialisation, weak crypto, TLS verification, token handling and
    /// archive extraction: scripts and management commands run against production data and
    /// take arguments, files and network input too, so the flaw is as real there.
    pub const RUNTIME_AND_SCRIPTS: ClassSet = ClassSet::RUNTIME.union(ClassSet::SCRIPT);
    /// Hard-coded secrets: a production credential committed anywhere leaks with the
    /// repository (a migration, a script, development settings, a test). In tests and
    /// development settings the rule itself keeps to well-known live key formats (`ghp_…`,
    /// `sk_live_…`, `AKIA…`): those use throwaway passwords and keys on purpose. Vendored and generated code is not the project's secret.
    pub const ALL_BUT_VENDORED: ClassSet = ClassSet::RUNTIME
        .union(ClassSet::SCRIPT)
        .union(ClassSet::MIGRATION)
        .union(ClassSet::DEV_SETTINGS)
        .union(ClassSet::TEST);
    /// Findings on manifests and the advisor's own (not tied to a source file's class).
    pub const EVERY: ClassSet = ClassSet::ALL;
}

/// The timeout (seconds) fixes add to outbound HTTP calls unless `http-timeout` says otherwise.
pub const DEFAULT_HTTP_TIMEOUT: f64 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Security,
    Architecture,
    Performance,
    Dependencies,
    Advisor,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Self::Security => "security",
            Self::Architecture => "architecture",
            Self::Performance => "performance",
            Self::Dependencies => "dependencies",
            Self::Advisor => "advisor",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub const NAMES: &'static str = "\"error\", \"warning\", \"info\" or \"hint\"";

    pub fn name(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
            Self::Hint => "hint",
        }
    }

    /// One step less severe (an audit finding's severity; `Hint` stays `Hint`).
    pub fn lower(self) -> Self {
        match self {
            Self::Error => Self::Warning,
            Self::Warning => Self::Info,
            Self::Info | Self::Hint => Self::Hint,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Self::Error),
            "warning" | "warn" => Some(Self::Warning),
            "info" | "information" => Some(Self::Info),
            "hint" => Some(Self::Hint),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a fix keeps behaviour (safe: applied by fix-all and `check --fix`) or needs a human
/// decision (unsafe: offered as a code action only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Applicability {
    Safe,
    Unsafe,
}

/// What a rule can offer, for the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// One query file of a rule and the Rust logic that judges each of its matches.
pub struct Check {
    pub family: Family,
    /// Path under `queries/`, for error messages and docs.
    pub query_path: &'static str,
    pub query: &'static str,
    pub run: for<'a> fn(&mut Checker<'a>, &Captures<'_, 'a>),
}

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub cwe: &'static [u32],
    /// OWASP Top 10 (2021) category, e.g. "A03:2021 Injection".
    pub owasp: Option<&'static str>,
    /// One line: what is wrong and what to do. The default diagnostic message.
    pub summary: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / References.
    pub docs: &'static str,
    pub fix: FixAvailability,
    /// The classes of files the rule applies to (see `classes`).
    pub classes: ClassSet,
    pub checks: &'static [Check],
}

impl Rule {
    /// The languages the rule has built-in checks for (the checks of sink rows from the
    /// detection models, `…#models`, apply wherever a row names a sink, and do not count).
    pub fn families(&self) -> Vec<Family> {
        let mut families: Vec<Family> = self
            .checks
            .iter()
            .filter(|c| !c.query_path.ends_with(MODEL_CHECK))
            .map(|c| c.family)
            .collect();
        families.sort();
        families.dedup();
        families
    }

    /// Whether the rule applies to a file of `class`, with `extra` classes turned back on.
    pub fn applies_to(&self, class: FileClass, extra: ClassSet) -> bool {
        self.classes.contains(class) || extra.contains(class)
    }

    pub fn cwe_tags(&self) -> Vec<String> {
        self.cwe.iter().map(|c| format!("CWE-{c}")).collect()
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code, self.name)
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// Python modules the edits use that the file does not import yet (`os` for
    /// `os.environ`). The engine turns them into `import` edits after analysis, from the whole
    /// file (a rule sees one item, and cached findings move with their item).
    pub imports: Vec<&'static str>,
}

/// Extra locations of a finding, such as where tainted data came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub range: Range<usize>,
    pub message: String,
    pub kind: RelatedKind,
}

impl Related {
    /// What a step is about: the quoted name of its message ("`name`" of "assigned to `name`"),
    /// or the whole message.
    pub fn subject(&self) -> &str {
        let m = self.message.as_str();
        match m.find('`') {
            Some(a) => match m[a + 1..].find('`') {
                Some(b) => &m[a..a + b + 2],
                None => m,
            },
            None => m,
        }
    }
}

/// Code shown in a one-line path: its first line, at most 40 characters.
fn shorten(code: &str) -> String {
    let line = code.lines().next().unwrap_or("").trim();
    if line.chars().count() > 40 || line.len() < code.trim().len() {
        let cut: String = line.chars().take(40).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// What a related location is. A taint finding's path is its `Source` followed by its `Step`s,
/// in the order the data took them (the sink is the finding itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RelatedKind {
    /// Any other location (a protected sibling, the route a finding is about…).
    #[default]
    Note,
    /// Where tainted data enters.
    Source,
    /// A place the data went through on its way to the sink: an assignment, a container
    /// store, a helper's return value.
    Step,
    /// Steps left out of a long path (its message says how many), placed at the last step
    /// kept before the gap.
    Elided,
}

impl RelatedKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Source => "source",
            Self::Step => "step",
            Self::Elided => "elided",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "source" => Self::Source,
            "step" => Self::Step,
            "elided" => Self::Elided,
            _ => Self::Note,
        }
    }

    /// Whether the location is part of a taint path.
    pub fn on_path(self) -> bool {
        !matches!(self, Self::Note)
    }
}

/// A finding in byte offsets; the LSP and CLI layers convert positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub range: Range<usize>,
    pub message: String,
    pub severity: Severity,
    pub fix: Option<Fix>,
    pub related: Vec<Related>,
    /// Made only in audit mode (`check --audit`): the data's origin is unknown (a parameter
    /// of a function no handler is seen calling, a module global, a name the file never
    /// binds). Reported one severity lower than the rule's and tagged `audit`.
    pub audit: bool,
}

impl Finding {
    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// The taint path: the source and the steps, in order (empty for other findings).
    pub fn path(&self) -> impl Iterator<Item = &Related> {
        self.related.iter().filter(|r| r.kind.on_path())
    }

    /// The path in one line, for people: "from request data `request.args` (line 12) via
    /// `name` (line 14) → `query` (line 15)". `source` is the text the finding was made for, `line_of` turns a
    /// byte offset into a 1-based line. `None` when the finding has no taint path.
    pub fn path_summary(&self, source: &str, line_of: impl Fn(usize) -> usize) -> Option<String> {
        let mut out = String::new();
        let mut steps = 0;
        for r in self.path() {
            let line = line_of(r.range.start);
            match r.kind {
                RelatedKind::Source => {
                    // "request data `request.args`", "parameter `name`": the taint's own words,
                    // or the code when they are not about it.
                    let code = source.get(r.range.clone()).unwrap_or("");
                    if r.message.contains('`') {
                        out.push_str(&format!("from {} (line {line})", r.message));
                    } else {
                        out.push_str(&format!("from `{}` (line {line})", shorten(code)));
                    }
                }
                RelatedKind::Elided => out.push_str(&format!(" → … ({})", r.message)),
                _ => {
                    out.push_str(if steps == 0 && !out.is_empty() {
                        " via "
                    } else if out.is_empty() {
                        "via "
                    } else {
                        " → "
                    });
                    steps += 1;
                    out.push_str(&format!("{} (line {line})", r.subject()));
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The same finding moved by `delta` bytes (used when reusing cached results).
    pub fn shifted(&self, delta: isize) -> Finding {
        let shift = |r: &Range<usize>| {
            (r.start as isize + delta) as usize..(r.end as isize + delta) as usize
        };
        Finding {
            rule: self.rule,
            range: shift(&self.range),
            message: self.message.clone(),
            severity: self.severity,
            audit: self.audit,
            fix: self.fix.as_ref().map(|f| Fix {
                title: f.title.clone(),
                applicability: f.applicability,
                edits: f
                    .edits
                    .iter()
                    .map(|e| Edit {
                        range: shift(&e.range),
                        content: e.content.clone(),
                    })
                    .collect(),
                imports: f.imports.clone(),
            }),
            related: self
                .related
                .iter()
                .map(|r| Related {
                    range: shift(&r.range),
                    message: r.message.clone(),
                    kind: r.kind,
                })
                .collect(),
        }
    }
}

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &security::sql_injection::RULE,
    &security::command_injection::RULE,
    &security::code_injection::RULE,
    &security::template_injection::RULE,
    &security::ldap_injection::RULE,
    &security::xpath_injection::RULE,
    &security::log_injection::RULE,
    &security::nosql_injection::RULE,
    &security::regex_injection::RULE,
    &security::unsafe_yaml_load::RULE,
    &security::unsafe_deserialization::RULE,
    &security::xml_external_entities::RULE,
    &security::ssrf::RULE,
    &security::path_traversal::RULE,
    &security::open_redirect::RULE,
    &security::xss::RULE,
    &security::mass_assignment::RULE,
    &security::host_header_injection::RULE,
    &security::csrf_disabled::RULE,
    &security::prototype_pollution::RULE,
    &security::debug_enabled::RULE,
    &security::allowed_hosts_wildcard::RULE,
    &security::insecure_cookie::RULE,
    &security::permissive_cors::RULE,
    &security::bind_all_interfaces::RULE,
    &security::insecure_file_permissions::RULE,
    &security::insecure_temp_file::RULE,
    &security::missing_security_headers::RULE,
    &security::static_files_exposure::RULE,
    &security::missing_body_limit::RULE,
    &security::trust_boundary::RULE,
    &security::cookie_flags::RULE,
    &security::error_details::RULE,
    &security::hardcoded_secret::RULE,
    &security::jwt_verification_disabled::RULE,
    &security::weak_password_hash::RULE,
    &security::timing_unsafe_comparison::RULE,
    &security::insecure_random::RULE,
    &security::jwt_without_expiry::RULE,
    &security::sensitive_jwt_payload::RULE,
    &security::secret_disclosure::RULE,
    &security::weak_hash::RULE,
    &security::weak_cipher::RULE,
    &security::weak_key_size::RULE,
    &security::tls_verification_disabled::RULE,
    &security::weak_tls_version::RULE,
    &security::cleartext_http_url::RULE,
    &security::insecure_protocol::RULE,
    &security::ssh_host_key_not_verified::RULE,
    &security::assert_for_access_control::RULE,
    &security::swallowed_security_exception::RULE,
    &security::unsafe_archive_extraction::RULE,
    &security::missing_object_authorization::RULE,
    &security::websocket_any_origin::RULE,
    &security::websocket_message_size::RULE,
    &security::graphql_schema_exposed::RULE,
    &security::graphql_unbounded_query::RULE,
    &security::graphql_batching::RULE,
    &crossfile::duplicate_route::RULE,
    &crossfile::missing_auth::RULE,
    &crossfile::missing_health_check::RULE,
    &crossfile::missing_migration::RULE,
    &crossfile::graphql_mutation_auth::RULE,
    &crossfile::websocket_auth::RULE,
    &architecture::non_restful_path::RULE,
    &architecture::state_change_on_get::RULE,
    &architecture::missing_error_handling::RULE,
    &architecture::missing_response_model::RULE,
    &architecture::missing_status_code::RULE,
    &architecture::missing_rate_limit::RULE,
    &performance::blocking_call_in_async::RULE,
    &performance::n_plus_one_query::RULE,
    &performance::unbounded_list_endpoint::RULE,
    &performance::http_call_without_timeout::RULE,
    &performance::connection_per_request::RULE,
    &performance::uncached_aggregate_read::RULE,
    &performance::unindexed_foreign_key::RULE,
    &performance::unbounded_page_size::RULE,
    &performance::graphql_resolver_n_plus_one::RULE,
    &performance::graphql_list_without_pagination::RULE,
    &performance::websocket_heartbeat::RULE,
    &performance::websocket_serial_broadcast::RULE,
    &dependencies::vulnerable_dependency::RULE,
    &advisor::model_finding::RULE,
];

pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

/// A rule by code or kebab-case name.
pub fn lookup(code_or_name: &str) -> Option<&'static Rule> {
    by_code(code_or_name).or_else(|| RULES.iter().copied().find(|r| r.name == code_or_name))
}

/// The code families, for selectors like `SEC` and for docs.
pub const FAMILIES: &[(&str, &str)] = &[
    ("SEC", "security"),
    ("ARC", "API design and architecture"),
    ("PERF", "performance and data access"),
    ("DEP", "dependencies"),
    ("ADV", "advisor"),
];
