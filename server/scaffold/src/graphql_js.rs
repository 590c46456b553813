//! GraphQL from a Mongoose or Sequelize model for the schema-first JavaScript servers (Apollo
//! Server, graphql-yoga, Mercurius, graphql-http and express-graphql): `typeDefs` extending the
//! schema's `Query` and `Mutation` and a resolver map (by id; a list paged by `limit`/`offset`
//! with a maximum; a create mutation that starts with the check the project's guarded mutations
//! start with), and a test (node:test, Jest or Vitest, as the project uses) that executes them
//! through the server the project uses, with the model's methods stubbed. The module is the same
//! for every server; only the wiring differs, one row of [`WIRINGS`] per server.

use crate::camel;
use std::path::{Path, PathBuf};

use ba_syntax::NodeExt;
use tree_sitter::Node;

use super::crud::js_model_export;
use super::models::{Field, Kind, Model, Orm};
use super::{
    err, free_path, named_children, plural, relative_specifier, snake, text, Files, JsRunner,
    NewFile, Output, Project, Result, Source, Style,
};
use ba_app::facts::{GraphqlLibrary, HandlerAuth};
use ba_syntax::{parse, Family, Language};

/// A schema-first JavaScript GraphQL server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsServer {
    Apollo,
    Yoga,
    Mercurius,
    /// graphql-http or express-graphql over `@graphql-tools/schema`'s `makeExecutableSchema`.
    GraphqlHttp,
}

/// How the generated module is merged into one server's schema and how its test executes an
/// operation there. `setup` builds the executor from `root`, `typeDefs` and `resolvers`;
/// `execute` is `async function execute(query, variables, contextValue = {})` answering
/// `{ data, errors }` (written at four spaces; the file's style maps the indent).
struct Wiring {
    server: JsServer,
    name: &'static str,
    /// How to merge the module into the project's schema (a comment of the module).
    merge: &'static str,
    /// The test's imports: (binding, module).
    imports: &'static [(&'static str, &'static str)],
    setup: &'static str,
    execute: &'static str,
    /// A package the test (and resolver maps on this server) need, with its range.
    needs: Option<(&'static str, &'static str)>,
}

const WIRINGS: &[Wiring] = &[
    Wiring {
        server: JsServer::Apollo,
        name: "Apollo Server",
        merge: "typeDefs: [typeDefs, ...], resolvers: [resolvers, ...]",
        imports: &[("{ ApolloServer }", "@apollo/server")],
        setup: "const server = new ApolloServer({ typeDefs: [root, typeDefs], resolvers });\n",
        execute: "async function execute(query, variables, contextValue = {}) {\n    const { body } = await server.executeOperation({ query, variables }, { contextValue });\n    return body.singleResult;\n}\n",
        needs: None,
    },
    Wiring {
        server: JsServer::Yoga,
        name: "graphql-yoga",
        merge: "createSchema({ typeDefs: [typeDefs, ...], resolvers: [resolvers, ...] })",
        imports: &[("{ createSchema, createYoga }", "graphql-yoga")],
        setup: "const yoga = createYoga({ schema: createSchema({ typeDefs: [root, typeDefs], resolvers }), logging: false });\n",
        execute: "async function execute(query, variables, contextValue = {}) {\n    // The server context (the third argument) is part of every resolver's context.\n    const response = await yoga.fetch(\n        \"http://localhost/graphql\",\n        { method: \"POST\", headers: { \"content-type\": \"application/json\" }, body: JSON.stringify({ query, variables }) },\n        contextValue,\n    );\n    return response.json();\n}\n",
        needs: None,
    },
    Wiring {
        server: JsServer::Mercurius,
        name: "Mercurius",
        merge: "app.register(mercurius, { schema: [schema, typeDefs, ...], resolvers }), the maps merged type by type: Mercurius takes one",
        imports: &[("Fastify", "fastify"), ("mercurius", "mercurius")],
        setup: "const app = Fastify();\napp.register(mercurius, { schema: [root, typeDefs], resolvers });\n",
        execute: "async function execute(query, variables, contextValue = {}) {\n    await app.ready();\n    return app.graphql(query, contextValue, variables);\n}\n",
        needs: None,
    },
    Wiring {
        server: JsServer::GraphqlHttp,
        name: "graphql-http",
        merge: "makeExecutableSchema({ typeDefs: [typeDefs, ...], resolvers: [resolvers, ...] }), the schema createHandler serves",
        imports: &[
            ("{ graphql }", "graphql"),
            ("{ makeExecutableSchema }", "@graphql-tools/schema"),
        ],
        setup: "const schema = makeExecutableSchema({ typeDefs: [root, typeDefs], resolvers });\n",
        execute: "async function execute(query, variables, contextValue = {}) {\n    return graphql({ schema, source: query, variableValues: variables, contextValue });\n}\n",
        needs: Some(("@graphql-tools/schema", "^10.0.0")),
    },
];

