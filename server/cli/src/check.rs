//! `backend-architect check`: the engine over files and directories, in parallel, with a
//! results cache, sharding, and the report formats CI systems read.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use rayon::prelude::*;

use super::cache::{self, Cache};
use super::fix::{self, write_atomically, write_fixes, FixMode, Fixed};
use super::output::{self, FileReport, Reported};
use super::CheckArgs;
use ba_app::FileClass;
use ba_config::{self as config, ConfigCache, Options, Settings};
use ba_engine as engine;
use ba_rules::Severity;
use ba_syntax::document::MAX_ANALYSED_BYTES;
use ba_syntax::position::LineIndex;
use ba_syntax::Language;

/// Lines longer than this are what minifiers and generators write, not what people do.
const LONG_LINE: usize = 1_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SkipKind {
    Generated,
    Binary,
    TooLarge,
    NotUtf8,
    Unreadable,
    BrokenLink,
}

/// How many generated or minified files `check` names one by one on standard error.
const GENERATED_NAMED: usize = 3;

impl SkipKind {
    fn label(self) -> &'static str {
        match self {
            SkipKind::Generated => "generated or minified",
            SkipKind::Binary => "binary",
            SkipKind::TooLarge => "too large",
            SkipKind::NotUtf8 => "not UTF-8",
            SkipKind::Unreadable => "unreadable",
            SkipKind::BrokenLink => "broken symlink",
        }
    }
}

enum Outcome {
    /// The file's report, its fixes, its class and whether any rule ran on it (no rule applies
    /// to a test or vendored file unless `include-classes` says so), whether the analysis was
    /// partial (the file nests deeper than the walks over its tree go), and why fixes were not
    /// written, if they were not.
    Report(
        FileReport,
        Option<Fixed>,
        Option<(FileClass, bool)>,
        bool,
        Option<String>,
    ),
    Skipped(SkipKind, String),
}

struct Collected {
    files: Vec<PathBuf>,
    skipped: Vec<(SkipKind, String)>,
    /// Files named on the command line that no supported language reads.
    unsupported: Vec<PathBuf>,
}

fn is_minified_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains(".min.") || n.ends_with("-min.js") || n.contains(".bundle."))
}

fn collect_files(paths: &[PathBuf]) -> Result<Collected, String> {
    let mut out = Collected {
        files: Vec::new(),
        skipped: Vec::new(),
        unsupported: Vec::new(),
    };
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(format!("{}: no such file or directory", path.display()));
        }
        if !path.exists() {
            out.skipped.push((
                SkipKind::BrokenLink,
                format!("{}: broken symlink, skipped", path.display()),
            ));
            continue;
        }
        if path.is_file() {
            if Language::from_path(path).is_some() {
                out.files.push(path.clone());
            } else {
                // Named explicitly: say so instead of dropping it (Ruff warns and goes on).
                out.unsupported.push(path.clone());
            }
            continue;
        }
        // The same walk as the editor's workspace index (gitignore, hidden files, dependencies,
        // vendored code and build output left out).
        let walker = ba_app::walker(path).build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.skipped.push((SkipKind::Unreadable, format!("{e}")));
                    continue;
                }
            };
            let Some(kind) = entry.file_type() else {
                continue;
            };
            if Language::from_path(entry.path()).is_none() {
                continue;
            }
            if kind.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(m) if m.is_file() => out.files.push(entry.into_path()),
                    Ok(_) => {}
                    Err(_) => out.skipped.push((
                        SkipKind::BrokenLink,
                        format!(
                            "{}: broken symlink, skipped",
                            entry
                                .path()
                                .strip_prefix(".")
                                .unwrap_or(entry.path())
                                .display()
                        ),
                    )),
                }
            } else if kind.is_file() {
                out.files.push(entry.into_path());
            }
        }
    }
    out.files.sort();
    out.files.dedup();
    Ok(out)
}

