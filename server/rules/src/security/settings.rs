//! What the configuration rules share (SEC307, SEC401–SEC404): which code is development or test
//! configuration, which modules are Django settings modules, and the settings that an assignment
//! (`DEBUG = True`, `app.config["DEBUG"] = True`) or a `config.update(...)` call makes.

use ba_syntax::NodeExt;
use tree_sitter::Node;

use crate::{Captures, Checker};
use ba_analysis::{ancestors, named_children, Binding, Lookup};

/// Words that mark development or test code in a file, class or function name (shared with
/// the file classification, which decides what a file is for).
use ba_app::classify::{words, NON_PRODUCTION_WORDS as NON_PRODUCTION};

/// The last component of a path or URI.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The directory a path's file is in (its name only).
fn parent_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).nth(1).unwrap_or("")
}

/// Whether a name has a word that marks development or test code (`local` only counts for files
/// and classes: a function such as `set_local_cookie` is ordinary code).
fn names_non_production(name: &str, function: bool) -> bool {
    words(name)
        .iter()
        .any(|w| NON_PRODUCTION.contains(&w.as_str()) && !(function && w == "local"))
}

/// Whether `path` names development or test configuration or test code, by the file
/// classification (`ba_app::classify`) from the path alone: `settings/dev.py`,
/// `local_settings.py`, `settings_dev.py`, `config/development.py`, `test_views.py`,
/// `conftest.py`, a file in `tests/`. (The engine already runs configuration rules only on
/// runtime files, judged from the content too; this answers for the path a rule is given.)
pub(crate) fn is_non_production_file(path: &str) -> bool {
    // Checks ask this for every call they match; a file's checks run on one thread with one
    // path, so the last answer per thread serves them all.
    thread_local! {
        static LAST: std::cell::RefCell<(String, bool)> = const {
            std::cell::RefCell::new((String::new(), false))
        };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != path || last.0.is_empty() {
            let answer = matches!(
                ba_app::classify::classify_path(path),
                ba_app::FileClass::Test | ba_app::FileClass::DevSettings
            );
            *last = (path.to_owned(), answer);
        }
        last.1
    })
}

/// Whether the file is a Django settings module: its name contains `settings` (or it is in a
/// `settings` package), or it assigns `INSTALLED_APPS`, `ROOT_URLCONF` or `MIDDLEWARE`.
pub(crate) fn is_settings_module(checker: &Checker) -> bool {
    file_name(checker.path)
        .to_ascii_lowercase()
        .contains("settings")
        || parent_name(checker.path).eq_ignore_ascii_case("settings")
        || ["INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE"]
            .iter()
            .any(|n| checker.semantic.bindings.contains_key(*n))
}

/// The qualified name of the callable whose result the name `ident` holds: `flask.Flask` for
/// `app` after `app = Flask(__name__)`, assigned in the enclosing function or at module level.
/// Every assignment of the name must call the same thing (assignments to `app.attr` or
/// `app[key]` do not count; other rebindings such as unpacking are not seen).
///
/// Module-level statements other than function and class definitions are part of the module
/// skeleton that keys the per-item cache, so reading them from any item keeps the cache correct.
pub(crate) fn instance_of<'a>(checker: &Checker<'a>, ident: Node<'a>) -> Option<String> {
    if ident.kind_str() != "identifier" {
        return None;
    }
    let mut names: Vec<Option<String>> = match checker.lookup(ident) {
        Lookup::Local(bindings) => bindings
            .iter()
            .filter_map(|b| match b {
                Binding::Value(v) => Some(called(*v, |f| checker.resolve(f))),
                _ => None,
            })
            .collect(),
        Lookup::Module(_) => {
            let name = checker.text(ident);
            let module = checker.item.parent()?;
            named_children(module)
                .into_iter()
                .filter(|s| s.kind_str() == "expression_statement")
                .filter_map(|s| s.named_child(0))
                .filter(|a| {
                    a.kind_str() == "assignment"
                        && a.field("left").is_some_and(|l| {
                            l.kind_str() == "identifier" && checker.text(l) == name
                        })
                })
                .filter_map(|a| a.field("right"))
                .map(|v| called(v, |f| module_resolve(checker, f)))
                .collect()
        }
        Lookup::Import(_) | Lookup::Unbound => return None,
    };
    let first = names.pop()??;
    names
        .iter()
        .all(|n| n.as_deref() == Some(first.as_str()))
        .then_some(first)
}