fn wiring(server: JsServer) -> &'static Wiring {
    WIRINGS
        .iter()
        .find(|w| w.server == server)
        .expect("a wiring per server")
}

/// The project's guarded resolver-map mutation: the check its body starts with, the import
/// lines of the names that check uses (as written in its file), that file, and the resolver's
/// context parameter as written (`context`, `{ user }`).
struct JsAuth {
    check: String,
    imports: Vec<String>,
    file: PathBuf,
    context: String,
    from: String,
}

fn find_auth(project: &Project, files: &dyn Files) -> Option<JsAuth> {
    for (path, lang) in project.source_files() {
        if lang.family() != Family::JavaScript {
            continue;
        }
        let Some(t) = files.read(&path) else { continue };
        if !t.contains("Mutation") {
            continue;
        }
        let Some(tree) = parse::parse(lang, &t, None) else {
            continue;
        };
        let facts = ba_app::extract(lang, &tree, &t, &path.display().to_string());
        for r in &facts.resolvers {
            if r.library != GraphqlLibrary::ResolverMap
                || r.parent != "Mutation"
                || r.auth != HandlerAuth::Required
            {
                continue;
            }
            let Some(entry) = tree
                .root_node()
                .descendant_for_byte_range(r.full.0.start, r.full.0.end)
            else {
                continue;
            };
            let function = if entry.kind_str() == "pair" {
                entry.field("value")
            } else {
                Some(entry)
            };
            let Some(function) = function else { continue };
            let params: Vec<Node> = function
                .field("parameters")
                .map(named_children)
                .unwrap_or_default();
            let Some(body) = function
                .field("body")
                .filter(|b| b.kind_str() == "statement_block")
            else {
                continue;
            };
            let Some(check) = named_children(body)
                .into_iter()
                .filter(|s| s.kind_str() != "comment")
                .take(3)
                .find(|s| s.kind_str() == "if_statement" && text(&t, *s).contains("throw"))
            else {
                continue;
            };
            let code = text(&t, check);
            let indent = super::indent_of_line(&t, check.start_byte()).len();
            let check_text: String = code
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    let l = if i == 0 {
                        l
                    } else {
                        l.get(indent.min(l.len() - l.trim_start().len())..)
                            .unwrap_or(l)
                    };
                    format!("{l}\n")
                })
                .collect();
            let context = params
                .get(2)
                .map(|p| text(&t, *p).to_owned())
                .unwrap_or_else(|| "context".to_owned());
            return Some(JsAuth {
                imports: import_lines(&tree, &t, code),
                check: check_text,
                file: path.clone(),
                context,
                from: r.field.clone(),
            });
        }
    }
    None
}

/// The file's top-level `import`/`require` statements that bind a name `code` uses.
fn import_lines(tree: &tree_sitter::Tree, t: &str, code: &str) -> Vec<String> {
    let used = ba_app::tokens::identifiers(code, false);
    named_children(tree.root_node())
        .into_iter()
        .filter(|s| {
            let st = text(t, *s);
            (s.kind_str() == "import_statement"
                || (matches!(s.kind_str(), "lexical_declaration" | "variable_declaration")
                    && st.contains("require(")))
                && ba_app::tokens::identifiers(
                    st.split(['='])
                        .next()
                        .unwrap_or(st)
                        .replace("from", " ")
                        .as_str(),
                    false,
                )
                .iter()
                .any(|n| used.contains(n))
        })
        .map(|s| text(t, s).to_owned())
        .collect()
}

