//! A test for a route handler: pytest with FastAPI's `TestClient` or Flask's test client,
//! Django's test client, or Jest/Vitest with supertest (whichever package.json has).

use ba_syntax::NodeExt;
use std::path::Path;

use tree_sitter::Node;

use super::routes::Handler;
use super::{
    app_object, err, free_path, named_children, python_module, relative_specifier, snake, text,
    Files, Framework, JsRunner, Output, Project, Result, Source, Style,
};
use ba_syntax::{Family, Language};

/// Whether `test` is offered on this framework's handlers.
pub fn supports(framework: Framework) -> bool {
    framework == Framework::Express || PY_KITS.iter().any(|k| k.framework == framework)
}

pub fn generate(src: &Source, h: &Handler, project: &Project, files: &dyn Files) -> Result<Output> {
    let style = Style::detect(src);
    if PY_KITS.iter().any(|k| k.framework == h.framework) {
        return python(src, h, project, files, &style);
    }
    match h.framework {
        Framework::Express => express(src, h, project, files, &style),
        _ => err(format!(
            "{} handlers have no test generator yet",
            h.framework.name()
        )),
    }
}

fn function<'t>(src: &'t Source, h: &Handler) -> Option<Node<'t>> {
    src.tree
        .root_node()
        .descendant_for_byte_range(h.function.start, h.function.end)
        .map(|n| {
            let mut n = n;
            while !matches!(
                n.kind_str(),
                "function_definition" | "arrow_function" | "function_expression"
            ) {
                match n.parent() {
                    Some(p) if p.byte_range().start >= h.range.start => n = p,
                    _ => break,
                }
            }
            n
        })
}

/// A request for handler `h` at `path` (its full path, prefixes joined): the URL with the
/// parameters filled in by type, and the keys of the JSON body it reads with sample values
/// (literals of the handler's language). Used by the load test.
pub(crate) fn sample_request(
    src: &Source,
    h: &Handler,
    path: &str,
) -> (String, Vec<(String, String)>) {
    let Some(func) = function(src, h) else {
        return (concrete_path(path, |_| String::new()), Vec::new());
    };
    let types = param_types(src, func);
    let url = concrete_path(path, |name| {
        types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    });
    // A Fastify route's body schema says more than the keys its handler reads.
    let schema = (h.framework == Framework::Fastify)
        .then(|| {
            let range = h.call.clone()?;
            let call = src
                .tree
                .root_node()
                .descendant_for_byte_range(range.start, range.end)
                .filter(|c| c.kind_str() == "call_expression")?;
            super::json_schema::fastify_body(src.text, src.tree.root_node(), call)
        })
        .flatten();
    (url, schema.unwrap_or_else(|| body_keys(src, func)))
}

/// A value for a path parameter of type `ty`.
fn sample(ty: &str) -> &'static str {
    match ty {
        "int" | "number" | "integer" => "1",
        "uuid" | "UUID" => "00000000-0000-0000-0000-000000000001",
        "float" => "1.5",
        _ => "example",
    }
}

