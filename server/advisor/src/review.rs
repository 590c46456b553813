//! Architecture review by an OpenAI-compatible model: the prompt (what only we know about the
//! code), the request, validation of the structured answer, and what the user sees (ADV001
//! findings and a Markdown document).

use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

use super::http::{json_request, HttpError};
use super::redact::Redactor;
use ba_config::AdvisorSettings;
use ba_rules::advisor::model_finding::RULE;
use ba_rules::{Finding, Severity};

/// A route as the prompt describes it. Filled by `context` from the handler's own code for
/// now; the application model provides it once merged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RouteEntry {
    /// `GET`, or several: `GET, POST`.
    pub method: String,
    pub path: String,
    /// How the route is protected, as far as we can tell.
    pub auth: Option<String>,
    /// Dependencies and middleware (`Depends(get_db)`, `requireAuth`).
    pub dependencies: Vec<String>,
}

/// A finding the rules already have, so the model does not repeat it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KnownFinding {
    /// 1-based.
    pub line: u32,
    pub code: String,
    pub message: String,
}

/// Everything the review request is built from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReviewContext {
    /// Workspace-relative where possible.
    pub path: String,
    pub language: String,
    /// "file", "function `get_order`", "class `Order`".
    pub target: String,
    /// The code under review, and the 1-based lines it spans in the file.
    pub code: String,
    pub first_line: u32,
    pub last_line: u32,
    pub route: Option<RouteEntry>,
    /// Data models and outbound clients the code touches.
    pub models: Vec<String>,
    pub clients: Vec<String>,
    pub findings: Vec<KnownFinding>,
}

/// One validated item of the model's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewItem {
    /// 1-based line in the file.
    pub line: u32,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub suggestion: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub summary: String,
    pub items: Vec<ReviewItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewError {
    /// `advisor.enabled` is false.
    Disabled,
    /// `api_key_env` names a variable that is not set.
    MissingKey(String),
    Http(HttpError),
    /// The model answered, but not with the review we asked for.
    Malformed(String),
}

impl fmt::Display for ReviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disabled => f.write_str(
                "the advisor is off; set `[advisor] enabled = true` (or backendArchitect.advisor.enabled) to use a model endpoint",
            ),
            Self::MissingKey(var) => write!(
                f,
                "`advisor.api_key_env` names the environment variable {var}, which is not set for the server"
            ),
            Self::Http(e) => write!(f, "{e}"),
            Self::Malformed(why) => write!(f, "the model's answer is not a usable review: {why}"),
        }
    }
}

impl std::error::Error for ReviewError {}

/// At most this many items are shown from one review.
const MAX_ITEMS: usize = 50;

const SYSTEM: &str = "You are a senior backend architect reviewing code for security, correctness, \
data access, API design and operability. You are given facts a static analyser established \
(the route, its authentication and dependencies, the data models and outbound clients the code \
touches, and findings already reported). Do not repeat those findings. Report only concrete, \
actionable problems in the code shown, each on the line it concerns. Some values are shown as \
[REDACTED]; they were removed on purpose, do not comment on them. Answer with one JSON object \
and nothing else, in exactly this shape: {\"summary\": string, \"findings\": [{\"line\": integer \
(the line number in the file, as numbered in the code block), \"severity\": \"error\" | \"warning\" \
| \"info\" | \"hint\", \"title\": string (short), \"explanation\": string (why it matters), \
\"suggestion\": string (the change to make)}]}. Use an empty findings list when there is nothing \
worth changing.";

/// The user message: the facts, then the code with line numbers.
pub fn prompt(ctx: &ReviewContext) -> String {
    let mut p = String::new();
    let _ = writeln!(
        p,
        "Review the {} in `{}` ({}).",
        ctx.target, ctx.path, ctx.language
    );
    if let Some(r) = &ctx.route {
        let _ = writeln!(p, "\nRoute: {} {}", r.method, r.path);
        let _ = writeln!(
            p,
            "Authentication: {}",
            r.auth.as_deref().unwrap_or("unknown")
        );
        if !r.dependencies.is_empty() {
            let _ = writeln!(
                p,
                "Dependencies and middleware: {}",
                r.dependencies.join(", ")
            );
        }
    }
    if !ctx.models.is_empty() {
        let _ = writeln!(p, "Data models used: {}", ctx.models.join(", "));
    }
    if !ctx.clients.is_empty() {
        let _ = writeln!(p, "Outbound clients used: {}", ctx.clients.join(", "));
    }
    if ctx.findings.is_empty() {
        let _ = writeln!(p, "\nThe static analyser reported nothing here.");
    } else {
        let _ = writeln!(
            p,
            "\nAlready reported by the static analyser (do not repeat):"
        );
        for f in &ctx.findings {
            let _ = writeln!(p, "- line {}: {} {}", f.line, f.code, f.message);
        }
    }
    let fence = if ctx.code.contains("```") {
        "~~~~"
    } else {
        "```"
    };
    let _ = writeln!(
        p,
        "\nCode (lines {}-{}):\n{fence}{}",
        ctx.first_line,
        ctx.last_line,
        ctx.language.to_ascii_lowercase()
    );
    for (i, line) in ctx.code.lines().enumerate() {
        let _ = writeln!(p, "{:>5} | {line}", ctx.first_line as usize + i);
    }
    let _ = writeln!(p, "{fence}");
    p
}