fn sdl(kind: Kind) -> (&'static str, Option<&'static str>) {
    match kind {
        Kind::Int => ("Int", None),
        Kind::Float => ("Float", None),
        Kind::Bool => ("Boolean", None),
        Kind::Str => ("String", None),
        Kind::Uuid => ("ID", Some("String(value)")),
        Kind::Decimal => ("String", Some("String(value)")),
        Kind::DateTime | Kind::Date => ("String", Some("new Date(value).toISOString()")),
        Kind::Json => ("String", Some("JSON.stringify(value)")),
    }
}

/// The GraphQL name of a model field (Mongoose's `_id` is the `id` virtual).
fn field_name(f: &Field) -> String {
    if f.name == "_id" {
        "id".into()
    } else {
        camel(&f.name)
    }
}

fn js_import(style: &Style, binding: &str, spec: &str) -> String {
    if style.esm {
        format!("import {binding} from \"{spec}\";")
    } else {
        format!("const {binding} = require(\"{spec}\");")
    }
}

/// A JavaScript literal of `kind` for a stubbed row.
fn js_sample(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "1",
        Kind::Float => "1.5",
        Kind::Decimal => "\"1.50\"",
        Kind::Bool => "true",
        Kind::DateTime | Kind::Date => "new Date(\"2024-01-01T00:00:00Z\")",
        Kind::Uuid => "\"64b000000000000000000001\"",
        Kind::Json => "{}",
        Kind::Str => "\"example\"",
    }
}

/// A JSON literal of `kind` for a GraphQL variable.
fn js_variable(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "1",
        Kind::Float => "1.5",
        Kind::Bool => "true",
        Kind::DateTime | Kind::Date => "\"2024-01-01T00:00:00.000Z\"",
        Kind::Json => "\"{}\"",
        Kind::Uuid => "\"64b000000000000000000001\"",
        Kind::Decimal => "\"1.50\"",
        Kind::Str => "\"example\"",
    }
}