/// What `value` calls, if it is a call whose callee `resolve` names.
fn called<'a>(value: Node<'a>, resolve: impl Fn(Node<'a>) -> Option<String>) -> Option<String> {
    (value.kind_str() == "call")
        .then(|| value.field("function"))
        .flatten()
        .and_then(resolve)
}

/// A module-level expression's qualified name through the module's imports (no scopes apply).
fn module_resolve(checker: &Checker, node: Node) -> Option<String> {
    let _level = ba_syntax::depth::enter()?;
    match node.kind_str() {
        "identifier" => checker.semantic.imports.get(checker.text(node)).cloned(),
        "attribute" => Some(format!(
            "{}.{}",
            module_resolve(checker, node.field("object")?)?,
            checker.text(node.field("attribute")?)
        )),
        _ => None,
    }
}

/// Module functions named `run` that are not a web application's `run`
/// (`asyncio.run(main(), debug=True)` is asyncio's own debug mode).
const OTHER_RUNS: &[&str] = &[
    "asyncio.run",
    "trio.run",
    "anyio.run",
    "subprocess.run",
    "uvicorn.run",
];

/// `app.run(...)` (also `socketio.run(app, ...)`): a method `run`, but not a module function
/// such as `asyncio.run`. The receiver's class is not required: apps often come from a factory.
pub(crate) fn is_app_run<'a>(checker: &Checker<'a>, func: Node<'a>) -> bool {
    func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "run")
        && checker.resolve_callee(func, OTHER_RUNS).is_none()
}

/// Where a node sits, as far as configuration rules care.
pub(crate) struct Place<'t> {
    /// In development or test code: a file, class or function named so.
    pub non_production: bool,
    /// Under an `if` other than `if __name__ == "__main__":`: a value chosen by a condition,
    /// usually the environment (`if ENV == "dev": DEBUG = True`).
    pub conditional: bool,
    /// Inside a function or lambda.
    pub in_function: bool,
    /// The innermost enclosing class's name.
    pub class: Option<&'t str>,
}

pub(crate) fn place<'t>(checker: &Checker<'t>, node: Node<'t>) -> Place<'t> {
    let mut place = Place {
        non_production: is_non_production_file(checker.path),
        conditional: false,
        in_function: false,
        class: None,
    };
    for n in ancestors(checker.item, node) {
        match n.kind_str() {
            "function_definition" | "class_definition" => {
                let function = n.kind_str() == "function_definition";
                let name = n.field("name").map_or("", |id| checker.text(id));
                place.non_production |= names_non_production(name, function);
                if function {
                    place.in_function = true;
                } else {
                    place.class = Some(name);
                }
            }
            "lambda" => place.in_function = true,
            "if_statement" => place.conditional |= !is_main_guard(checker, n),
            _ => {}
        }
    }
    place
}

fn is_main_guard(checker: &Checker, if_statement: Node) -> bool {
    let Some(condition) = if_statement.field("condition") else {
        return false;
    };
    let text: String = checker
        .text(condition)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' { '"' } else { c })
        .collect();
    text == "__name__==\"__main__\"" || text == "\"__main__\"==__name__"
}

/// Where a setting is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SettingKind<'t> {
    /// `NAME = value` at module level.
    Module,
    /// `NAME = value` in the body of the named class (Flask's config classes).
    Class(&'t str),
    /// `X.config["NAME"] = value` or `X.config.update(NAME=value)`, anywhere.
    AppConfig,
}

/// One setting the code makes, outside development and test code and not under a condition.
pub(crate) struct Setting<'t> {
    pub name: &'t str,
    pub value: Node<'t>,
    /// The whole `NAME = value` (assignment, keyword argument or dict pair); findings point here.
    pub node: Node<'t>,
    pub kind: SettingKind<'t>,
}

fn is_app_config(checker: &Checker, node: Node) -> bool {
    node.kind_str() == "attribute"
        && node
            .field("attribute")
            .is_some_and(|a| checker.text(a) == "config")
}

/// Whether settings made at `node` count: not in development or test code, not conditional.
fn counts<'t>(checker: &Checker<'t>, node: Node<'t>) -> bool {
    let place = place(checker, node);
    !place.non_production && !place.conditional
}

