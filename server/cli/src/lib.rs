//! The command line: `lsp`, `check`, `rules`, `explain`.

mod cache;
mod check;
mod cross_module;
mod fix;
mod map;
mod models;
mod output;

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
    Check(CheckArgs),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CatalogFormat {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
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
    #[arg(long, short = 'o')]
    pub output_file: Option<PathBuf>,
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
    /// Apply safe fixes to the files (atomically), then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff: include unsafe fixes (they change behaviour; review them).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (exit 1 if there is any).
    #[arg(long)]
    pub diff: bool,
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
            print!("{text}");
            ExitCode::SUCCESS
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
            Some(r) => {
                print!("{}", catalog::explain(r));
                ExitCode::SUCCESS
            }
            None => {
                eprintln!(
                    "error: no rule is called `{rule}`; `backend-architect rules` lists them"
                );
                ExitCode::from(2)
            }
        },
    })
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
