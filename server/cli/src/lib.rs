//! The command line: `lsp`, `check`, `rules`, `explain`.

mod adopt;
mod cache;
mod check;
mod cross_module;
mod fix;
mod map;
mod models;
mod output;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use ba_rules::catalog;

#[derive(Parser)]
#[command(
    name = "backend-architect",
    version,
    about = "Reviews backend code like a senior architect: security findings, architecture suggestions and fixes, in your editor (LSP) and in CI."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What LSP clients append to the server's command line. stdio is the only transport, so
/// `--stdio` (vscode-languageclient's `TransportKind.stdio`, and most clients' convention) is
/// accepted and changes nothing; `--clientProcessId` is accepted the same way.
#[derive(clap::Args, Debug, Default)]
struct LspArgs {
    /// Use stdio (the default and only transport; accepted for clients that pass it).
    #[arg(long)]
    stdio: bool,
    /// The client's process id (accepted for clients that pass it; not used).
    #[arg(long = "clientProcessId", value_name = "PID")]
    client_process_id: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the language server over stdio.
    Lsp(LspArgs),
    /// Check files or directories and report findings (exit 0 clean, 1 findings, 2 error).
    Check(Box<CheckArgs>),
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Show one rule's documentation (by code or name).
    Explain { rule: String },
    /// List the detection models in effect: built-in sources, sinks, sanitizers and
    /// propagators, and the configuration's `[[models]]` rows.
    Models {
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
        /// List the source and sink kinds rows may name.
        #[arg(long)]
        kinds: bool,
        /// The configuration file (default: the nearest backend-architect.toml or pyproject.toml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Draw the system: apps, routers, routes with their auth, models and outbound clients,
    /// decorated with findings (Mermaid, Graphviz DOT or JSON).
    Map(map::MapArgs),
    /// Combine SARIF files (e.g. from `check --shard K/N` jobs) into one.
    MergeSarif {
        /// SARIF files to merge.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the merged log (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// JUnit XML, for CI systems that show test reports.
    Junit,
    /// A self-contained HTML page: summary, architecture map, findings that filter and sort.
    Html,
}

/// `--color`: when to colour the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set; `FORCE_COLOR` or `CLICOLOR_FORCE` force it.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour what goes to standard output: `--color always|never` decide; `auto`
/// follows `NO_COLOR` (off), then `FORCE_COLOR`/`CLICOLOR_FORCE` (on), then `CLICOLOR=0`,
/// and otherwise colours a terminal that supports it (anstream's rules).
pub(crate) fn colour_stdout(when: ColorWhen) -> bool {
    colour_for(when, &std::io::stdout())
}

fn colour_for<S: anstream::stream::RawStream>(when: ColorWhen, stream: &S) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
            let forced = std::env::var("FORCE_COLOR")
                .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            if set("NO_COLOR") {
                false
            } else if forced {
                true
            } else {
                anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CatalogFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory); `-` reads the text of
    /// one file from standard input.
    pub paths: Vec<PathBuf>,
    /// With `-`: the file the text on standard input is (for its language, class and
    /// configuration; default: Python).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Colour the text report and `--diff`: auto (a terminal, honouring NO_COLOR, FORCE_COLOR
    /// and CLICOLOR_FORCE), always or never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Rules to run instead of the configured ones (codes, prefixes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Rules to run in addition to the selected ones.
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Option<Vec<String>>,
    /// Rules to skip.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Option<Vec<String>>,
    /// Use this configuration file instead of discovering one per file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Audit mode: also report dangerous calls fed by data of unknown origin (parameters of
    /// functions no handler is seen calling, module globals, names the file never binds), one
    /// severity lower and tagged `audit` (JSON `"audit": true`, SARIF tag `audit`). For security
    /// reviews and CI gates; same as `audit = true` in the configuration.
    #[arg(long)]
    pub audit: bool,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Exit 1 only for findings of this severity or worse: error, warning, info or hint.
    #[arg(long, default_value = "hint")]
    pub fail_on: String,
    /// Print a count per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Check only shard K of N (e.g. `--shard 2/4`), split deterministically by path.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Analyse every file even if the results cache has it.
    #[arg(long)]
    pub no_cache: bool,
    /// Where to keep the results cache (default: `.backend-architect-cache` at the project
    /// root, beside the configuration file or `.git`; also `BACKEND_ARCHITECT_CACHE_DIR`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Apply safe fixes to the files (atomically), then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: include unsafe fixes (they change behaviour; review them).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (exit 1 if there is any).
    #[arg(long)]
    pub diff: bool,
    /// Add a suppression comment for every finding (`# noqa: CODE` at the end of a Python
    /// line, `// backend-architect: ignore[CODE]` above a JavaScript one), to adopt the tool
    /// on existing code; running it again adds nothing.
    #[arg(long, conflicts_with_all = ["fix", "diff", "write_baseline"])]
    pub add_noqa: bool,
    /// Report only findings that are not in this baseline file (matched by rule, file and the
    /// code of the line, not line numbers). Write it with `--write-baseline`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in the `--baseline` file (instead of reporting them).
    #[arg(long, requires = "baseline", conflicts_with_all = ["fix", "diff"])]
    pub write_baseline: bool,
    /// Also check dependency manifests (requirements*.txt, pyproject.toml, package.json and
    /// their lock files) for known vulnerabilities in OSV. Uses the network (`[dependencies]`
    /// sets the endpoint and cache); falls back to cached results when offline.
    #[arg(long)]
    pub deps: bool,
}

/// What the binary does next: the CLI ran a command to completion, or the user asked for the
/// language server (which lives beside the CLI, not below it; the binary starts it).
pub enum Run {
    Exited(ExitCode),
    LanguageServer,
}

/// Parses the command line and runs every command but `lsp`.
pub fn main() -> Run {
    // Every thread that walks syntax trees (here `check`'s workers and the server's workspace
    // indexing, both on rayon's global pool) needs a stack sized for the depth bound.
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .stack_size(ba_syntax::depth::STACK_SIZE)
        .build_global()
    {
        tracing::debug!("rayon pool already built: {e}");
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Run::Exited(ExitCode::from(code));
        }
    };
    Run::Exited(match cli.command {
        Command::Lsp(_) => {
            init_logging();
            return Run::LanguageServer;
        }
        Command::Check(args) => {
            init_logging();
            check::run(&args)
        }
        Command::Rules { format } => {
            let text = match format {
                CatalogFormat::Text => catalog::rules_text(),
                CatalogFormat::Json => catalog::rules_json(),
                CatalogFormat::Markdown => catalog::rules_markdown(),
            };
            print_out(&text)
        }
        Command::Map(args) => {
            init_logging();
            map::run(&args)
        }
        Command::MergeSarif { files, output } => {
            output::merge_sarif_command(&files, output.as_deref())
        }
        Command::Models {
            format,
            kinds,
            config,
        } => models::run(format, kinds, config.as_deref()),
        Command::Explain { rule } => match ba_rules::lookup(&rule) {
            Some(r) => print_out(&catalog::explain(r)),
            None => {
                eprintln!(
                    "error: no rule is called `{rule}`; `backend-architect rules` lists them"
                );
                ExitCode::from(2)
            }
        },
    })
}

/// Writes `text` to standard output. A reader that went away (`rules | head -1`) is not an
/// error: exit 0 quietly, as other command-line tools do; any other failure is exit 2.
pub(crate) fn print_out(text: &str) -> ExitCode {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr, never stdout (stdout carries the protocol or the report).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BACKEND_ARCHITECT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}
