//! What `map` and `check --format html` hand to `ba_report`: the workspace index of the reported
//! files and their findings with the text they were computed for. Depends on neither command.

use std::path::Path;

use rayon::prelude::*;

use super::output::FileReport;
use ba_app::WorkspaceIndex;
use ba_report::map::MapOptions;
use ba_report::FileFindings;
use ba_syntax::Language;

/// Reads a file as `check` analyses it (UTF-8, without a byte order mark).
fn read(path: &Path) -> Option<String> {
    let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
    Some(match text.strip_prefix(super::fix::BOM) {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// The index of the reported files (keyed by the paths the reports show) and their findings
/// with the text they were computed for.
pub(super) fn inputs(reports: &[FileReport]) -> (WorkspaceIndex, Vec<FileFindings>) {
    let parsed: Vec<(FileFindings, Option<(Language, ba_app::FileFacts)>)> = reports
        .par_iter()
        .filter_map(|r| {
            let path = Path::new(&r.path);
            let text = read(path)?;
            let facts = Language::from_path(path).and_then(|language| {
                let tree = ba_syntax::parse::parse(language, &text, None)?;
                Some((language, ba_app::extract(language, &tree, &text, &r.path)))
            });
            Some((
                FileFindings {
                    path: r.path.clone(),
                    findings: r.findings.iter().map(|x| x.finding.clone()).collect(),
                    text,
                },
                facts,
            ))
        })
        .collect();
    let mut index = WorkspaceIndex::new();
    let mut files = Vec::with_capacity(parsed.len());
    for (file, facts) in parsed {
        if let Some((language, facts)) = facts {
            index.update(&file.path, &file.path, language, facts);
        }
        files.push(file);
    }
    (index, files)
}

/// `check --format html`: the page for these reports, with the map of the same files.
pub fn html(reports: &[FileReport], files_checked: usize) -> Result<String, String> {
    let (mut index, files) = inputs(reports);
    let map = ba_report::build(
        &mut index,
        &files,
        &MapOptions {
            expand: true,
            ..MapOptions::default()
        },
    );
    let root = std::env::current_dir().ok();
    ba_report::html::render(
        &map,
        &files,
        &ba_report::html::HtmlOptions {
            title: "backend-architect report",
            files_checked,
            root: root.as_deref(),
        },
    )
}