pub fn generate(
    src: &Source,
    m: &Model,
    server: JsServer,
    project: &Project,
    files: &dyn Files,
) -> Result<Output> {
    let wiring = wiring(server);
    if !matches!(m.orm, Orm::Mongoose | Orm::Sequelize) {
        return err(format!(
            "{} resolvers are generated for Mongoose and Sequelize models; `{}` is neither",
            wiring.name, m.name
        ));
    }
    if matches!(src.language, Language::TypeScript | Language::Tsx) {
        return err(format!("TypeScript projects have no {} resolver generator yet (the JavaScript one would not type-check)", wiring.name));
    }
    let Some((binding, default)) = js_model_export(src, m) else {
        return err(format!("this file does not export the `{0}` model: add `module.exports = {0}` (or `export default {0}`) so the resolvers can import it", m.name));
    };
    let style = Style::detect(src);
    let esm = style.esm;
    let auth = find_auth(project, files);
    let model = &m.name;
    let var = {
        let s = snake(model);
        camel(&s)
    };
    let coll = camel(&plural(&snake(model)));
    let create = format!("create{model}");
    let ext = src
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("js");
    // Beside the project's resolvers (whose imports the copied check uses as written), else
    // in a `graphql/` folder beside the model's folder, else beside the model.
    let dir = auth
        .as_ref()
        .and_then(|a| a.file.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| {
            let model_dir = src.path.parent().unwrap_or(&project.root);
            model_dir
                .parent()
                .map(|p| p.join("graphql"))
                .filter(|d| d.is_dir())
                .unwrap_or_else(|| model_dir.to_owned())
        });
    let path = free_path(files, dir.join(format!("{}.{ext}", snake(model))));
    let spec = relative_specifier(&dir, src.path, esm);
    let model_import = if default {
        js_import(&style, &binding, &spec)
    } else {
        js_import(&style, &format!("{{ {binding} }}"), &spec)
    };
    let mut imports = vec![model_import];
    if let Some(a) = &auth {
        imports.extend(a.imports.iter().cloned());
    }
    let pk = m.primary_key().cloned();
    let fields: Vec<&Field> = m.fields.iter().collect();
    let mongoose = m.orm == Orm::Mongoose;
    // typeDefs.
    // Written at 4/8 spaces: the file's style maps one level of four to its own indent.
    let mut sdl_text = format!("    type {model} {{\n");
    for f in &fields {
        let (ty, _) = if f.primary_key {
            ("ID", None)
        } else {
            sdl(f.kind)
        };
        let bang = if f.optional && !f.primary_key {
            ""
        } else {
            "!"
        };
        sdl_text.push_str(&format!("        {}: {ty}{bang}\n", field_name(f)));
    }
    sdl_text.push_str("    }\n\n");
    let writable: Vec<&Field> = m.writable().collect();
    if auth.is_some() {
        sdl_text.push_str(&format!("    input {model}Input {{\n"));
        for f in &writable {
            let bang = if f.optional || f.has_default { "" } else { "!" };
            sdl_text.push_str(&format!(
                "        {}: {}{bang}\n",
                field_name(f),
                sdl(f.kind).0
            ));
        }
        sdl_text.push_str("    }\n\n");
    }
    sdl_text.push_str(&format!(
        "    extend type Query {{\n        {var}(id: ID!): {model}\n        {coll}(limit: Int = 20, offset: Int = 0): [{model}!]!\n    }}\n"
    ));
    if auth.is_some() {
        sdl_text.push_str(&format!(
            "\n    extend type Mutation {{\n        {create}(input: {model}Input!): {model}!\n    }}\n"
        ));
    }
    // Resolvers.
    let find_one = if mongoose {
        format!("{binding}.findById(id)")
    } else {
        format!("{binding}.findByPk(id)")
    };
    let page = "const limit = Math.min(Math.max(args.limit, 1), MAX_PAGE_SIZE);\n            const offset = Math.max(args.offset, 0);";
    let find_page = if mongoose {
        format!("{binding}.find({{}}, null, {{ sort: {{ _id: 1 }}, skip: offset, limit }})")
    } else {
        let order = pk.as_ref().map(|f| f.name.as_str()).unwrap_or("id");
        format!("{binding}.findAll({{ order: [[\"{order}\", \"ASC\"]], offset, limit }})")
    };
    let converted: Vec<String> = fields
        .iter()
        .filter(|f| !f.primary_key)
        .filter_map(|f| {
            sdl(f.kind).1.map(|conv| {
                format!(
                    "        {}: ({var}) => {{\n            const value = {var}.{};\n            return value == null ? null : {conv};\n        }},\n",
                    field_name(f),
                    f.name
                )
            })
        })
        .collect();
    let type_resolvers = if converted.is_empty() {
        String::new()
    } else {
        format!("    {model}: {{\n{}    }},\n", converted.concat())
    };
    let mutation = match &auth {
        Some(a) => {
            let names: Vec<String> = writable.iter().map(|f| f.name.clone()).collect();
            let pick = if writable.iter().all(|f| field_name(f) == f.name) {
                format!("const {{ {} }} = input;", names.join(", "))
            } else {
                format!(
                    "const {{ {} }} = input;",
                    writable
                        .iter()
                        .map(|f| if field_name(f) == f.name {
                            f.name.clone()
                        } else {
                            format!("{}: {}", field_name(f), f.name)
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let check: String = a
                .check
                .lines()
                .map(|l| format!("            {l}\n"))
                .collect();
            format!(
                "    Mutation: {{\n        {create}: async (_, {{ input }}, {context}) => {{\n{check}            // Only these fields are read from the input: nothing else can be mass-assigned.\n            {pick}\n            return {binding}.create({{ {fields} }});\n        }},\n    }},\n",
                context = a.context,
                fields = names.join(", "),
            )
        }
        None => String::new(),
    };
    let merge = wiring.merge;
    let guarded = match &auth {
        Some(a) => format!(", and `{create}(input)` guarded like `{}`", a.from),
        None => ". No create mutation: the project's mutations have no check to copy onto one"
            .to_owned(),
    };
    let export = if esm {
        "export { typeDefs, resolvers };\n".to_owned()
    } else {
        "module.exports = { typeDefs, resolvers };\n".to_owned()
    };
    let code = format!(
        "// GraphQL for {model} ({server}): the `{model}` type, `{var}(id)`, `{coll}(limit, offset)`{guarded}.\n// Merge into the server's schema ({merge}); the schema's Query and Mutation are extended.\n{imports}\n\n// The most rows one request can ask for.\nconst MAX_PAGE_SIZE = 100;\n\nconst typeDefs = `#graphql\n{sdl_text}`;\n\nconst resolvers = {{\n{type_resolvers}    Query: {{\n        {var}: (_, {{ id }}) => {find_one},\n        {coll}: (_, args) => {{\n            {page}\n            return {find_page};\n        }},\n    }},\n{mutation}}};\n\n{export}",
        imports = imports.join("\n"),
        server = wiring.name,
    );
    let module_file = NewFile {
        path: path.clone(),
        content: style.render(&code, ""),
    };
    let test = test_file(
        m,
        wiring,
        project,
        files,
        &style,
        &path,
        src.path,
        &binding,
        default,
        auth.as_ref(),
        &var,
        &coll,
        &create,
    );
    let edits = wiring
        .needs
        .and_then(|(name, range)| super::manifest::add_dependency(project, files, name, range))
        .into_iter()
        .collect();
    Ok(Output {
        edits,
        files: vec![module_file, test],
    })
}

#[allow(clippy::too_many_arguments)]
fn test_file(
    m: &Model,
    wiring: &Wiring,
    project: &Project,
    files: &dyn Files,
    style: &Style,
    module: &Path,
    model_path: &Path,
    binding: &str,
    default: bool,
    auth: Option<&JsAuth>,
    var: &str,
    coll: &str,
    create: &str,
) -> NewFile {
    let esm = style.esm;
    let ext = module.extension().and_then(|e| e.to_str()).unwrap_or("js");
    let runner = project.js_test_runner(JsRunner::NodeTest);
    let dir = project.js_test_dir(module.parent().unwrap_or(&project.root));
    let stem = module
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model");
    let path = free_path(files, dir.join(format!("{stem}.graphql.test.{ext}")));
    let here = path.parent().unwrap_or(&project.root);
    let model_spec = relative_specifier(here, model_path, esm);
    let module_spec = relative_specifier(here, module, esm);
    let mut imports = vec![js_import(style, "assert", "node:assert/strict")];
    let stub = match runner {
        JsRunner::Vitest => {
            imports.push(js_import(style, "{ test, vi }", "vitest"));
            "function stub(object, method, implementation) {\n    const spy = vi.spyOn(object, method).mockImplementation(implementation);\n    return { calls: () => spy.mock.calls, restore: () => spy.mockRestore() };\n}\n"
        }
        JsRunner::Jest => "function stub(object, method, implementation) {\n    const spy = jest.spyOn(object, method).mockImplementation(implementation);\n    return { calls: () => spy.mock.calls, restore: () => spy.mockRestore() };\n}\n",
        JsRunner::NodeTest => {
            imports.push(js_import(style, "{ mock, test }", "node:test"));
            "function stub(object, method, implementation) {\n    const spy = mock.method(object, method, implementation);\n    return { calls: () => spy.mock.calls.map((call) => call.arguments), restore: () => spy.mock.restore() };\n}\n"
        }
    };
    for (binding, module) in wiring.imports {
        imports.push(js_import(style, binding, module));
    }
    imports.push(String::new());
    imports.push(if default {
        js_import(style, binding, &model_spec)
    } else {
        js_import(style, &format!("{{ {binding} }}"), &model_spec)
    });
    imports.push(js_import(style, "{ resolvers, typeDefs }", &module_spec));
    let mongoose = m.orm == Orm::Mongoose;
    let required: Vec<&Field> = m
        .fields
        .iter()
        .filter(|f| !f.primary_key && !f.optional)
        .collect();
    let row = |id: &str| {
        let mut parts = vec![if id == "id" {
            "id".to_owned()
        } else {
            format!("id: {id}")
        }];
        parts.extend(
            required
                .iter()
                .map(|f| format!("{}: {}", f.name, js_sample(f.kind))),
        );
        format!("{{ {} }}", parts.join(", "))
    };
    let shown: String = std::iter::once("id".to_owned())
        .chain(required.iter().map(|f| field_name(f)))
        .collect::<Vec<_>>()
        .join(" ");
    let (one, many) = if mongoose {
        ("findById", "find")
    } else {
        ("findByPk", "findAll")
    };
    // Where the page's options land in the stubbed call, and what they must be.
    let order = m
        .primary_key()
        .map(|f| f.name.clone())
        .unwrap_or_else(|| "id".into());
    let (args, page_expect, cap_expect) = if mongoose {
        (
            "calls()[0][2]",
            "{ sort: { _id: 1 }, skip: 1, limit: 2 }".to_owned(),
            "{ sort: { _id: 1 }, skip: 0, limit: 100 }".to_owned(),
        )
    } else {
        (
            "calls()[0][0]",
            format!("{{ order: [[\"{order}\", \"ASC\"]], offset: 1, limit: 2 }}"),
            format!("{{ order: [[\"{order}\", \"ASC\"]], offset: 0, limit: 100 }}"),
        )
    };
    let mut body = format!(
        "// The root types the module extends.\nconst root = `#graphql\n    type Query {{\n        _root: Boolean\n    }}\n{mutation_root}`;\n{setup}\n\
// The model's methods are stubbed: these tests are about the GraphQL layer, not the database.\n{stub}\n\
{execute}\n\
test(\"{var} by id\", async () => {{\n    const found = stub({binding}, \"{one}\", async (id) => ({row_one}));\n    try {{\n        const {{ data, errors }} = await execute(\"query ($id: ID!) {{ {var}(id: $id) {{ {shown} }} }}\", {{ id: \"7\" }});\n        assert.equal(errors, undefined);\n        assert.equal(data.{var}.id, \"7\");\n        assert.deepEqual(found.calls()[0], [\"7\"]);\n    }} finally {{\n        found.restore();\n    }}\n}});\n\n\
test(\"a missing {var} is null\", async () => {{\n    const found = stub({binding}, \"{one}\", async () => null);\n    try {{\n        const {{ data, errors }} = await execute(\"query ($id: ID!) {{ {var}(id: $id) {{ id }} }}\", {{ id: \"7\" }});\n        assert.equal(errors, undefined);\n        assert.equal(data.{var}, null);\n    }} finally {{\n        found.restore();\n    }}\n}});\n\n\
test(\"{coll} are paged\", async () => {{\n    const found = stub({binding}, \"{many}\", async () => [{row_two}]);\n    try {{\n        const {{ data, errors }} = await execute(\"{{ {coll}(limit: 2, offset: 1) {{ {shown} }} }}\");\n        assert.equal(errors, undefined);\n        assert.equal(data.{coll}.length, 1);\n        assert.deepEqual(found.{args}, {page_expect});\n    }} finally {{\n        found.restore();\n    }}\n}});\n\n\
test(\"the page size is capped\", async () => {{\n    const found = stub({binding}, \"{many}\", async () => []);\n    try {{\n        const {{ errors }} = await execute(\"{{ {coll}(limit: 100000, offset: -5) {{ id }} }}\");\n        assert.equal(errors, undefined);\n        assert.deepEqual(found.{args}, {cap_expect});\n    }} finally {{\n        found.restore();\n    }}\n}});\n",
        mutation_root = if auth.is_some() { "\n    type Mutation {\n        _root: Boolean\n    }\n" } else { "" },
        row_one = row("id"),
        row_two = row("\"2\""),
        setup = wiring.setup,
        execute = wiring.execute,
    );
    if let Some(a) = auth {
        let input: Vec<String> = m
            .writable()
            .filter(|f| !f.optional && !f.has_default)
            .map(|f| format!("{}: {}", field_name(f), js_variable(f.kind)))
            .collect();
        body.push_str(&format!(
            "\n\
test(\"{create} is refused without authorization\", async () => {{\n    // Guarded like `{from}`: an anonymous caller gets an error at the field and nothing is written.\n    const created = stub({binding}, \"create\", async (values) => ({{ id: \"1\", ...values }}));\n    try {{\n        const {{ data, errors }} = await execute(\n            \"mutation ($input: {model}Input!) {{ {create}(input: $input) {{ id }} }}\",\n            {{ input: {{ {input} }} }},\n        );\n        assert.deepEqual(errors[0].path, [\"{create}\"]);\n        assert.equal(data, null);\n        assert.equal(created.calls().length, 0);\n    }} finally {{\n        created.restore();\n    }}\n}});\n",
            from = a.from,
            model = m.name,
            input = input.join(", "),
        ));
    }
    let code = format!("{}\n\n{body}", imports.join("\n"));
    NewFile {
        path,
        content: style.render(&code, ""),
    }
}