/// The Chat Completions request, with every secret masked.
pub fn request_body(settings: &AdvisorSettings, ctx: &ReviewContext, redactor: &Redactor) -> Value {
    json!({
        "model": settings.model,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": redactor.redact(&prompt(ctx))},
        ],
    })
}

/// Asks the endpoint for a review. The future can be dropped at any point to cancel: the
/// HTTP request goes with it.
pub async fn run(
    settings: &AdvisorSettings,
    ctx: &ReviewContext,
    redactor: &Redactor,
) -> Result<Review, ReviewError> {
    if !settings.enabled {
        return Err(ReviewError::Disabled);
    }
    let key = match &settings.api_key_env {
        Some(var) => match std::env::var(var) {
            Ok(k) if !k.trim().is_empty() => Some(k),
            _ => return Err(ReviewError::MissingKey(var.clone())),
        },
        None => None,
    };
    let url = format!("{}/chat/completions", settings.endpoint);
    let body = request_body(settings, ctx, redactor);
    let answer = json_request(
        &url,
        Some(&body),
        key.as_deref(),
        Duration::from_secs(settings.timeout_secs),
    )
    .await
    .map_err(ReviewError::Http)?;
    parse_answer(&answer, ctx).map_err(ReviewError::Malformed)
}

/// The JSON object inside the model's text: as is, inside a ``` fence, or between the first
/// `{` and the last `}` (models add prose despite being asked not to).
fn json_in(content: &str) -> Option<Value> {
    let t = content.trim();
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Some(v);
    }
    let start = t.find('{')?;
    let end = t.rfind('}')?;
    serde_json::from_str(t.get(start..=end)?).ok()
}

fn severity(v: Option<&Value>) -> Severity {
    let s = v.and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
    match s.as_str() {
        "critical" | "high" | "error" => Severity::Error,
        "medium" | "moderate" | "warning" | "warn" => Severity::Warning,
        "hint" | "note" => Severity::Hint,
        _ => Severity::Info,
    }
}

fn string(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or("").trim().to_owned()
}

/// Validates an OpenAI-style answer (`choices[0].message.content` holding the JSON review).
/// Lines outside the reviewed code are moved to its first line; items with neither title nor
/// explanation are dropped; an answer with no usable structure is an error.
pub fn parse_answer(answer: &Value, ctx: &ReviewContext) -> Result<Review, String> {
    let content = answer
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or("no `choices[0].message.content` in the answer")?;
    let review = json_in(content).ok_or("the content is not a JSON object")?;
    let items = review
        .get("findings")
        .and_then(Value::as_array)
        .ok_or("the JSON has no `findings` list")?;
    let mut out = Vec::new();
    for item in items.iter().take(MAX_ITEMS) {
        let title = string(item.get("title"));
        let explanation = string(item.get("explanation"));
        if title.is_empty() && explanation.is_empty() {
            continue;
        }
        let line = item
            .get("line")
            .and_then(|l| {
                l.as_u64()
                    .or_else(|| l.as_str().and_then(|s| s.trim().parse().ok()))
            })
            .map(|l| l as u32)
            .filter(|l| (ctx.first_line..=ctx.last_line).contains(l))
            .unwrap_or(ctx.first_line);
        let suggestion = string(item.get("suggestion"));
        out.push(ReviewItem {
            line,
            severity: severity(item.get("severity")),
            title: if title.is_empty() {
                explanation.chars().take(80).collect()
            } else {
                title
            },
            explanation,
            suggestion: (!suggestion.is_empty()).then_some(suggestion),
        });
    }
    if out.is_empty() && !items.is_empty() {
        return Err("no finding in the answer has a title or an explanation".to_owned());
    }
    Ok(Review {
        summary: string(review.get("summary")),
        items: out,
    })
}

/// ADV001 findings on the lines the review names (the line's text, without indentation).
pub fn findings(review: &Review, source: &str) -> Vec<Finding> {
    let mut starts = vec![0];
    starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
    review
        .items
        .iter()
        .map(|item| {
            let idx = (item.line as usize).saturating_sub(1).min(starts.len() - 1);
            let start = starts[idx];
            let end = source[start..]
                .find('\n')
                .map_or(source.len(), |i| start + i);
            let line = &source[start..end];
            let indent = line.len() - line.trim_start().len();
            let content_end = start + line.trim_end().len();
            let mut message = item.title.clone();
            if !item.explanation.is_empty() && item.explanation != item.title {
                message.push_str(": ");
                message.push_str(&item.explanation);
            }
            if let Some(s) = &item.suggestion {
                message.push_str(" Suggested: ");
                message.push_str(s);
            }
            Finding {
                rule: &RULE,
                range: (start + indent).min(content_end)..content_end,
                message,
                severity: item.severity,
                fix: None,
                related: Vec::new(),
                audit: false,
            }
        })
        .collect()
}

