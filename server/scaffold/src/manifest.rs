//! Adding a dependency that generated code imports to the project's manifest: a line in
//! requirements.txt, an entry in pyproject's `[project] dependencies`, or in package.json's
//! `dependencies`. Text edits keep the file's own layout; a manifest whose shape is not one of
//! these is left alone (the generated file names the package to install).

use super::{FileEdit, Files, Project};
use ba_rules::Edit;

/// The edit adding `name` (with `range`, e.g. `>=0.20` or `^15.1.3`) to the project's
/// manifest, or `None` when it is already a dependency or there is no manifest to edit.
pub fn add_dependency(
    project: &Project,
    files: &dyn Files,
    name: &str,
    range: &str,
) -> Option<FileEdit> {
    add(project, files, name, range, "dependencies")
}

/// Every package of `packages` the manifest lacks, as one edit of it (the insertions merged).
pub fn add_dependencies<'p>(
    project: &Project,
    files: &dyn Files,
    packages: impl Iterator<Item = &'p (&'p str, &'p str)>,
) -> Option<FileEdit> {
    let mut manifest: Option<FileEdit> = None;
    for (name, range) in packages {
        if let Some(e) = add_dependency(project, files, name, range) {
            match &mut manifest {
                Some(m) => m.edits.extend(e.edits),
                None => manifest = Some(e),
            }
        }
    }
    let mut m = manifest?;
    m.edits = super::merge_insertions(m.edits);
    Some(m)
}

/// Node only: `name` in package.json's `devDependencies` (tools such as a load tester).
pub fn add_dev_dependency(
    project: &Project,
    files: &dyn Files,
    name: &str,
    range: &str,
) -> Option<FileEdit> {
    if !project.node {
        return None;
    }
    add(project, files, name, range, "devDependencies")
}

fn add(
    project: &Project,
    files: &dyn Files,
    name: &str,
    range: &str,
    section: &str,
) -> Option<FileEdit> {
    if project.has(name) {
        return None;
    }
    let edit = |file: &str, e: Edit| FileEdit {
        path: project.root.join(file),
        edits: vec![e],
    };
    if project.node && !project.python {
        let text = files.read(&project.root.join("package.json"))?;
        return package_json(&text, section, name, range).map(|e| edit("package.json", e));
    }
    if let Some(text) = files.read(&project.root.join("requirements.txt")) {
        let at = text.len();
        let sep = if text.is_empty() || text.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        return Some(edit(
            "requirements.txt",
            Edit {
                range: at..at,
                content: format!("{sep}{name}{range}\n"),
            },
        ));
    }
    let text = files.read(&project.root.join("pyproject.toml"))?;
    pyproject(&text, &format!("{name}{range}")).map(|e| edit("pyproject.toml", e))
}

/// package.json `scripts` entries (`name` → command), each unless a script of that name exists;
/// `None` when package.json has no multi-line `scripts` object to add them to.
pub fn add_scripts(
    project: &Project,
    files: &dyn Files,
    scripts: &[(&str, String)],
) -> Option<FileEdit> {
    let text = files.read(&project.root.join("package.json"))?;
    let mut edits = Vec::new();
    // All go first in the object, in their order (insertions at one offset keep theirs).
    for (name, command) in scripts {
        if text.contains(&format!("\"{name}\":")) {
            continue;
        }
        let command = command.replace('\\', "\\\\").replace('"', "\\\"");
        edits.push(package_json(&text, "scripts", name, &command)?);
    }
    (!edits.is_empty()).then(|| FileEdit {
        path: project.root.join("package.json"),
        edits,
    })
}

/// `"name": "range",` as the first entry of package.json's `section`, indented like the
/// entry it goes before.
fn package_json(text: &str, section: &str, name: &str, range: &str) -> Option<Edit> {
    let key = text.find(&format!("\"{section}\""))?;
    let open = key + text[key..].find('{')?;
    let after = open + 1;
    let next_line = text[after..].find('\n').map(|i| after + i + 1)?;
    if !text[after..next_line].trim().is_empty() {
        return None; // Entries on the brace's line: a one-line object, left alone.
    }
    let line = &text[next_line..];
    let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
    if line.trim_start().starts_with('}') {
        return None; // An empty object: no entry to align with.
    }
    Some(Edit {
        range: next_line..next_line,
        content: format!("{indent}\"{name}\": \"{range}\",\n"),
    })
}