/// Why a file is generated or minified, if it says so: its name, a generated-code header, a
/// source map comment, or most of its text in long lines packed with code. A file with one long
/// line (a long string, say) is not: the rest of it may be anything.
fn generated_evidence(path: &Path, text: &str) -> Option<String> {
    if is_minified_name(path) {
        return Some("minified (its name says so)".to_owned());
    }
    const HEADER_MARKS: &[&str] = &[
        "@generated",
        "do not edit",
        "auto-generated",
        "autogenerated",
        "code generated",
        "generated by",
    ];
    for line in text.lines().take(10) {
        let line = line.trim_start();
        if !["#", "//", "/*", "*"].iter().any(|c| line.starts_with(c)) {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(mark) = HEADER_MARKS.iter().find(|m| lower.contains(*m)) {
            return Some(format!("generated (a `{mark}` header)"));
        }
    }
    let mut long_dense = 0usize;
    for line in text.split('\n') {
        let trimmed = line.trim_start();
        if [
            "//# sourceMappingURL=",
            "//@ sourceMappingURL=",
            "/*# sourceMappingURL=",
        ]
        .iter()
        .any(|m| trimmed.starts_with(m))
        {
            return Some("generated (a sourceMappingURL comment)".to_owned());
        }
        if line.len() > LONG_LINE && is_dense(line) {
            long_dense += line.len();
        }
    }
    // Minified code: nearly all of the file in long lines that are code, not one long string.
    (long_dense * 10 >= text.len() * 9 && long_dense > 0).then(|| {
        format!(
            "minified ({}% of it is in lines over {LONG_LINE} bytes)",
            long_dense * 100 / text.len().max(1)
        )
    })
}

/// Whether a line is packed with code punctuation, as minified code is (a long string literal
/// or comment is not).
fn is_dense(line: &str) -> bool {
    let punctuation = line
        .bytes()
        .filter(|b| matches!(b, b';' | b'{' | b'}' | b',' | b'(' | b')' | b'='))
        .count();
    punctuation * 40 >= line.len()
}

/// The cross-file findings for the checked files: from the cache when no checked file changed
/// since the run that stored them (a warm run then parses nothing), else computed from the
/// facts extracted while analysing plus a parse of the files the results cache answered.
fn cross_findings(
    jobs: &[(PathBuf, Arc<Settings>)],
    facts: Option<FactsSink>,
    cache_dir: Option<&Path>,
    key: Option<u64>,
) -> Vec<ba_engine::crossfile::FileFindings> {
    let Some(facts) = facts else {
        return Vec::new();
    };
    let key = key.filter(|_| cache_dir.is_some());
    if let Some(stored) = key
        .zip(cache_dir)
        .and_then(|(k, dir)| cache::load_cross(dir, cache::CROSS_FILE, k))
    {
        tracing::info!("cross-file findings: reused from the cache");
        return stored
            .into_iter()
            .filter_map(|(path, findings)| {
                let text = std::fs::read_to_string(&path).ok()?;
                Some(ba_engine::crossfile::FileFindings {
                    path,
                    text,
                    findings,
                })
            })
            .collect();
    }
    let computed = ba_engine::crossfile::project_findings(
        &jobs
            .iter()
            .map(|(f, s)| (f.clone(), &s.rules))
            .collect::<Vec<_>>(),
        facts.into_inner().unwrap_or_else(|e| e.into_inner()),
    );
    tracing::info!("cross-file findings: computed");
    if let Some((key, dir)) = key.zip(cache_dir) {
        let files: Vec<(PathBuf, &[ba_rules::Finding])> = computed
            .iter()
            .map(|c| (c.path.clone(), c.findings.as_slice()))
            .collect();
        cache::store_cross(dir, cache::CROSS_FILE, key, &files);
    }
    computed
}

/// Application-model facts extracted while analysing, for the cross-file pass (so it does not
/// parse those files again).
type FactsSink = std::sync::Mutex<Vec<(PathBuf, Language, ba_app::FileFacts)>>;

/// Each analysed file's calls to functions of other modules with request data, computed from
/// the analysis's own tree and semantic model (for the cross-module pass, which then parses
/// only the files the results cache answered).
pub(super) type OutgoingSink =
    std::sync::Mutex<std::collections::HashMap<PathBuf, Vec<ba_analysis::Outgoing>>>;

/// Each analysed file's imports as the cross-module return summaries read them
/// (`engine::modules::import_uses`), and whether it can hold request data, computed from the
/// analysis's own tree (so the cross-module pass parses only the modules it summarises).
pub(super) type ImportsSink =
    std::sync::Mutex<std::collections::HashMap<PathBuf, super::cross_module::Imports>>;

/// What the first analysis of each file hands to the passes over all files.
#[derive(Clone, Copy)]
struct Sinks<'a> {
    facts: Option<&'a FactsSink>,
    outgoing: Option<&'a OutgoingSink>,
    imports: Option<&'a ImportsSink>,
}

/// The project folder of each path `check` was given (absolute, deepest first): the nearest
/// folder at or above it with a project marker (`.git`, `pyproject.toml`, `setup.py`,
/// `setup.cfg`, `package.json`, a backend-architect configuration), else the working folder
/// when the path is inside it, else the path itself. File
/// classes are judged on paths inside it.
fn project_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().ok();
    let mut roots: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .map(|p| {
            let start = if p.is_dir() {
                p
            } else {
                p.parent().map(Path::to_path_buf).unwrap_or(p)
            };
            // Without a marker, the folder `check` runs in (when the path is inside it), so
            // `check vendor` still sees `vendor/…`.
            ba_app::classify::judging_root(&start)
                .or_else(|| cwd.clone().filter(|cwd| start.starts_with(cwd)))
                .unwrap_or(start)
        })
        .collect();
    roots.sort_by_key(|r| std::cmp::Reverse(r.components().count()));
    roots.dedup();
    roots
}

