//! `backend-architect map`: `check`'s analysis of the paths, then the run's reports and the
//! workspace index of the same files (`report::inputs`) handed to `ba_report` to draw.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

use ba_report::map::{MapOptions, DEFAULT_COLLAPSE};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    /// A Mermaid flowchart (GitHub and GitLab render it in Markdown).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg map.dot > map.svg`).
    Dot,
    /// The map as data (schema `backend-architect/map/v1`, see docs/map.md).
    Json,
    /// An SVG picture laid out by backend-architect itself (no Graphviz needed), the one the
    /// HTML report shows.
    Svg,
}

#[derive(clap::Args, Debug)]
pub struct MapArgs {
    /// Files or directories to map (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = MapFormat::Mermaid)]
    pub format: MapFormat,
    /// Only this neighbourhood: a route path (`/users`, `"GET /users/{id}"`), a file or
    /// directory (`app/routers/users.py`), or a handler, resolver or socket endpoint name.
    #[arg(long, value_name = "PATH_OR_ROUTE")]
    pub focus: Option<String>,
    /// Draw every handler, however many (by default each resource, GraphQL schema and
    /// WebSocket endpoint becomes one node above --collapse-over handlers).
    #[arg(long)]
    pub expand: bool,
    /// Draw resources, schemas and endpoints as single nodes when the map has more handlers
    /// (routes, resolvers, socket handlers) than this.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_COLLAPSE)]
    pub collapse_over: usize,
    /// Use this configuration file instead of discovering one per file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write the map to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The `check` arguments for the same files: parsed from a command line, so every option keeps
/// the default `check` gives it.
fn check_args(args: &MapArgs) -> Result<super::CheckArgs, String> {
    let mut argv: Vec<std::ffi::OsString> = vec!["backend-architect".into(), "check".into()];
    argv.push("--exit-zero".into());
    if let Some(c) = &args.config {
        argv.push("--config".into());
        argv.push(c.clone().into_os_string());
    }
    argv.push("--".into());
    argv.extend(args.paths.iter().map(|p| p.clone().into_os_string()));
    match super::Cli::try_parse_from(argv) {
        Ok(super::Cli {
            command: super::Command::Check(c),
        }) => Ok(*c),
        Ok(_) => Err("internal error: not a check command".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

pub fn run(args: &MapArgs) -> ExitCode {
    let check = match check_args(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reports = Vec::new();
    let code = super::check::run_with(&check, Some(&mut reports));
    if code != ExitCode::SUCCESS {
        return code;
    }
    let (mut index, files) = super::report::inputs(&reports);
    let map = ba_report::build(
        &mut index,
        &files,
        &MapOptions {
            focus: args.focus.clone(),
            expand: args.expand,
            collapse_over: args.collapse_over,
            root: None,
        },
    );
    if args.focus.is_some()
        && map.summary.routes + map.summary.resolvers + map.summary.socket_handlers == 0
    {
        eprintln!(
            "warning: --focus {}: no route, file or handler of the map matches",
            args.focus.as_deref().unwrap_or_default()
        );
    }
    let text = match args.format {
        MapFormat::Mermaid => ba_report::render::mermaid(&map),
        MapFormat::Dot => ba_report::render::dot(&map),
        MapFormat::Json => ba_report::render::json(&map),
        MapFormat::Svg => match ba_report::svg::standalone(&map) {
            Some(svg) => svg,
            None => {
                eprintln!(
                    "error: map --format svg: nothing to draw, or more than {} nodes (use --focus, or a smaller --collapse-over)",
                    ba_report::svg::MAX_NODES
                );
                return ExitCode::from(2);
            }
        },
    };
    let written = match &args.output {
        Some(path) => super::fix::write_atomically(path, text.as_bytes()),
        None => {
            use std::io::Write;
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the map: {e}");
            ExitCode::from(2)
        }
    }
}