/// The setting an assignment match (assignments.scm or augmented-assignments.scm) makes, if its
/// name is one of `wanted`: `NAME = value` at module level or in a class body, or
/// `X.config["NAME"] = value` anywhere.
pub(crate) fn assigned<'t>(
    checker: &Checker<'t>,
    caps: &Captures<'_, 't>,
    wanted: &[&str],
) -> Option<Setting<'t>> {
    let (target, mut value, node) = (
        caps.get("target")?,
        caps.get("value")?,
        caps.get("assignment")?,
    );
    let (name, app_config) = match target.kind_str() {
        "identifier" => (checker.text(target), false),
        "subscript" if is_app_config(checker, target.field("value")?) => {
            let key = target.field("subscript")?;
            (checker.string_value(key)?, true)
        }
        _ => return None,
    };
    if !wanted.contains(&name) {
        return None;
    }
    let place = place(checker, node);
    if place.non_production || place.conditional {
        return None;
    }
    let kind = match (app_config, place.in_function, place.class) {
        (true, _, _) => SettingKind::AppConfig,
        (false, true, _) => return None,
        (false, false, Some(class)) => SettingKind::Class(class),
        (false, false, None) => SettingKind::Module,
    };
    // `A = B = value`: both names get the innermost value.
    while value.kind_str() == "assignment" {
        value = value.field("right")?;
    }
    Some(Setting {
        name,
        value,
        node,
        kind,
    })
}

/// The settings a calls.scm match makes whose names are in `wanted`:
/// `X.config.update(NAME=value)`, `X.config.from_mapping(...)`, or either with a dict literal.
pub(crate) fn updated<'t>(
    checker: &Checker<'t>,
    caps: &Captures<'_, 't>,
    wanted: &[&str],
) -> Vec<Setting<'t>> {
    let (Some(func), Some(args)) = (caps.get("func"), caps.get("args")) else {
        return Vec::new();
    };
    let is_update = func.kind_str() == "attribute"
        && func
            .field("attribute")
            .is_some_and(|a| matches!(checker.text(a), "update" | "from_mapping"))
        && func
            .field("object")
            .is_some_and(|o| is_app_config(checker, o));
    if !is_update {
        return Vec::new();
    }
    let args = checker.arguments(args);
    let mut out = Vec::new();
    for keyword in &args.keywords {
        if let (Some(name), Some(value)) = (keyword.field("name"), keyword.field("value")) {
            out.push((checker.text(name), value, *keyword));
        }
    }
    for dict in args
        .positional
        .iter()
        .filter(|a| a.kind_str() == "dictionary")
    {
        for pair in named_children(*dict)
            .into_iter()
            .filter(|p| p.kind_str() == "pair")
        {
            if let (Some(name), Some(value)) = (
                pair.field("key").and_then(|k| checker.string_value(k)),
                pair.field("value"),
            ) {
                out.push((name, value, pair));
            }
        }
    }
    out.retain(|(name, _, _)| wanted.contains(name));
    if out.is_empty() || !counts(checker, func) {
        return Vec::new();
    }
    out.into_iter()
        .map(|(name, value, node)| Setting {
            name,
            value,
            node,
            kind: SettingKind::AppConfig,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_and_test_files() {
        for path in [
            "proj/settings/dev.py",
            "proj/local_settings.py",
            "settings_dev.py",
            "config/development.py",
            "tests/settings.py",
            "app/test_views.py",
            "conftest.py",
            "app/tests.py",
            "testsettings.py",
            "settings/local.py",
            "file:///home/u/proj/settings/testing.py",
            "C:\\proj\\settings_dev.py",
        ] {
            assert!(is_non_production_file(path), "{path}");
        }
        for path in [
            "proj/settings.py",
            "proj/settings/production.py",
            "proj/settings/base.py",
            "devices.py",
            "latest.py",
            "locale.py",
        ] {
            assert!(!is_non_production_file(path), "{path}");
        }
    }

    #[test]
    fn words_of_names() {
        assert!(names_non_production("TestingConfig", false));
        assert!(!names_non_production("ProductionConfig", false));
        assert!(names_non_production("LocalSettings", false));
        assert!(!names_non_production("set_local_cookie", true));
        assert!(names_non_production("create_test_app", true));
    }
}