fn check_file(
    path: &Path,
    settings: &Settings,
    cache: Option<&Cache>,
    fixing: Option<FixMode>,
    sinks: Sinks,
    roots: &[PathBuf],
) -> Outcome {
    let Sinks {
        facts,
        outgoing,
        imports,
    } = sinks;
    let language = Language::from_path(path).expect("collected files have a language");
    let shown = path.strip_prefix(".").unwrap_or(path);
    let display = shown.display().to_string();
    // The class is judged on the path inside the project (`docs/conf.py`, not
    // `../allauth/docs/conf.py`), whatever folder `check` was started from.
    let absolute = std::path::absolute(path).ok();
    let class_path = absolute
        .as_deref()
        .and_then(|a| roots.iter().find_map(|root| a.strip_prefix(root).ok()))
        .map_or_else(|| display.clone(), |p| p.display().to_string());
    // Build output and other people's code by its path (`core/built/admin/assets/…`): left out
    // without reading it when no enabled rule applies to vendored files, so a bundle over the
    // size limit is counted with its class instead of warned about.
    // Judged on the folders alone (a neutral file name with the same extension): a minified
    // or generated file is still read and named as such below.
    let folder_class = {
        let p = Path::new(&class_path);
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("py");
        let neutral = p.with_file_name(format!("module.{ext}"));
        ba_app::classify::classify_path(&neutral.to_string_lossy())
    };
    if folder_class == FileClass::Vendored && !settings.rules.any_applies(folder_class) {
        let path_class = folder_class;
        return Outcome::Report(
            FileReport {
                path: display,
                findings: Vec::new(),
            },
            None,
            Some((path_class, false)),
            false,
            None,
        );
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Skipped(SkipKind::Unreadable, format!("{display}: cannot read: {e}"))
        }
    };
    if bytes.len() > MAX_ANALYSED_BYTES {
        return Outcome::Skipped(
            SkipKind::TooLarge,
            format!(
                "{display}: skipped, {} bytes is over the {MAX_ANALYSED_BYTES} byte limit",
                bytes.len()
            ),
        );
    }
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Outcome::Skipped(
            SkipKind::Binary,
            format!("{display}: skipped, binary content"),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Outcome::Skipped(
                SkipKind::NotUtf8,
                format!(
                    "{display}: skipped, not valid UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        }
    };
    if let Some(why) = generated_evidence(path, &text) {
        return Outcome::Skipped(SkipKind::Generated, format!("{display}: skipped, {why}"));
    }
    // One parse serves the rules and, when the cross-file pass wants them, the facts (only
    // for the text as read: files changed by `--fix` are read again by that pass).
    let extracted = std::cell::Cell::new(false);
    // The file's class, and whether any enabled rule applies to it (else nothing runs).
    let classified: std::cell::Cell<Option<(FileClass, bool)>> = std::cell::Cell::new(None);
    // Whether a walk over the tree gave up at the depth bound (then the result is not cached,
    // so every run says so).
    let partial = std::cell::Cell::new(false);
    let run = |text: &str| {
        let Some(tree) = ba_syntax::parse::parse(language, text, None) else {
            return Vec::new();
        };
        let class = ba_app::classify(&class_path, language, Some(tree.root_node()), text);
        let applies = settings.rules.any_applies(class);
        if classified.get().is_none() {
            classified.set(Some((class, applies)));
        }
        // Tests register no route the application serves (vendored routers may be mounted).
        let wants_facts = class != FileClass::Test;
        if let Some(sink) =
            facts.filter(|_| wants_facts && fixing.is_none() && !extracted.replace(true))
        {
            let key = path.to_string_lossy();
            let (mut file_facts, cut) =
                ba_syntax::depth::tracked(|| ba_app::extract_routes(language, &tree, text, &key));
            // The cross-file rules judge the file by the class its path inside the project
            // gives (`examples/…` at the project's top), as the per-file rules do.
            file_facts.class = class;
            partial.set(partial.get() || cut);
            sink.lock().unwrap_or_else(|e| e.into_inner()).push((
                path.to_path_buf(),
                language,
                file_facts,
            ));
        }
        if let Some(sink) = imports.filter(|_| fixing.is_none()) {
            let names = engine::import_names(language, text, &tree);
            let found = super::cross_module::Imports {
                uses: engine::modules::import_uses(&names, text),
                relative: super::cross_module::imports_relative(language, text),
                request_data: engine::may_have_request_data(language, text),
                candidates: engine::returning_candidates(language, text, &tree),
                returns_values: engine::may_return_values(text),
            };
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path.to_path_buf(), found);
        }
        if !applies {
            // No rule runs here, yet the cross-module pass reads the file's calls: from this
            // tree, not a second parse.
            if let Some(sink) = outgoing.filter(|_| fixing.is_none()) {
                let calls = engine::outgoing(language, text, &tree, &settings.rules);
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(path.to_path_buf(), calls);
            }
            return Vec::new();
        }
        // Rules judge the file's name inside the project, as its class does; the real path
        // finds the nearest `package.json` (from wherever `check` was started).
        let mut items = engine::ItemCache::default();
        items.project_path = Some(class_path.clone());
        items.class = Some(class);
        let real_path = path.to_string_lossy();
        let findings = engine::analyze(
            &real_path,
            language,
            text,
            &tree,
            &settings.rules,
            Some(&mut items),
        );
        partial.set(partial.get() || items.partial);
        if let Some(sink) = outgoing.filter(|_| fixing.is_none()) {
            let calls =
                engine::outgoing_cached(language, text, &tree, &settings.rules, &mut items, false);
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path.to_path_buf(), calls);
        }
        findings
    };
    let analyse = |text: &str| match cache {
        Some(c) => {
            let rules_key = settings.rules.fingerprint();
            let content = cache::content_hash(text.as_bytes());
            let key = std::path::absolute(path)
                .unwrap_or_else(|_| path.to_path_buf())
                .display()
                .to_string();
            c.get(&key, content, rules_key).unwrap_or_else(|| {
                let findings = run(text);
                if !partial.get() {
                    c.put(&key, content, rules_key, &findings);
                }
                findings
            })
        }
        None => run(text),
    };
    // What was read, to compare with the file before writing fixes over it.
    let read = fixing.filter(|m| m.write).map(|_| text.clone());
    let mut not_fixed = None;
    // The byte order mark is not code: analyse without it, write it back.
    let (bom, mut text) = match text.strip_prefix(fix::BOM) {
        Some(rest) => (fix::BOM, rest.to_owned()),
        None => ("", text),
    };
    let mut fixed = None;
    let findings = match fixing {
        None => analyse(&text),
        Some(mode) => {
            let run = fix::fix_text(&display, language, &text, mode, analyse);
            match run.fixed {
                Some((new_text, info)) if mode.write => {
                    let original = read.as_deref().unwrap_or_default().as_bytes();
                    match write_fixes(path, original, format!("{bom}{new_text}").as_bytes()) {
                        Ok(()) => {
                            text = new_text;
                            fixed = Some(info);
                            // The last round analysed the written text, unless the rounds ran
                            // out.
                            run.result.unwrap_or_else(|| analyse(&text))
                        }
                        // The file was read: its findings are reported all the same.
                        Err(e) => {
                            not_fixed = Some(format!("{display}: {e}"));
                            run.original
                        }
                    }
                }
                other => {
                    fixed = other.map(|(_, info)| info);
                    run.original
                }
            }
        }
    };
    // A results-cache hit did not parse: its class comes from the path alone.
    let class = classified.get().or_else(|| {
        let class = ba_app::classify::classify_path(&class_path);
        Some((class, settings.rules.any_applies(class)))
    });
    if findings.is_empty() {
        return Outcome::Report(
            FileReport {
                path: display,
                findings: Vec::new(),
            },
            fixed,
            class,
            partial.get(),
            not_fixed,
        );
    }
    let index = LineIndex::new(&text);
    let reported = findings
        .into_iter()
        .map(|f| Reported::new(f, &text, &index))
        .collect();
    Outcome::Report(
        FileReport {
            path: display,
            findings: reported,
        },
        fixed,
        class,
        partial.get(),
        not_fixed,
    )
}