/// A new last entry of `[project] dependencies = [...]` (found by `toml_edit`, with the
/// positions of its entries) when the list is written one entry per line, the last one with
/// a trailing comma: indented like that entry, before the closing bracket's line. Any other
/// layout is the user's and left alone.
fn pyproject(text: &str, requirement: &str) -> Option<Edit> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let list = doc
        .get("project")?
        .as_table_like()?
        .get("dependencies")?
        .as_array()?;
    let close = list.span()?.end.checked_sub(1)?;
    let last = list.iter().last()?.span()?;
    // The closing bracket on a line of its own.
    let close_line = text[..close].rfind('\n')? + 1;
    if !text[close_line..close].trim().is_empty() {
        return None;
    }
    // The last entry on a line of its own, indented.
    let last_line = text[..last.start].rfind('\n')? + 1;
    let indent = &text[last_line..last.start];
    if indent.is_empty() || !indent.trim().is_empty() {
        return None;
    }
    // A list without a trailing comma is the user's layout too.
    if !text[last.end..close_line].trim_start().starts_with(',') {
        return None;
    }
    let newline = if text[..close_line].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Some(Edit {
        range: close_line..close_line,
        content: format!("{indent}{},{newline}", toml_edit::Value::from(requirement)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_json_entry_goes_first_with_its_indent() {
        let t = "{\n  \"dependencies\": {\n    \"express\": \"^4\"\n  }\n}\n";
        let e = package_json(t, "dependencies", "prom-client", "^15.1.3").unwrap();
        let out = format!("{}{}{}", &t[..e.range.start], e.content, &t[e.range.end..]);
        assert!(out.contains("{\n    \"prom-client\": \"^15.1.3\",\n    \"express\""));
        assert!(package_json("{\"dependencies\": {}}", "dependencies", "x", "1").is_none());
        let one_line = "{\n  \"dependencies\": { \"a\": \"1\" },\n  \"devDependencies\": {\n    \"b\": \"1\"\n  }\n}\n";
        assert!(package_json(one_line, "dependencies", "x", "1").is_none());
    }

    #[test]
    fn pyproject_entry_goes_last() {
        let t = "[project]\nname = \"x\"\ndependencies = [\n    \"fastapi\",\n    \"uvicorn[standard]\",\n]\n";
        let e = pyproject(t, "prometheus-client>=0.20").unwrap();
        let out = format!("{}{}{}", &t[..e.range.start], e.content, &t[e.range.end..]);
        assert!(out.contains("    \"uvicorn[standard]\",\n    \"prometheus-client>=0.20\",\n]"));
        assert!(pyproject("[project]\ndependencies = [\"a\"]\n", "b").is_none());
    }

    #[test]
    fn pyproject_entry_goes_in_the_project_table_only() {
        let apply =
            |t: &str, e: Edit| format!("{}{}{}", &t[..e.range.start], e.content, &t[e.range.end..]);
        // Comments, no spaces around `=`, a `[project]` in a comment, and another table's
        // `dependencies` list before the project's; a requirement with `"` is a literal string.
        let t = "# see [project] below\n[tool.hatch.envs.test]\ndependencies = [\n  \"pytest\",\n]\n\n[project]\nname = \"x\"\ndependencies=[\n\t\"fastapi>=0.110\",  # web\n\t# \"old\",\n\t\"uvicorn[standard]\", # server\n]\n";
        let e = pyproject(t, "prometheus-client>=0.20; python_version >= \"3.9\"").unwrap();
        let out = apply(t, e);
        assert!(
            out.ends_with("\t\"uvicorn[standard]\", # server\n\t'prometheus-client>=0.20; python_version >= \"3.9\"',\n]\n"),
            "{out}"
        );
        assert!(out.contains("[tool.hatch.envs.test]\ndependencies = [\n  \"pytest\",\n]"));
        assert_eq!(
            toml_edit::Document::parse(out.as_str()).unwrap()["project"]["dependencies"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        // Windows line endings stay.
        let t = "[project]\r\ndependencies = [\r\n    \"fastapi\",\r\n]\r\n";
        assert_eq!(
            apply(t, pyproject(t, "x").unwrap()),
            "[project]\r\ndependencies = [\r\n    \"fastapi\",\r\n    \"x\",\r\n]\r\n"
        );
        // No `[project]` dependencies, an empty list, no trailing comma, not TOML: left alone.
        for t in [
            "[tool.hatch.envs.test]\ndependencies = [\n  \"pytest\",\n]\n",
            "[project]\ndependencies = [\n]\n",
            "[project]\ndependencies = [\n    \"fastapi\"\n]\n",
            "[project]\ndependencies = [\n    \"fastapi\",\n",
        ] {
            assert!(pyproject(t, "x").is_none(), "{t}");
        }
    }
}