/// The whole review as a Markdown document.
pub fn markdown(ctx: &ReviewContext, review: &Review, model: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Review of the {} in `{}`\n", ctx.target, ctx.path);
    let _ = writeln!(md, "*By `{model}` through the backend-architect advisor. A model can be wrong: weigh each point.*\n");
    if let Some(r) = &ctx.route {
        let _ = writeln!(md, "**Route:** `{} {}`  ", r.method, r.path);
        let _ = writeln!(
            md,
            "**Authentication:** {}  ",
            r.auth.as_deref().unwrap_or("unknown")
        );
        if !r.dependencies.is_empty() {
            let _ = writeln!(md, "**Dependencies:** {}  ", r.dependencies.join(", "));
        }
        md.push('\n');
    }
    if !review.summary.is_empty() {
        let _ = writeln!(md, "## Summary\n\n{}\n", review.summary);
    }
    if review.items.is_empty() {
        md.push_str("No findings.\n");
    }
    for (i, item) in review.items.iter().enumerate() {
        let _ = writeln!(
            md,
            "## {}. {} ({}, line {})\n\n{}\n",
            i + 1,
            item.title,
            item.severity,
            item.line,
            item.explanation
        );
        if let Some(s) = &item.suggestion {
            let _ = writeln!(md, "**Suggested change:**\n\n{s}\n");
        }
    }
    md
}

/// Writes the Markdown review under `<cache>/reviews/` (never into the workspace) and
/// returns its path.
pub fn write_markdown(cache_dir: &Path, ctx: &ReviewContext, md: &str) -> std::io::Result<PathBuf> {
    let dir = cache_dir.join("reviews");
    std::fs::create_dir_all(&dir)?;
    let stem: String = Path::new(&ctx.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "review".to_owned())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = dir.join(format!("{stem}-{stamp}.md"));
    std::fs::write(&path, md)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ReviewContext {
        ReviewContext {
            path: "app.py".into(),
            language: "Python".into(),
            target: "function `get_order`".into(),
            code: "@app.get(\"/o\")\ndef get_order():\n    return db.all()\n".into(),
            first_line: 10,
            last_line: 12,
            route: Some(RouteEntry {
                method: "GET".into(),
                path: "/o".into(),
                auth: Some("none detected".into()),
                dependencies: vec![],
            }),
            findings: vec![KnownFinding {
                line: 12,
                code: "SEC101".into(),
                message: "sql".into(),
            }],
            ..Default::default()
        }
    }

    fn answer(content: &str) -> Value {
        json!({"choices": [{"message": {"role": "assistant", "content": content}}]})
    }

    #[test]
    fn prompt_carries_route_findings_and_numbered_code() {
        let p = prompt(&ctx());
        assert!(p.contains("Route: GET /o"), "{p}");
        assert!(p.contains("Authentication: none detected"), "{p}");
        assert!(p.contains("- line 12: SEC101 sql"), "{p}");
        assert!(p.contains("   11 | def get_order():"), "{p}");
    }

    #[test]
    fn answers_are_validated() {
        let c = ctx();
        let r = parse_answer(
            &answer("Sure! ```json\n{\"summary\": \"s\", \"findings\": [{\"line\": \"12\", \"severity\": \"HIGH\", \"title\": \"No auth\", \"explanation\": \"Anyone can read.\", \"suggestion\": \"Add Depends(current_user).\"}, {\"line\": 99, \"title\": \"Out of range\"}, {\"line\": 11}]}\n```"),
            &c,
        )
        .unwrap();
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].line, 12);
        assert_eq!(r.items[0].severity, Severity::Error);
        assert_eq!(
            r.items[1].line, 10,
            "an out-of-range line goes to the first line"
        );
        assert!(parse_answer(&answer("I cannot help"), &c).is_err());
        assert!(parse_answer(&json!({"error": "x"}), &c).is_err());
        assert!(parse_answer(&answer("{\"findings\": [{\"line\": 3}]}"), &c).is_err());
        assert!(
            parse_answer(&answer("{\"summary\": \"fine\", \"findings\": []}"), &c)
                .unwrap()
                .items
                .is_empty()
        );
    }

    #[test]
    fn findings_sit_on_the_named_line() {
        let source = "a = 1\n\n    x = get()\n";
        let review = Review {
            summary: String::new(),
            items: vec![ReviewItem {
                line: 3,
                severity: Severity::Warning,
                title: "T".into(),
                explanation: "E".into(),
                suggestion: None,
            }],
        };
        let f = findings(&review, source);
        assert_eq!(&source[f[0].range.clone()], "x = get()");
        assert_eq!(f[0].message, "T: E");
        assert_eq!(f[0].rule.code, "ADV001");
        let md = markdown(&ctx(), &review, "m");
        assert!(md.contains("## 1. T (warning, line 3)"), "{md}");
    }
}