/// The path with its parameters filled in, for every framework's syntax.
fn concrete_path(path: &str, param_type: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find(['{', '<', ':']) {
        out.push_str(&rest[..i]);
        let open = rest.as_bytes()[i] as char;
        let after = &rest[i + 1..];
        let (inner, tail) = match open {
            '{' => after.split_once('}').unwrap_or((after, "")),
            '<' => after.split_once('>').unwrap_or((after, "")),
            _ => {
                let end = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let (ty, name) = match inner.split_once(':') {
            Some((t, n)) => (t.to_owned(), n),
            None => {
                let t = param_type(inner);
                // An untyped `:id` / `{user_id}` is almost always numeric.
                if t.is_empty() && inner.to_ascii_lowercase().ends_with("id") {
                    ("int".to_owned(), inner)
                } else {
                    (t, inner)
                }
            }
        };
        let _ = name;
        out.push_str(sample(&ty));
        rest = tail;
    }
    out.push_str(rest);
    if out.is_empty() {
        "/".into()
    } else {
        out
    }
}

/// The success status a handler answers with: `status_code=201`, `return ..., 201`,
/// `res.status(201)`; error statuses (a 404 branch) are not what the test expects.
fn expected_status(src: &Source, h: &Handler, func: Node) -> u16 {
    let codes_after = |t: &str, key: &str| -> Vec<u16> {
        t.match_indices(key)
            .filter_map(|(i, _)| {
                let digits: String = t[i + key.len()..]
                    .chars()
                    .skip_while(|c| *c == ' ')
                    .take_while(char::is_ascii_digit)
                    .collect();
                digits.parse().ok()
            })
            .collect()
    };
    let call = h.call.as_ref().map(|c| &src.text[c.clone()]).unwrap_or("");
    if let Some(code) = codes_after(call, "status_code=").first() {
        return *code;
    }
    let found: Vec<u16> = match src.family() {
        Family::JavaScript => codes_after(text(src.text, func), ".status("),
        Family::Python => super::descendants(func)
            .into_iter()
            .filter(|n| n.kind_str() == "return_statement")
            .filter_map(|r| {
                let v = r
                    .named_child(0)
                    .filter(|v| v.kind_str() == "expression_list")?;
                let last = named_children(v)
                    .last()
                    .copied()
                    .filter(|l| l.kind_str() == "integer")?;
                text(src.text, last).parse().ok()
            })
            .collect(),
    };
    found.into_iter().find(|c| *c < 400).unwrap_or(200)
}

/// Keys a handler reads from the request body, or a Pydantic body model's fields.
fn body_keys(src: &Source, func: Node) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut add = |k: String, v: &str| {
        if !k.is_empty() && !keys.iter().any(|(x, _)| *x == k) {
            keys.push((k, v.to_owned()));
        }
    };
    let nodes = super::descendants(func);
    if src.family() == Family::Python {
        // FastAPI: a parameter annotated with a Pydantic model defined in the file.
        for p in func
            .field("parameters")
            .map(named_children)
            .unwrap_or_default()
        {
            let Some(ty) = p.field("type") else {
                continue;
            };
            let ty = text(src.text, ty);
            if let Some(m) = super::models::python_models(src)
                .into_iter()
                .find(|m| m.name == ty)
            {
                for f in m.fields.iter().filter(|f| !f.primary_key) {
                    add(f.name.clone(), f.kind.sample_py());
                }
            }
        }
        for n in &nodes {
            let is_body = |o: &str| {
                o.contains("json")
                    || o == "data"
                    || o == "payload"
                    || o == "body"
                    || o.contains("POST")
            };
            match n.kind_str() {
                "subscript" => {
                    let obj = n.field("value").map(|v| text(src.text, v)).unwrap_or("");
                    if let Some(s) = n.field("subscript").filter(|s| s.kind_str() == "string") {
                        if is_body(obj) {
                            add(
                                text(src.text, s).trim_matches(['"', '\'']).to_owned(),
                                "\"example\"",
                            );
                        }
                    }
                }
                "call" => {
                    let f = n.field("function").map(|v| text(src.text, v)).unwrap_or("");
                    if let Some(obj) = f.strip_suffix(".get") {
                        if is_body(obj) {
                            if let Some(s) = n
                                .field("arguments")
                                .and_then(|a| a.named_child(0))
                                .filter(|s| s.kind_str() == "string")
                            {
                                add(
                                    text(src.text, s).trim_matches(['"', '\'']).to_owned(),
                                    "\"example\"",
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    } else {
        for n in &nodes {
            match n.kind_str() {
                "member_expression" => {
                    let obj = n.field("object").map(|v| text(src.text, v)).unwrap_or("");
                    if obj.ends_with(".body") {
                        if let Some(p) = n.field("property") {
                            add(text(src.text, p).to_owned(), "\"example\"");
                        }
                    }
                }
                "variable_declarator" => {
                    let value = n.field("value").map(|v| text(src.text, v)).unwrap_or("");
                    if value.ends_with(".body") {
                        if let Some(pat) =
                            n.field("name").filter(|p| p.kind_str() == "object_pattern")
                        {
                            for prop in named_children(pat) {
                                let k = match prop.kind_str() {
                                    "shorthand_property_identifier_pattern" => {
                                        text(src.text, prop).to_owned()
                                    }
                                    _ => prop
                                        .field("key")
                                        .or_else(|| prop.field("left"))
                                        .map(|k| text(src.text, k).to_owned())
                                        .unwrap_or_default(),
                                };
                                add(k, "\"example\"");
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    keys
}

/// Keys of a dict/object literal the handler returns, for assertions on the body.
fn returned_keys(src: &Source, func: Node) -> Vec<String> {
    let nodes = super::descendants(func);
    let lit = nodes.iter().find_map(|n| match n.kind_str() {
        "return_statement" => n.named_child(0).filter(|v| v.kind_str() == "dictionary"),
        "call_expression" => {
            let f = n.field("function").map(|f| text(src.text, f)).unwrap_or("");
            // `res.status(404).json({...})` is an error branch, not the response under test.
            let error_branch = f.contains(".status(4") || f.contains(".status(5");
            if (f.ends_with(".json") || f.ends_with(".send")) && !error_branch {
                n.field("arguments")
                    .and_then(|a| a.named_child(0))
                    .filter(|v| v.kind_str() == "object")
            } else {
                None
            }
        }
        _ => None,
    });
    let Some(lit) = lit else { return Vec::new() };
    named_children(lit)
        .into_iter()
        .filter_map(|p| match p.kind_str() {
            "pair" => p.field("key"),
            "shorthand_property_identifier" => Some(p),
            _ => None,
        })
        .map(|k| text(src.text, k).trim_matches(['"', '\'']).to_owned())
        .filter(|k| k.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .collect()
}

fn param_types(src: &Source, func: Node) -> Vec<(String, String)> {
    func.field("parameters")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let name = p
                .field("name")
                .or_else(|| (p.kind_str() == "identifier").then_some(p))?;
            let ty = p
                .field("type")
                .map(|t| text(src.text, t).to_owned())
                .unwrap_or_default();
            Some((text(src.text, name).to_owned(), ty))
        })
        .collect()
}

fn python(
    src: &Source,
    h: &Handler,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let Some(func) = function(src, h) else {
        return err("the handler's function was not found");
    };
    let Some(kit) = PY_KITS.iter().find(|k| k.framework == h.framework) else {
        return err(format!(
            "{} handlers have no pytest kit",
            h.framework.name()
        ));
    };
    let Some(path) = h.path.clone() else {
        return err(format!("no URL for `{}`: it is not in a urls.py beside this file, so the test would not know what to request", h.name));
    };
    let path = if kit.urlconf_prefix {
        // Django URLconfs are included by others; the prefix comes from the including one.
        format!("{}{}", django_prefix(project, src.path, files), path)
    } else {
        // `APIRouter(prefix=...)` / `Blueprint(..., url_prefix=...)` apply when mounted.
        format!("{}{path}", router_prefix(src, &h.owner).unwrap_or_default())
    };
    let types = param_types(src, func);
    let url = concrete_path(&path, |name| {
        types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    });
    let method = h
        .methods
        .first()
        .map(|m| m.to_ascii_lowercase())
        .unwrap_or_else(|| "get".into());
    let method = if method == "api_route" || method == "route" {
        "get".to_owned()
    } else {
        method
    };
    let status = expected_status(src, h, func);
    let body = body_keys(src, func);
    let sends_body = matches!(method.as_str(), "post" | "put" | "patch");
    let json = if sends_body {
        let pairs: Vec<String> = body.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", pairs.join(", "))
    } else {
        String::new()
    };
    let returned = returned_keys(src, func);
    let module = python_module(&project.root, src.path);
    let test_name = format!("test_{}", snake(&h.name));
    let owner_is_app = app_object::find_apps(src).iter().any(|a| a.name == h.owner);
    let pytest_style = !kit.unittest_unless_pytest_plugin
        || kit.pytest_plugin.is_some_and(|plugin| project.has(plugin));
    let head = if kit.unittest_unless_pytest_plugin && !pytest_style {
        kit.unittest_head.to_owned()
    } else if owner_is_app {
        kit.app_head
            .replace("{module}", &module)
            .replace("{owner}", &h.owner)
    } else {
        kit.router_head
            .replace("{module}", &module)
            .replace("{owner}", &h.owner)
    };
    let self_arg = !pytest_style;
    let call_prefix = if self_arg { "self.client" } else { "client" };
    let fixture_arg = if self_arg { "" } else { kit.fixture_arg };
    let args = if sends_body {
        kit.body_args
            .replace("{url}", &url)
            .replace("{json}", &json)
    } else {
        format!("\"{url}\"")
    };
    let mut body_lines = format!("    response = {call_prefix}.{method}({args})\n");
    if self_arg {
        body_lines.push_str(&format!(
            "    self.assertEqual(response.status_code, {status})\n"
        ));
    } else {
        body_lines.push_str(&format!("    assert response.status_code == {status}\n"));
    }
    if !returned.is_empty() && status < 300 {
        body_lines.push_str(&format!("    body = response.{}()\n", kit.json_method));
        for k in &returned {
            if self_arg {
                body_lines.push_str(&format!("    self.assertIn(\"{k}\", body)\n"));
            } else {
                body_lines.push_str(&format!("    assert \"{k}\" in body\n"));
            }
        }
    }
    let code = if self_arg {
        let class = format!(
            "{}Tests",
            h.name
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect::<String>()
        );
        let indented: String = body_lines.lines().map(|l| format!("    {l}\n")).collect();
        format!("{head}\n\nclass {class}(TestCase):\n    def {test_name}(self):\n{indented}")
    } else {
        format!(
            "{head}\n\n{mark}def {test_name}({fixture_arg}):\n{body_lines}",
            mark = kit.mark
        )
    };
    let dir = if kit.test_beside_views {
        src.path.parent().unwrap_or(&project.root).to_owned()
    } else {
        project.py_test_dir(&project.root)
    };
    let path = free_path(files, dir.join(format!("{test_name}.py")));
    // Test files are their own module: the project's indent and quotes, but no async.
    Ok(Output::file(path, style.render(&code, "")))
}

/// How a pytest (or Django `TestCase`) test talks to one Python framework: a row per framework,
/// so the generator has no per-framework branches. `{module}` and `{owner}` in the heads are the
/// handler's module and its app or router variable.
struct PyKit {
    framework: Framework,
    /// Setup when the handler's owner is the application object.
    app_head: &'static str,
    /// Setup when it is a router or blueprint: mount it on a bare application.
    router_head: &'static str,
    /// The test function's parameter (a pytest fixture), if any.
    fixture_arg: &'static str,
    /// The arguments of a call that sends a JSON body.
    body_args: &'static str,
    /// The response method that parses JSON.
    json_method: &'static str,
    /// A pytest mark the test needs (`@pytest.mark.django_db`).
    mark: &'static str,
    /// Django: a `TestCase` unless the project uses `pytest-django`.
    unittest_unless_pytest_plugin: bool,
    pytest_plugin: Option<&'static str>,
    unittest_head: &'static str,
    /// Where the test goes: beside the views (Django apps keep their tests) or in `tests/`.
    test_beside_views: bool,
    /// The route's prefix comes from the URLconf that includes the app's (Django), not from
    /// the router's own `prefix=`/`url_prefix=`.
    urlconf_prefix: bool,
}

const PY_KITS: &[PyKit] = &[
    PyKit {
        framework: Framework::FastApi,
        app_head: "from fastapi.testclient import TestClient\n\nfrom {module} import {owner}\n\nclient = TestClient({owner})\n",
        router_head: "from fastapi import FastAPI\nfrom fastapi.testclient import TestClient\n\nfrom {module} import {owner}\n\napp = FastAPI()\napp.include_router({owner})\nclient = TestClient(app)\n",
        fixture_arg: "",
        body_args: "\"{url}\", json={json}",
        json_method: "json",
        mark: "",
        unittest_unless_pytest_plugin: false,
        pytest_plugin: None,
        unittest_head: "",
        test_beside_views: false,
        urlconf_prefix: false,
    },
    PyKit {
        framework: Framework::Flask,
        app_head: "import pytest\n\nfrom {module} import {owner}\n\n\n@pytest.fixture()\ndef client():\n    {owner}.config.update(TESTING=True)\n    with {owner}.test_client() as client:\n        yield client\n",
        router_head: "import pytest\nfrom flask import Flask\n\nfrom {module} import {owner}\n\n\n@pytest.fixture()\ndef client():\n    app = Flask(__name__)\n    app.config.update(TESTING=True)\n    app.register_blueprint({owner})\n    with app.test_client() as client:\n        yield client\n",
        fixture_arg: "client",
        body_args: "\"{url}\", json={json}",
        // Flask's test response has `get_json()`; the others `json()`.
        json_method: "get_json",
        mark: "",
        unittest_unless_pytest_plugin: false,
        pytest_plugin: None,
        unittest_head: "",
        test_beside_views: false,
        urlconf_prefix: false,
    },
    PyKit {
        framework: Framework::Django,
        app_head: "import pytest\n",
        router_head: "import pytest\n",
        fixture_arg: "client",
        body_args: "\"{url}\", {json}, content_type=\"application/json\"",
        json_method: "json",
        mark: "@pytest.mark.django_db\n",
        unittest_unless_pytest_plugin: true,
        pytest_plugin: Some("pytest-django"),
        unittest_head: "from django.test import TestCase\n",
        test_beside_views: true,
        urlconf_prefix: true,
    },
];

/// The `prefix=`/`url_prefix=` a router or blueprint is created with in this file.
fn router_prefix(src: &Source, owner: &str) -> Option<String> {
    named_children(src.tree.root_node())
        .into_iter()
        .find_map(|stmt| {
            let assign = stmt
                .named_child(0)
                .filter(|a| a.kind_str() == "assignment")?;
            let left = assign.field("left")?;
            let call = assign.field("right").filter(|r| r.kind_str() == "call")?;
            if text(src.text, left) != owner {
                return None;
            }
            named_children(call.field("arguments")?)
                .into_iter()
                .filter(|a| a.kind_str() == "keyword_argument")
                .find(|a| {
                    a.field("name")
                        .is_some_and(|n| matches!(text(src.text, n), "prefix" | "url_prefix"))
                })
                .and_then(|a| a.field("value"))
                .filter(|v| v.kind_str() == "string")
                .map(|v| {
                    text(src.text, v)
                        .trim_matches(['"', '\''])
                        .trim_end_matches('/')
                        .to_owned()
                })
        })
}

/// The route under which the project's URLconfs `include(...)` the urls.py beside `views`
/// (`path("catalog/", include("catalog.urls"))` → `/catalog`).
fn django_prefix(project: &Project, views: &Path, files: &dyn Files) -> String {
    let Some(dir) = views.parent() else {
        return String::new();
    };
    let module = python_module(&project.root, &dir.join("urls.py"));
    for (path, _) in project.source_files() {
        if path.file_name().is_none_or(|n| n != "urls.py") || path.parent() == Some(dir) {
            continue;
        }
        let Some(t) = files.read(&path) else { continue };
        let Some(tree) = ba_syntax::parse::parse(Language::Python, &t, None) else {
            continue;
        };
        for n in super::descendants(tree.root_node()) {
            if n.kind_str() != "call" || n.field("function").is_none_or(|f| text(&t, f) != "path") {
                continue;
            }
            let args = n.field("arguments").map(named_children).unwrap_or_default();
            let (Some(route), Some(target)) = (args.first(), args.get(1)) else {
                continue;
            };
            let target = text(&t, *target);
            if target.contains(&format!("\"{module}\"")) || target.contains(&format!("'{module}'"))
            {
                let route = text(&t, *route).trim_matches(['"', '\'']);
                return format!("/{}", route.trim_end_matches('/'));
            }
        }
    }
    String::new()
}

/// How `file` exports `owner`: `Some(true)` default export, `Some(false)` named.
fn js_export(src: &Source, owner: &str) -> Option<bool> {
    for stmt in named_children(src.tree.root_node()) {
        let t = text(src.text, stmt).trim_end_matches(';').trim();
        if t == format!("module.exports = {owner}") || t == format!("export default {owner}") {
            return Some(true);
        }
        if t.starts_with("module.exports = {") && t.contains(owner)
            || t.starts_with(&format!("module.exports.{owner} ="))
            || t.starts_with(&format!("exports.{owner} ="))
            || (t.starts_with("export {") && t.contains(owner))
            || t.starts_with(&format!("export const {owner} "))
        {
            return Some(false);
        }
    }
    None
}

fn express(
    src: &Source,
    h: &Handler,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let Some(func) = function(src, h) else {
        return err("the handler's function was not found");
    };
    let Some(export) = js_export(src, &h.owner) else {
        return err(format!(
            "this file does not export `{o}`: add `module.exports = {o}` (or `export default {o}`), and call listen() only when the file is run directly, so a test can import it",
            o = h.owner
        ));
    };
    let owner_is_app = app_object::find_apps(src).iter().any(|a| a.name == h.owner);
    let path = h.path.clone().unwrap_or_else(|| "/".into());
    let url = concrete_path(&path, |_| String::new());
    let method = h
        .methods
        .first()
        .map(|m| m.to_ascii_lowercase())
        .unwrap_or_else(|| "get".into());
    let method = if method == "all" {
        "get".to_owned()
    } else {
        method
    };
    let status = expected_status(src, h, func);
    let body = body_keys(src, func);
    let returned = returned_keys(src, func);
    // The generated test uses describe/it/expect: Jest's globals, or Vitest's imported.
    let vitest = project.js_test_runner(JsRunner::Jest) == JsRunner::Vitest;
    let ext = src
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("js");
    let stem = src
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("app");
    let dir = project.js_test_dir(src.path.parent().unwrap_or(&project.root));
    let test_path = free_path(
        files,
        dir.join(format!(
            "{stem}.{}.test.{ext}",
            snake(&h.name).replace('_', "-")
        )),
    );
    let esm = style.esm
        || vitest
        || project
            .package_json
            .as_ref()
            .and_then(|p| p.get("type"))
            .and_then(|t| t.as_str())
            == Some("module");
    let spec = relative_specifier(
        test_path.parent().unwrap_or(Path::new("/")),
        src.path,
        esm && !matches!(src.language, Language::TypeScript | Language::Tsx),
    );
    let binding = if export {
        h.owner.clone()
    } else {
        format!("{{ {} }}", h.owner)
    };
    let mut head = String::new();
    if !project.has("supertest") {
        head.push_str("// Needs supertest: npm install --save-dev supertest\n");
    }
    if esm {
        if vitest {
            head.push_str("import { describe, expect, it } from \"vitest\";\n");
        }
        head.push_str("import request from \"supertest\";\n");
        if !owner_is_app {
            head.push_str("import express from \"express\";\n");
        }
        head.push_str(&format!("import {binding} from \"{spec}\";\n"));
    } else {
        if vitest {
            head.push_str("const { describe, expect, it } = require(\"vitest\");\n");
        }
        head.push_str("const request = require(\"supertest\");\n");
        if !owner_is_app {
            head.push_str("const express = require(\"express\");\n");
        }
        head.push_str(&format!("const {binding} = require(\"{spec}\");\n"));
    }
    let target = if owner_is_app {
        h.owner.clone()
    } else {
        head.push_str(&format!("\n// The router under test, mounted on a bare app.\nconst app = express();\napp.use(express.json());\napp.use({});\n", h.owner));
        "app".into()
    };
    let send = if matches!(method.as_str(), "post" | "put" | "patch") {
        let pairs: Vec<String> = body.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        if pairs.is_empty() {
            ".send({})".to_owned()
        } else {
            format!(".send({{ {} }})", pairs.join(", "))
        }
    } else {
        String::new()
    };
    let mut checks = format!("        expect(response.status).toBe({status});\n");
    if status < 300 {
        for k in &returned {
            checks.push_str(&format!(
                "        expect(response.body).toHaveProperty(\"{k}\");\n"
            ));
        }
    }
    let code = format!(
        "{head}\ndescribe(\"{m} {path}\", () => {{\n    it(\"responds with {status}\", async () => {{\n        const response = await request({target}).{method}(\"{url}\"){send};\n{checks}    }});\n}});\n",
        m = method.to_ascii_uppercase(),
    );
    Ok(Output::file(test_path, style.render(&code, "")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_filled_in() {
        let ty = |n: &str| {
            if n == "item_id" {
                "int".to_owned()
            } else {
                String::new()
            }
        };
        assert_eq!(
            concrete_path("/items/{item_id}/tags/{tag}", ty),
            "/items/1/tags/example"
        );
        assert_eq!(concrete_path("/u/<int:id>", |_| String::new()), "/u/1");
        assert_eq!(concrete_path("/u/:id/x", |_| String::new()), "/u/1/x");
        assert_eq!(concrete_path("/u/:slug", |_| String::new()), "/u/example");
        assert_eq!(concrete_path("", |_| String::new()), "/");
    }
}