/// `K/N` → (K-1, N).
fn parse_shard(spec: &str) -> Result<(u64, u64), String> {
    let (k, n) = spec.split_once('/').ok_or("expected K/N, e.g. 2/4")?;
    let k: u64 = k
        .trim()
        .parse()
        .map_err(|_| "K in K/N must be a whole number")?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| "N in K/N must be a whole number")?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("{spec}: K must be between 1 and N"));
    }
    Ok((k - 1, n))
}

/// The shard a file belongs to: a hash of its path, so adding a file never moves another.
fn shard_of(path: &Path, shards: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    path.to_string_lossy()
        .replace('\\', "/")
        .trim_start_matches("./")
        .hash(&mut h);
    h.finish() % shards
}

fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub fn run(args: &CheckArgs) -> ExitCode {
    run_with(args, None)
}

/// `run`, or, with `capture`, the run without its report: the reports are handed over (for
/// `map`, which draws them) and nothing is printed but warnings.
pub(super) fn run_with(args: &CheckArgs, capture: Option<&mut Vec<FileReport>>) -> ExitCode {
    let overrides = Options {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        audit: args.audit.then_some(true),
        ..Options::default()
    };
    if let Err(e) = config::Settings::from_options(&overrides, None, None) {
        return usage_error(format!(
            "--{}",
            e.to_string()
                .trim_start_matches("settings: `")
                .replacen('`', "", 1)
        ));
    }
    if args.statistics
        && !matches!(
            args.format,
            super::OutputFormat::Text | super::OutputFormat::Json
        )
    {
        return usage_error("--statistics prints text or JSON; use --format text or --format json");
    }
    let fail_on = match Severity::parse(&args.fail_on) {
        Some(s) => s,
        None => {
            return usage_error(format!(
                "--fail-on {}: expected {}",
                args.fail_on,
                Severity::NAMES
            ))
        }
    };
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage_error(format!("--shard {e}")),
    };
    if let Some(path) = &args.config {
        if !path.is_file() {
            return usage_error(format!("--config {}: no such file", path.display()));
        }
    }
    if let Some(out) = &args.output_file {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return usage_error(format!("--output-file {}", fix::missing_folder(out, dir)));
            }
        }
    }
    if let Some(baseline) = args.baseline.as_ref().filter(|_| !args.write_baseline) {
        if !baseline.is_file() {
            return usage_error(format!(
                "--baseline {}: no such file; write it first with `--write-baseline`",
                baseline.display()
            ));
        }
    }
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        if args.paths.len() > 1 {
            return usage_error("`-` (standard input) cannot be combined with other paths");
        }
        return run_stdin(args, &overrides, fail_on);
    }
    if args.stdin_filename.is_some() {
        return usage_error("--stdin-filename names the text read from `-`; pass `-` as the path");
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let collected = match collect_files(&paths) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let roots = project_roots(&paths);
    for path in &collected.unsupported {
        eprintln!(
            "warning: {}: not a file backend-architect checks (.py, .pyi, .js, .mjs, .cjs, .jsx, \
             .ts, .mts, .cts, .tsx); skipped",
            path.display()
        );
    }
    if collected.files.is_empty() && collected.skipped.is_empty() {
        eprintln!("warning: no Python, JavaScript or TypeScript files found under the given paths");
    }
    let configs = ConfigCache::default();
    let explicit = args
        .config
        .as_ref()
        // Absolute, so globs (`exclude`, `per-file-ignores`) are relative to its folder.
        .map(|c| {
            config::file::resolve(
                Some(&std::path::absolute(c).unwrap_or(c.clone())),
                &overrides,
            )
        });
    // Resolve settings per file first, so a config error stops the run before any output.
    let mut jobs: Vec<(PathBuf, Arc<Settings>)> = Vec::with_capacity(collected.files.len());
    for file in collected.files {
        if let Some((_, n)) = shard {
            if shard_of(&file, n) != shard.map_or(0, |s| s.0) {
                continue;
            }
        }
        let abs = std::path::absolute(&file).unwrap_or_else(|_| file.clone());
        let (settings, error) = match (&explicit, &args.config) {
            (Some(resolved), Some(path)) => configs.for_file(path, resolved.clone(), &abs),
            _ => configs.settings_for(&abs, &overrides),
        };
        if let Some(e) = error {
            return usage_error(e);
        }
        if !settings.is_excluded(&abs) {
            jobs.push((file, settings));
        }
    }

    let cache_dir = (!args.no_cache).then(|| cache::locate(args.cache_dir.as_deref(), &paths));
    let cache = cache_dir.as_deref().map(Cache::open);
    let progress = (std::io::stderr().is_terminal() && jobs.len() > 200).then(|| {
        let bar = indicatif::ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} checking {pos}/{len} files {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let fixing = (args.fix || args.diff).then_some(FixMode {
        write: args.fix && !args.diff,
        diff: args.diff,
        unsafe_fixes: args.unsafe_fixes,
    });
    let cross_enabled =
        ba_engine::crossfile::any_enabled(&jobs.iter().map(|(_, s)| &s.rules).collect::<Vec<_>>());
    let facts = cross_enabled.then(FactsSink::default);
    let outgoing = fixing.is_none().then(OutgoingSink::default);
    let imports = fixing.is_none().then(ImportsSink::default);
    // Largest files first: a big file picked up last would keep one thread busy while the
    // others idle. Reports keep the path order.
    let mut order: Vec<(u64, usize)> = jobs
        .iter()
        .enumerate()
        .map(|(i, (f, _))| (std::fs::metadata(f).map_or(0, |m| m.len()), i))
        .collect();
    order.sort_by(|a, b| b.cmp(a));
    let started = std::time::Instant::now();
    let mut outcomes: Vec<(usize, Outcome)> = order
        .par_iter()
        .map(|&(_, i)| {
            let (f, s) = &jobs[i];
            let outcome = check_file(
                f,
                s,
                cache.as_ref(),
                fixing,
                Sinks {
                    facts: facts.as_ref(),
                    outgoing: outgoing.as_ref(),
                    imports: imports.as_ref(),
                },
                &roots,
            );
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            (i, outcome)
        })
        .collect();
    outcomes.sort_by_key(|(i, _)| *i);
    tracing::info!("{} files analysed in {:?}", jobs.len(), started.elapsed());
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(cache) = cache {
        tracing::info!(
            "results cache: {} of {} files reused",
            cache.hits(),
            jobs.len()
        );
        if let Err(e) = cache.save() {
            eprintln!("warning: could not write the results cache: {e}");
        }
    }

    // The key of the results over all files (every checked file's path, content and rules),
    // for the cross-module and cross-file passes' caches.
    let cross_key = (cache_dir.is_some() && fixing.is_none()).then(|| {
        cache::cross_key(
            jobs.iter()
                .map(|(f, s)| (f.as_path(), s.rules.fingerprint())),
        )
    });
    // Request data passed to functions of other modules: the callee files are analysed again
    // with it (not under --fix/--diff, whose rounds analyse one file at a time).
    if fixing.is_none() {
        let analysed: Vec<(&Path, &Settings)> = outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Report(..)))
            .map(|(i, _)| (jobs[*i].0.as_path(), &*jobs[*i].1))
            .collect();
        let known = outgoing
            .map(|o| o.into_inner().unwrap_or_else(|e| e.into_inner()))
            .unwrap_or_default();
        let started = std::time::Instant::now();
        let imports = imports
            .map(|o| o.into_inner().unwrap_or_else(|e| e.into_inner()))
            .unwrap_or_default();
        // Over an unchanged tree the last run's results stand (the files the results cache
        // answered would otherwise be parsed again here for their calls and imports).
        let dir = cache_dir.as_deref();
        let stored = cross_key
            .zip(dir)
            .and_then(|(k, d)| cache::load_cross(d, cache::MODULES_FILE, k));
        let raw = match stored {
            Some(stored) => stored.into_iter().collect(),
            None => {
                let raw = super::cross_module::reports(&analysed, known, imports);
                if let Some((k, d)) = cross_key.zip(dir) {
                    let files: Vec<(PathBuf, &[ba_rules::Finding])> =
                        raw.iter().map(|(p, f)| (p.clone(), f.as_slice())).collect();
                    cache::store_cross(d, cache::MODULES_FILE, k, &files);
                }
                raw
            }
        };
        let mut updated = super::cross_module::file_reports(raw);
        tracing::info!(
            "cross-module taint: {} files analysed again in {:?}",
            updated.len(),
            started.elapsed()
        );
        if !updated.is_empty() {
            for (i, outcome) in outcomes.iter_mut() {
                if let Outcome::Report(report, ..) = outcome {
                    if let Some(new) = updated.remove(&jobs[*i].0) {
                        *report = new;
                    }
                }
            }
        }
    }
    let mut reports = Vec::new();
    // Cross-file rules (routes across files) run over the index of the checked files.
    let started = std::time::Instant::now();
    let cross = cross_findings(
        &jobs,
        facts,
        cache_dir.as_deref().filter(|_| fixing.is_none()),
        cross_key,
    );
    tracing::info!("cross-file rules in {:?}", started.elapsed());
    let mut skipped = collected.skipped;
    let mut fixes: Vec<(String, Fixed)> = Vec::new();
    // Files per class: (checked with some rules, left out because no rule applies).
    let mut classes: std::collections::BTreeMap<FileClass, (usize, usize)> = Default::default();
    let mut partial = Vec::new();
    let mut unfixed: Vec<(String, String)> = Vec::new();
    for (_, outcome) in outcomes {
        match outcome {
            Outcome::Report(r, fixed, class, cut, not_fixed) => {
                if let Some(f) = fixed {
                    fixes.push((r.path.clone(), f));
                }
                if let Some(why) = not_fixed {
                    unfixed.push((r.path.clone(), why));
                }
                if cut {
                    partial.push(r.path.clone());
                }
                let (class, applies) = class.unwrap_or((FileClass::Runtime, true));
                let entry = classes.entry(class).or_default();
                if applies {
                    entry.0 += 1;
                } else {
                    entry.1 += 1;
                }
                reports.push(r);
            }
            Outcome::Skipped(kind, msg) => skipped.push((kind, msg)),
        }
    }
    for c in cross {
        let display = c
            .path
            .strip_prefix(".")
            .unwrap_or(&c.path)
            .display()
            .to_string();
        let index = LineIndex::new(&c.text);
        let extra = c
            .findings
            .into_iter()
            .map(|f| Reported::new(f, &c.text, &index));
        match reports
            .iter_mut()
            .find(|r: &&mut FileReport| r.path == display)
        {
            Some(r) => {
                r.findings.extend(extra);
                r.findings
                    .sort_by_key(|x| (x.finding.range.start, x.finding.rule.code));
            }
            None => reports.push(FileReport {
                path: display,
                findings: extra.collect(),
            }),
        }
    }
    if args.deps {
        let explicit_settings = explicit.as_ref().map(|(s, _)| s.clone());
        dependency_reports(
            &paths,
            explicit_settings,
            &configs,
            &overrides,
            &mut reports,
        );
    }
    if args.add_noqa {
        let (added, files, problems) = super::adopt::add_noqa_to_files(&reports);
        for p in &problems {
            eprintln!("warning: {p}");
        }
        eprintln!(
            "Added {added} suppression {} to {files} {}.",
            if added == 1 { "comment" } else { "comments" },
            if files == 1 { "file" } else { "files" }
        );
        return if problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    if let Some(baseline) = &args.baseline {
        if args.write_baseline {
            return match super::adopt::write_baseline(baseline, &reports) {
                Ok(n) => {
                    eprintln!(
                        "Wrote {n} {} to the baseline {}.",
                        if n == 1 { "finding" } else { "findings" },
                        baseline.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => usage_error(format!("cannot write the baseline: {e}")),
            };
        }
        match super::adopt::apply_baseline(baseline, &mut reports) {
            Ok(0) => {}
            Ok(n) => eprintln!(
                "Left out {n} {} recorded in the baseline {}.",
                if n == 1 { "finding" } else { "findings" },
                baseline.display()
            ),
            Err(e) => return usage_error(e),
        }
    }
    if args.diff {
        // The patch is the report: print it and say how many fixes it holds.
        let mut patch: String = fixes.iter().filter_map(|(_, f)| f.diff.clone()).collect();
        if super::colour_stdout(args.color) {
            patch = output::colour_diff(&patch);
        }
        let count: usize = fixes.iter().map(|(_, f)| f.codes.len()).sum();
        if let Err(e) = std::io::stdout()
            .lock()
            .write_all(patch.as_bytes())
            .or_else(quiet_pipe)
        {
            return usage_error(format!("cannot write the diff: {e}"));
        }
        eprintln!(
            "Would fix {count} {} in {} {}.",
            if count == 1 { "finding" } else { "findings" },
            fixes.len(),
            if fixes.len() == 1 { "file" } else { "files" }
        );
        return if count > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    for (path, f) in &fixes {
        eprintln!("Fixed {path}: {}", fix::summary(&f.codes));
        if !f.converged {
            eprintln!(
                "warning: {path}: fixes still applied after {} rounds; stopped there",
                fix::MAX_ITERATIONS
            );
        }
    }
    if !fixes.is_empty() {
        let count: usize = fixes.iter().map(|(_, f)| f.codes.len()).sum();
        eprintln!(
            "Fixed {count} {} in {} {}.",
            if count == 1 { "finding" } else { "findings" },
            fixes.len(),
            if fixes.len() == 1 { "file" } else { "files" }
        );
    }
    skipped.sort();
    // Every file left out, and every file analysed only in part, by name and why: a file CI
    // did not read must not look like a file that passed.
    // Generated and minified files are skipped on purpose and a Django project has hundreds
    // (every migration says "Generated by Django"): a handful are named, more are counted
    // (the JSON and SARIF notices still name each one).
    let generated = skipped
        .iter()
        .filter(|(k, _)| *k == SkipKind::Generated)
        .count();
    for (kind, msg) in &skipped {
        if *kind != SkipKind::Generated || generated <= GENERATED_NAMED {
            eprintln!("warning: {msg}");
        }
    }
    if generated > GENERATED_NAMED {
        eprintln!(
            "warning: skipped {generated} generated or minified files (a `generated by` header, a source map, or minified code); `--format json` names each one"
        );
    }
    for (_, why) in &unfixed {
        eprintln!("warning: {why}");
    }
    let partial: Vec<(String, String)> = partial
        .into_iter()
        .map(|path| {
            let msg = format!(
                "{path}: analysed in part: it nests deeper than {} levels, so findings in its \
                 deepest code may be missing",
                ba_syntax::depth::MAX_DEPTH
            );
            eprintln!("warning: {msg}");
            (path, msg)
        })
        .collect();
    let notices: Vec<output::Notice> = skipped
        .iter()
        .map(|(_, msg)| output::Notice {
            // The messages start with the path, except the walker's own errors.
            path: msg
                .split(": ")
                .next()
                .filter(|p| Path::new(p).exists())
                .map(str::to_owned),
            message: msg.clone(),
        })
        .chain(
            partial
                .into_iter()
                .chain(unfixed)
                .map(|(path, message)| output::Notice {
                    path: Some(path),
                    message,
                }),
        )
        .collect();
    let checked = reports.len();
    if let Some(capture) = capture {
        *capture = reports;
        return ExitCode::SUCCESS;
    }
    let rendered = match render(args, &reports, checked, &notices, &classes) {
        Ok(text) => text,
        Err(e) => return usage_error(e),
    };
    if !skipped.is_empty() && args.format == super::OutputFormat::Text {
        let mut counts: Vec<(SkipKind, usize)> = Vec::new();
        for (kind, _) in &skipped {
            match counts.iter_mut().find(|(k, _)| k == kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((*kind, 1)),
            }
        }
        let parts: Vec<String> = counts
            .iter()
            .map(|(k, n)| format!("{n} {}", k.label()))
            .collect();
        eprintln!(
            "Skipped {} {}: {}.",
            skipped.len(),
            if skipped.len() == 1 { "file" } else { "files" },
            parts.join(", ")
        );
    }
    let left_out: Vec<String> = classes
        .iter()
        .filter(|(_, (_, out))| *out > 0)
        .map(|(class, (_, out))| format!("{out} {}", class.name()))
        .collect();
    if !left_out.is_empty() && args.format == super::OutputFormat::Text && !args.statistics {
        let n = classes.values().map(|c| c.1).sum::<usize>();
        eprintln!(
            "Left out {n} {} no enabled rule applies to: {} (`include-classes` turns a class back on).",
            if n == 1 { "file" } else { "files" },
            left_out.join(", ")
        );
    }
    if let Err(e) = emit(args, &rendered) {
        return usage_error(format!("cannot write the report: {e}"));
    }
    exit_code(&reports, fail_on, args.exit_zero)
}

/// `check -`: the text on standard input, checked as the file `--stdin-filename` names (its
/// language, class and configuration; Python when no name is given). What editors and
/// pre-commit wrappers use. With `--fix` the fixed text goes to standard output and the report
/// to standard error (as Ruff does); with `--diff` the patch goes to standard output.
fn run_stdin(args: &CheckArgs, overrides: &Options, fail_on: Severity) -> ExitCode {
    use std::io::Read as _;
    if args.add_noqa || args.write_baseline {
        return usage_error("--add-noqa and --write-baseline work on files, not standard input");
    }
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let language = match &args.stdin_filename {
        Some(p) => match Language::from_path(p) {
            Some(l) => l,
            None => {
                return usage_error(format!(
                    "--stdin-filename {}: not a file backend-architect checks (.py, .js, .ts…)",
                    p.display()
                ))
            }
        },
        None => Language::Python,
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        return usage_error(format!("cannot read standard input: {e}"));
    }
    let Ok(input) = String::from_utf8(bytes) else {
        return usage_error("standard input is not valid UTF-8");
    };
    let abs = std::path::absolute(&name).unwrap_or_else(|_| name.clone());
    let configs = ConfigCache::default();
    let (settings, error) = match &args.config {
        Some(c) => {
            let c = std::path::absolute(c).unwrap_or_else(|_| c.clone());
            let resolved = config::file::resolve(Some(&c), overrides);
            configs.for_file(&c, resolved, &abs)
        }
        None => configs.settings_for(&abs, overrides),
    };
    if let Some(e) = error {
        return usage_error(e);
    }
    let display = name
        .strip_prefix(".")
        .unwrap_or(&name)
        .display()
        .to_string();
    let (bom, text) = match input.strip_prefix(fix::BOM) {
        Some(rest) => (fix::BOM, rest),
        None => ("", input.as_str()),
    };
    let excluded = settings.is_excluded(&abs);
    let analyse = |text: &str| -> Vec<ba_rules::Finding> {
        if excluded {
            return Vec::new();
        }
        let Some(tree) = ba_syntax::parse::parse(language, text, None) else {
            return Vec::new();
        };
        let class = ba_app::classify(&display, language, Some(tree.root_node()), text);
        if !settings.rules.any_applies(class) {
            return Vec::new();
        }
        engine::analyze(&display, language, text, &tree, &settings.rules, None)
    };
    let fixing = (args.fix || args.diff).then_some(FixMode {
        write: false,
        diff: args.diff,
        unsafe_fixes: args.unsafe_fixes,
    });
    let (findings, report_text) = match fixing {
        None => (analyse(text), text.to_owned()),
        Some(mode) => {
            let run = fix::fix_text(&display, language, text, mode, analyse);
            let mut out = std::io::stdout().lock();
            if args.diff {
                let (patch, count) = match &run.fixed {
                    Some((_, f)) => (f.diff.clone().unwrap_or_default(), f.codes.len()),
                    None => (String::new(), 0),
                };
                let patch = if super::colour_stdout(args.color) {
                    output::colour_diff(&patch)
                } else {
                    patch
                };
                if let Err(e) = out.write_all(patch.as_bytes()).or_else(quiet_pipe) {
                    return usage_error(format!("cannot write the diff: {e}"));
                }
                eprintln!(
                    "Would fix {count} {}.",
                    if count == 1 { "finding" } else { "findings" }
                );
                return ExitCode::from(u8::from(count > 0));
            }
            let (fixed_text, findings) = match run.fixed {
                Some((new_text, info)) => {
                    eprintln!("Fixed {display}: {}", fix::summary(&info.codes));
                    let left = run.result.unwrap_or_else(|| analyse(&new_text));
                    (new_text, left)
                }
                None => (text.to_owned(), run.original),
            };
            // The whole text, fixed or not: the caller replaces its buffer with it.
            if let Err(e) = out.write_all(format!("{bom}{fixed_text}").as_bytes()) {
                return usage_error(format!("cannot write the fixed text: {e}"));
            }
            (findings, fixed_text)
        }
    };
    let index = LineIndex::new(&report_text);
    let mut reports = vec![FileReport {
        path: display,
        findings: findings
            .into_iter()
            .map(|f| Reported::new(f, &report_text, &index))
            .collect(),
    }];
    if let Some(baseline) = &args.baseline {
        if let Err(e) = super::adopt::apply_baseline(baseline, &mut reports) {
            return usage_error(e);
        }
    }
    let checked = usize::from(!excluded);
    let class = ba_app::classify::classify_path(&reports[0].path);
    let classes = [(class, (checked, 0))].into_iter().collect();
    let rendered = match render(args, &reports, checked, &[], &classes) {
        Ok(text) => text,
        Err(e) => return usage_error(e),
    };
    let written = if fixing.is_some() && args.output_file.is_none() {
        // Standard output carries the fixed text.
        std::io::stderr()
            .lock()
            .write_all(rendered.as_bytes())
            .map_err(|e| e.to_string())
    } else {
        emit(args, &rendered)
    };
    if let Err(e) = written {
        return usage_error(format!("cannot write the report: {e}"));
    }
    exit_code(&reports, fail_on, args.exit_zero)
}

/// The report in the format asked for (`--statistics`: the counts instead of the findings).
fn render(
    args: &CheckArgs,
    reports: &[FileReport],
    checked: usize,
    notices: &[output::Notice],
    classes: &std::collections::BTreeMap<FileClass, (usize, usize)>,
) -> Result<String, String> {
    if args.statistics {
        return Ok(match args.format {
            super::OutputFormat::Json => {
                let rows: Vec<(&'static str, usize, usize)> = classes
                    .iter()
                    .map(|(class, (checked, out))| (class.name(), *checked, *out))
                    .collect();
                output::statistics_json(reports, checked, &rows)
            }
            // Other formats are refused before the run.
            _ => {
                let mut out = output::statistics_text(reports, checked);
                out.push_str(&class_statistics(classes));
                out
            }
        });
    }
    Ok(match args.format {
        super::OutputFormat::Text => {
            // Findings one per line for pipes and files (what scripts and editors parse), with
            // the source under each on a terminal.
            let tty = args.output_file.is_none() && std::io::stdout().is_terminal();
            let colour = args.output_file.is_none() && super::colour_stdout(args.color);
            output::text(
                reports,
                checked,
                output::TextStyle {
                    frames: tty,
                    colour,
                },
            )
        }
        super::OutputFormat::Json => output::json(reports),
        super::OutputFormat::Sarif => output::sarif(reports, notices),
        super::OutputFormat::Github => output::github(reports),
        super::OutputFormat::Junit => output::junit(reports, checked),
        super::OutputFormat::Html => super::report::html(reports, checked)?,
    })
}

/// Writes the report to `--output-file` (atomically) or standard output. A closed pipe
/// (`check | head`) is not an error: the reader has what it wanted.
fn emit(args: &CheckArgs, rendered: &str) -> Result<(), String> {
    match &args.output_file {
        Some(path) => write_atomically(path, rendered.as_bytes()),
        None => std::io::stdout()
            .lock()
            .write_all(rendered.as_bytes())
            .or_else(quiet_pipe)
            .map_err(|e| e.to_string()),
    }
}

/// A closed pipe (`check | head`) is not an error: the reader has what it wanted.
fn quiet_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

/// 1 when a finding is at least as severe as `--fail-on` (unless `--exit-zero`), else 0.
fn exit_code(reports: &[FileReport], fail_on: Severity, exit_zero: bool) -> ExitCode {
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|r| r.finding.severity <= fail_on);
    if failing && !exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--statistics`: files per class, checked or left out because no enabled rule applies to the
/// class (tests and vendored code by default; `include-classes` turns a class back on).
fn class_statistics(classes: &std::collections::BTreeMap<FileClass, (usize, usize)>) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\nFiles by class:\n");
    for class in FileClass::ALL {
        let (checked, left_out) = classes.get(&class).copied().unwrap_or_default();
        if checked + left_out == 0 {
            continue;
        }
        let _ = write!(out, "{:>6}  {:<13}", checked + left_out, class.name());
        match (checked, left_out) {
            (_, 0) if class == FileClass::Runtime => out.push_str("checked with every rule\n"),
            (_, 0) => out.push_str("checked with the rules that apply to the class\n"),
            (0, _) => out.push_str("skipped: no enabled rule applies to the class\n"),
            (c, n) => {
                let _ = writeln!(out, "{c} checked, {n} skipped");
            }
        }
    }
    out
}

/// `--deps`: DEP001 findings for the manifests under `paths` (the logic is in `advisor::deps`).
fn dependency_reports(
    paths: &[PathBuf],
    explicit: Option<Arc<Settings>>,
    configs: &ConfigCache,
    overrides: &Options,
    reports: &mut Vec<FileReport>,
) {
    use ba_advisor::deps;
    // Manifests grouped by their `[dependencies]` settings (endpoint, cache TTL).
    let mut groups: Vec<(ba_config::DependencySettings, Vec<(PathBuf, String)>)> = Vec::new();
    for path in deps::find_manifests(paths) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("warning: {}: cannot read: {e}", path.display());
                continue;
            }
        };
        let abs = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
        let settings = explicit
            .clone()
            .unwrap_or_else(|| configs.settings_for(&abs, overrides).0);
        if settings.is_excluded(&abs) {
            continue;
        }
        let dep = settings.dependencies.clone();
        match groups.iter_mut().find(|(s, _)| *s == dep) {
            Some((_, list)) => list.push((path, text)),
            None => groups.push((dep, vec![(path, text)])),
        }
    }
    let cache_dir = ba_advisor::cache_dir();
    for (settings, manifests) in groups {
        let report = deps::check_blocking(&manifests, &settings, cache_dir.as_deref());
        if let Some(notice) = &report.notice {
            eprintln!("warning: {notice}");
        }
        for e in &report.errors {
            eprintln!("warning: {e}");
        }
        for file in report.files {
            let display = file
                .path
                .strip_prefix(".")
                .unwrap_or(&file.path)
                .display()
                .to_string();
            let index = LineIndex::new(&file.text);
            let findings = file
                .findings
                .into_iter()
                .map(|f| Reported::new(f, &file.text, &index))
                .collect();
            reports.push(FileReport {
                path: display,
                findings,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_files() {
        assert_eq!(parse_shard("2/4"), Ok((1, 4)));
        assert!(
            parse_shard("0/4").is_err() && parse_shard("5/4").is_err() && parse_shard("x").is_err()
        );
        let files: Vec<PathBuf> = (0..200)
            .map(|i| PathBuf::from(format!("src/m{i}.py")))
            .collect();
        let mut counts = [0; 4];
        for f in &files {
            counts[shard_of(f, 4) as usize] += 1;
        }
        assert_eq!(counts.iter().sum::<i32>(), 200);
        assert!(counts.iter().all(|c| *c > 20), "{counts:?}");
        assert_eq!(
            shard_of(Path::new("./src/m1.py"), 4),
            shard_of(Path::new("src/m1.py"), 4)
        );
    }
}
