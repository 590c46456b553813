//! GraphQL from a TypeORM entity for NestJS `@nestjs/graphql` (code first): an `@ObjectType`
//! and `@InputType` beside the entity, a `@Resolver` with `@Query`s by id and for a list paged
//! by `limit`/`offset` (with a maximum), a create `@Mutation` that carries the guard decorators
//! the project's guarded mutations carry (`@UseGuards(GqlAuthGuard)`; without such mutations
//! none is written), the module that provides it (`TypeOrmModule.forFeature`), and a Jest spec
//! (`Test.createTestingModule` with the repository stubbed).

use std::path::{Path, PathBuf};

use super::models::{Field, Kind, Model, Orm};
use super::{
    camel, err, free_path, named_children, plural, relative_specifier, snake, text, Files, NewFile,
    Output, Project, Result, Source, Style,
};
use ba_app::facts::GraphqlLibrary;
use ba_syntax::{parse, Family, NodeExt};

/// The project's guarded `@Mutation`: the guard decorators it carries (its own and its
/// resolver class's), the imports of the names they use (specifiers as written in `file`),
/// and where it is (`Resolver.field`, for the comments).
struct Guard {
    decorators: Vec<String>,
    imports: Vec<String>,
    file: PathBuf,
    from: String,
}

/// Decorators that check the caller: Nest's guards, TypeGraphQL's `@Authorized`, role checks.
fn is_guard(decorator: &str) -> bool {
    let name = decorator
        .trim_start_matches('@')
        .split('(')
        .next()
        .unwrap_or("");
    matches!(name, "UseGuards" | "Authorized" | "Roles")
}

/// The one-line decorators right above the line at `at` (a method or a class).
fn decorators_above(t: &str, at: usize) -> Vec<String> {
    let start = super::line_start(t, at);
    let mut out: Vec<String> = t[..start]
        .lines()
        .rev()
        .map(str::trim)
        .take_while(|l| l.starts_with('@'))
        .map(str::to_owned)
        .collect();
    out.reverse();
    out
}

fn find_guard(project: &Project, files: &dyn Files) -> Option<Guard> {
    for (path, lang) in project.source_files() {
        if lang.family() != Family::JavaScript {
            continue;
        }
        let Some(t) = files.read(&path) else { continue };
        if !t.contains("@Mutation") {
            continue;
        }
        let Some(tree) = parse::parse(lang, &t, None) else {
            continue;
        };
        let facts = ba_app::extract(lang, &tree, &t, &path.display().to_string());
        for r in &facts.resolvers {
            if r.library != GraphqlLibrary::Decorators || r.parent != "Mutation" {
                continue;
            }
            let method = r.full.0.start;
            // The resolver class's decorators apply to every method.
            let class = t[..method]
                .rfind("\nexport class ")
                .or(t[..method].rfind("\nclass "));
            let mut decorators: Vec<String> = class
                .map(|c| decorators_above(&t, c + 1))
                .unwrap_or_default();
            decorators.extend(decorators_above(&t, method));
            decorators.retain(|d| is_guard(d));
            if decorators.is_empty() {
                continue;
            }
            let joined = decorators.join("\n");
            let used = ba_app::tokens::identifiers(&joined, false);
            let imports = named_children(tree.root_node())
                .into_iter()
                .filter(|s| s.kind_str() == "import_statement")
                .map(|s| text(&t, s).to_owned())
                .filter(|s| {
                    let names = s.split(" from ").next().unwrap_or(s);
                    ba_app::tokens::identifiers(names, false)
                        .iter()
                        .any(|n| used.contains(n))
                })
                .collect();
            let class_name = class
                .and_then(|c| {
                    t[c..]
                        .split_whitespace()
                        .find(|w| *w != "export" && *w != "class")
                })
                .unwrap_or("?");
            return Some(Guard {
                decorators,
                imports,
                file: path.clone(),
                from: format!("{class_name}.{}", r.function),
            });
        }
    }
    None
}

/// An import copied from `from_file` into a file in `to_dir`: relative specifiers re-rooted.
fn moved_import(import: &str, from_file: &Path, to_dir: &Path) -> String {
    let Some((head, spec)) = import.rsplit_once(" from ") else {
        return import.to_owned();
    };
    let quote = spec.trim_start().chars().next().unwrap_or('\'');
    let name = spec.trim().trim_end_matches(';').trim_matches(['\'', '"']);
    if !name.starts_with('.') {
        return import.to_owned();
    }
    let target = normalize(&from_file.parent().unwrap_or(Path::new("")).join(name));
    // `./gql-auth.guard` names `gql-auth.guard.ts` (not a `.guard` extension).
    let target = PathBuf::from(format!("{}.ts", target.display()));
    let spec = relative_specifier(to_dir, &target, false);
    format!("{head} from {quote}{spec}{quote};")
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The GraphQL type function (`() => Int`; `None` for what `@Field()` infers from the
/// TypeScript type) and the TypeScript type of a field; `None` for what has no scalar here.
fn field_type(f: &Field) -> Option<(Option<&'static str>, &'static str)> {
    if f.primary_key {
        let ts = if matches!(f.kind, Kind::Int) {
            "number"
        } else {
            "string"
        };
        return Some((Some("ID"), ts));
    }
    Some(match f.kind {
        Kind::Int => (Some("Int"), "number"),
        Kind::Float => (Some("Float"), "number"),
        // TypeORM reads decimals as strings (no precision lost).
        Kind::Decimal | Kind::Str => (None, "string"),
        Kind::Bool => (None, "boolean"),
        Kind::DateTime => (None, "Date"),
        // A `date` column is read as `YYYY-MM-DD`.
        Kind::Date => (None, "string"),
        Kind::Uuid => (Some("ID"), "string"),
        Kind::Json => return None,
    })
}

/// `@Field(() => Int, { nullable: true })` and the property line.
fn field_lines(f: &Field, nullable: bool) -> Option<String> {
    let (gql, ts) = field_type(f)?;
    let options = if nullable { "{ nullable: true }" } else { "" };
    let args = match (gql, nullable) {
        (Some(g), true) => format!("() => {g}, {options}"),
        (Some(g), false) => format!("() => {g}"),
        (None, _) => options.to_owned(),
    };
    let mark = if nullable { "?" } else { "" };
    Some(format!("    @Field({args})\n    {}{mark}: {ts};\n", f.name))
}

/// A TypeScript literal of the field's type, for the spec's rows and inputs.
fn sample(f: &Field) -> &'static str {
    match field_type(f).map(|(_, ts)| ts) {
        Some("number") => "1",
        Some("boolean") => "true",
        Some("Date") => "new Date(\"2024-01-01T00:00:00Z\")",
        _ => match f.kind {
            Kind::Decimal => "\"1.50\"",
            Kind::Date => "\"2024-01-01\"",
            _ => "\"example\"",
        },
    }
}

/// The two decorator libraries: the same classes, different argument decorators, data access
/// and tests.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `@nestjs/graphql`: `@Args`, the repository injected, a module, a Jest spec with
    /// `Test.createTestingModule`.
    Nest,
    /// TypeGraphQL: `@Arg`, the repository from the project's TypeORM `DataSource`, a Jest test
    /// executing the operations through `buildSchema` with the project's `@Authorized` refused.
    TypeGraphql,
}

impl Flavour {
    fn package(self) -> &'static str {
        match self {
            Flavour::Nest => "@nestjs/graphql",
            Flavour::TypeGraphql => "type-graphql",
        }
    }
    /// An argument decorator: `@Args("limit", { type: () => Int, defaultValue: 20 })` or
    /// `@Arg("limit", () => Int, { defaultValue: 20 })`.
    fn arg(self, name: &str, ty: Option<&str>, default: Option<&str>) -> String {
        let default = default.map(|d| format!("defaultValue: {d}"));
        match self {
            Flavour::Nest => {
                let mut options: Vec<String> =
                    ty.map(|t| format!("type: () => {t}")).into_iter().collect();
                options.extend(default);
                if options.is_empty() {
                    format!("@Args(\"{name}\")")
                } else {
                    format!("@Args(\"{name}\", {{ {} }})", options.join(", "))
                }
            }
            Flavour::TypeGraphql => {
                let mut parts = vec![format!("\"{name}\"")];
                parts.extend(ty.map(|t| format!("() => {t}")));
                parts.extend(default.map(|d| format!("{{ {d} }}")));
                format!("@Arg({})", parts.join(", "))
            }
        }
    }
}

/// `export const AppDataSource = new DataSource(…)`: its name and file.
fn data_source(project: &Project, files: &dyn Files) -> Option<(String, PathBuf)> {
    project.source_files().into_iter().find_map(|(path, lang)| {
        if lang.family() != Family::JavaScript {
            return None;
        }
        let t = files.read(&path)?;
        t.lines().find_map(|l| {
            let rest = l.trim().strip_prefix("export const ")?;
            let (name, value) = rest.split_once('=')?;
            value.trim_start().starts_with("new DataSource(").then(|| {
                (
                    name.trim()
                        .trim_end_matches(|c: char| c == ':' || c.is_whitespace())
                        .to_owned(),
                    path.clone(),
                )
            })
        })
    })
}

/// The project's module that sets up `GraphQLModule.forRoot(…)` / `forRootAsync(…)` (path and
/// text), unless it already imports `module_name`.
fn graphql_root_module(
    project: &Project,
    files: &dyn Files,
    module_name: &str,
) -> Option<(PathBuf, String)> {
    project.source_files().into_iter().find_map(|(path, lang)| {
        if lang.family() != Family::JavaScript {
            return None;
        }
        let text = files.read(&path)?;
        (text.contains("GraphQLModule.forRoot")
            && text.contains("@Module(")
            && !text.contains(module_name))
        .then_some((path, text))
    })
}

pub fn generate(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    flavour: Flavour,
) -> Result<Output> {
    if m.orm != Orm::TypeOrmEntity {
        return err(format!(
            "NestJS and TypeGraphQL resolvers are generated for TypeORM entities; `{}` is not one",
            m.name
        ));
    }
    let Some(pk) = m.primary_key() else {
        return err(format!(
            "`{}` has no primary column: the resolver looks rows up by it",
            m.name
        ));
    };
    let style = Style::detect(src);
    let guard = find_guard(project, files);
    let model = &m.name;
    let var = camel(&snake(model));
    let coll = camel(&plural(&snake(model)));
    let create = format!("create{model}");
    // Nest: beside the entity (its feature folder); TypeGraphQL: beside the project's
    // resolvers when it has guarded ones.
    let entity_dir = src.path.parent().unwrap_or(&project.root).to_owned();
    let dir = match (&guard, flavour) {
        (Some(g), Flavour::TypeGraphql) => g.file.parent().map_or(entity_dir, Path::to_path_buf),
        _ => entity_dir,
    };
    let stem = snake(model).replace('_', "-");
    let resolver_path = free_path(files, dir.join(format!("{stem}.resolver.ts")));
    let module_path = free_path(files, dir.join(format!("{stem}-graphql.module.ts")));
    let spec_path = free_path(files, dir.join(format!("{stem}.resolver.spec.ts")));
    let entity = relative_specifier(&dir, src.path, false);
    let resolver_spec = relative_specifier(&dir, &resolver_path, false);

    let shown: Vec<&Field> = m
        .fields
        .iter()
        .filter(|f| field_type(f).is_some())
        .collect();
    let left_out: Vec<&str> = m
        .fields
        .iter()
        .filter(|f| field_type(f).is_none())
        .map(|f| f.name.as_str())
        .collect();
    let mut scalars: Vec<&str> = shown
        .iter()
        .filter_map(|f| field_type(f).and_then(|(g, _)| g))
        .collect();
    scalars.push("Int");
    scalars.push("ID");
    let mut object = format!("@ObjectType(\"{model}\")\nexport class {model}Object {{\n");
    for (i, f) in shown.iter().enumerate() {
        if i > 0 {
            object.push('\n');
        }
        object.push_str(&field_lines(f, f.optional).unwrap_or_default());
    }
    object.push_str("}\n");
    if !left_out.is_empty() {
        object = format!(
            "// Not exposed (no GraphQL scalar for JSON here): {}.\n{object}",
            left_out.join(", ")
        );
    }
    let writable: Vec<&Field> = m.writable().filter(|f| field_type(f).is_some()).collect();
    let arg_decorator = match flavour {
        Flavour::Nest => "Args",
        Flavour::TypeGraphql => "Arg",
    };
    let mut decorators = vec![arg_decorator, "Field", "ObjectType", "Query", "Resolver"];
    let mut common: Vec<&str> = Vec::new();
    let mut input = String::new();
    let mut mutation = String::new();
    let mut guard_imports: Vec<String> = Vec::new();
    if let Some(g) = &guard {
        decorators.extend(["InputType", "Mutation"]);
        input.push_str(&format!(
            "\n// What `{create}` reads: the client sets nothing else.\n@InputType()\nexport class {model}Input {{\n"
        ));
        for (i, f) in writable.iter().enumerate() {
            if i > 0 {
                input.push('\n');
            }
            input.push_str(&field_lines(f, f.optional || f.has_default).unwrap_or_default());
        }
        input.push_str("}\n");
        let mut assign = String::new();
        for f in &writable {
            if f.has_default {
                assign.push_str(&format!(
                    "        if (input.{0} !== undefined && input.{0} !== null) {{\n            row.{0} = input.{0};\n        }}\n",
                    f.name
                ));
            } else {
                assign.push_str(&format!("        row.{0} = input.{0};\n", f.name));
            }
        }
        let guards: String = g.decorators.iter().map(|d| format!("    {d}\n")).collect();
        mutation = format!(
            "\n    // Guarded like `{from}`.\n    @Mutation(() => {model}Object)\n{guards}    {create}({input_arg} input: {model}Input): Promise<{model}> {{\n        // Field by field: nothing else the client sends is assigned.\n        const row = this.repository.create();\n{assign}        return this.repository.save(row);\n    }}\n",
            from = g.from,
            input_arg = flavour.arg("input", None, None),
        );
        // The imports of the names the guard decorators use: `@nestjs/common`'s and the
        // library's join the generated file's own import lines, the rest are copied.
        for i in &g.imports {
            let from_package =
                |p: &str| i.contains(&format!("'{p}'")) || i.contains(&format!("\"{p}\""));
            let names = i
                .split(" from ")
                .next()
                .unwrap_or("")
                .trim_start_matches("import")
                .trim()
                .trim_matches(['{', '}', ' ']);
            let used: Vec<&str> = names
                .split(',')
                .map(|n| n.trim())
                .filter(|n| g.decorators.iter().any(|d| d.contains(&format!("@{n}("))))
                .collect();
            if from_package("@nestjs/common") {
                common.extend(used);
            } else if from_package(flavour.package()) {
                decorators.extend(used);
            } else {
                guard_imports.push(moved_import(i, &g.file, &dir));
            }
        }
    }
    scalars.sort();
    scalars.dedup();
    decorators.extend(scalars.iter().copied());
    decorators.sort_by_key(|d| d.to_ascii_lowercase());
    decorators.dedup();
    let id_value = if field_type(pk).map(|(_, ts)| ts) == Some("number") {
        "Number(id)"
    } else {
        "id"
    };
    let pk_name = &pk.name;
    let mut imports = Vec::new();
    if !common.is_empty() {
        imports.push(format!(
            "import {{ {} }} from \"@nestjs/common\";",
            common.join(", ")
        ));
    }
    imports.push(format!(
        "import {{ {} }} from \"{}\";",
        decorators.join(", "),
        flavour.package()
    ));
    let repository = match flavour {
        Flavour::Nest => {
            imports.push("import { InjectRepository } from \"@nestjs/typeorm\";".into());
            imports.push("import { Repository } from \"typeorm\";".into());
            imports.push(String::new());
            format!("    constructor(@InjectRepository({model}) private readonly repository: Repository<{model}>) {{}}\n")
        }
        Flavour::TypeGraphql => {
            let Some((name, file)) = data_source(project, files) else {
                return err("no TypeORM DataSource was found (`export const AppDataSource = new DataSource(…)`): the resolvers read through it");
            };
            imports.push(String::new());
            imports.push(format!(
                "import {{ {name} }} from \"{}\";",
                relative_specifier(&dir, &file, false)
            ));
            format!("    private readonly repository = {name}.getRepository({model});\n")
        }
    };
    imports.extend(guard_imports.iter().cloned());
    imports.push(format!("import {{ {model} }} from \"{entity}\";"));
    let without = if guard.is_some() {
        String::new()
    } else {
        format!(" No `{create}`: the project's mutations carry no guard to copy onto it, and an unguarded write is not generated.")
    };
    let resolver = format!(
        "// GraphQL for {model} ({library}, generated by backend-architect): `{var}(id)` and\n// `{coll}(limit, offset)`{with_create}.{without}\n{imports}\n\n// The most rows one request can ask for.\nconst MAX_PAGE_SIZE = 100;\n\n{object}{input}\n@Resolver(() => {model}Object)\nexport class {model}Resolver {{\n{repository}\n    @Query(() => {model}Object, {{ nullable: true }})\n    {var}({id_arg} id: string): Promise<{model} | null> {{\n        return this.repository.findOneBy({{ {pk_name}: {id_value} }});\n    }}\n\n    @Query(() => [{model}Object])\n    {coll}(\n        {limit_arg} limit: number,\n        {offset_arg} offset: number,\n    ): Promise<{model}[]> {{\n        return this.repository.find({{\n            order: {{ {pk_name}: \"ASC\" }},\n            skip: Math.max(offset, 0),\n            take: Math.min(Math.max(limit, 1), MAX_PAGE_SIZE),\n        }});\n    }}\n{mutation}}}\n",
        with_create = if guard.is_some() {
            format!(" and `{create}(input)`")
        } else {
            String::new()
        },
        imports = imports.join("\n"),
        library = match flavour {
            Flavour::Nest => "NestJS code first",
            Flavour::TypeGraphql => "TypeGraphQL",
        },
        id_arg = flavour.arg("id", Some("ID"), None),
        limit_arg = flavour.arg("limit", Some("Int"), Some("20")),
        offset_arg = flavour.arg("offset", Some("Int"), Some("0")),
    );
    let resolver_file = NewFile {
        path: resolver_path,
        content: style.render(&resolver, ""),
    };
    if flavour == Flavour::TypeGraphql {
        let test_path = free_path(files, dir.join(format!("{stem}.resolver.test.ts")));
        let Some((source, source_file)) = data_source(project, files) else {
            return err("no TypeORM DataSource was found");
        };
        let test = typegraphql_test(
            m,
            &guard,
            &source,
            &relative_specifier(&dir, &source_file, false),
            &resolver_spec,
            &var,
            &coll,
            &create,
        );
        return Ok(Output {
            edits: Vec::new(),
            files: vec![
                resolver_file,
                NewFile {
                    path: test_path,
                    content: style.render(&test, ""),
                },
            ],
        });
    }
    let module_name = format!("{model}GraphqlModule");
    // The module that sets up `GraphQLModule.forRoot…` imports the new one, so its schema picks
    // the resolver up; without one (or with one we cannot edit) the module says so.
    let edits: Vec<super::FileEdit> = graphql_root_module(project, files, &module_name)
        .and_then(|(root, text)| {
            let specifier =
                relative_specifier(root.parent().unwrap_or(&project.root), &module_path, false);
            let (edits, _) = super::nest_module::add_module_import(
                &root,
                &text,
                src.language,
                &module_name,
                &format!("import {{ {module_name} }} from \"{specifier}\";"),
            )
            .ok()?;
            Some(Output::edit(&root, edits).edits)
        })
        .unwrap_or_default();
    let note = if edits.is_empty() {
        format!("// {model}'s GraphQL resolver: add {module_name} to the `imports` of the module that sets up\n// GraphQLModule.forRoot (its schema picks the resolver up).\n")
    } else {
        format!(
            "// {model}'s GraphQL resolver, imported by the module that sets up GraphQLModule.\n"
        )
    };
    let module = format!(
        "import {{ Module }} from \"@nestjs/common\";\nimport {{ TypeOrmModule }} from \"@nestjs/typeorm\";\n\nimport {{ {model} }} from \"{entity}\";\nimport {{ {model}Resolver }} from \"{resolver_spec}\";\n\n{note}@Module({{\n    imports: [TypeOrmModule.forFeature([{model}])],\n    providers: [{model}Resolver],\n}})\nexport class {module_name} {{}}\n"
    );
    let spec = spec_file(
        m,
        &guard,
        &guard_imports,
        &entity,
        &resolver_spec,
        &var,
        &coll,
        &create,
    );
    Ok(Output {
        edits,
        files: vec![
            resolver_file,
            NewFile {
                path: module_path,
                content: style.render(&module, ""),
            },
            NewFile {
                path: spec_path,
                content: style.render(&spec, ""),
            },
        ],
    })
}

/// TypeGraphQL's Jest test: the operations executed through `buildSchema` with the
/// repository stubbed and an `authChecker` that refuses (an anonymous caller).
#[allow(clippy::too_many_arguments)]
fn typegraphql_test(
    m: &Model,
    guard: &Option<Guard>,
    source: &str,
    source_spec: &str,
    resolver: &str,
    var: &str,
    coll: &str,
    create: &str,
) -> String {
    let model = &m.name;
    let pk = m.primary_key().map_or("id", |f| f.name.as_str());
    let numeric = m
        .primary_key()
        .and_then(field_type)
        .is_some_and(|(_, ts)| ts == "number");
    let id_value = if numeric { "7" } else { "\"7\"" };
    let mut s = format!(
        "import \"reflect-metadata\";\nimport {{ graphql, GraphQLSchema }} from \"graphql\";\nimport {{ buildSchema }} from \"type-graphql\";\n\nimport {{ {source} }} from \"{source_spec}\";\nimport {{ {model}Resolver }} from \"{resolver}\";\n\n\
// The repository is stubbed: these tests are about the resolvers, not the database.\nconst repository = {{\n    findOneBy: jest.fn(),\n    find: jest.fn(),\n    create: jest.fn(() => ({{}})),\n    save: jest.fn(async (row) => ({{ {pk}: 1, ...row }})),\n}};\njest.spyOn({source}, \"getRepository\").mockReturnValue(repository as never);\n\n\
let schema: GraphQLSchema;\n\nbeforeAll(async () => {{\n    // Every `@Authorized` check refuses: the caller is anonymous.\n    schema = await buildSchema({{ resolvers: [{model}Resolver], authChecker: () => false, validate: false }});\n}});\n\nbeforeEach(() => {{\n    repository.findOneBy.mockReset();\n    repository.find.mockReset();\n    repository.save.mockClear();\n}});\n\n\
describe(\"{model}Resolver\", () => {{\n    it(\"finds a {var} by id\", async () => {{\n        repository.findOneBy.mockResolvedValue({{ {pk}: {id_value} }});\n        const {{ data, errors }} = await graphql({{ schema, source: '{{ {var}(id: \"7\") {{ {pk} }} }}' }});\n        expect(errors).toBeUndefined();\n        expect(data).toEqual({{ {var}: {{ {pk}: \"7\" }} }});\n        expect(repository.findOneBy).toHaveBeenCalledWith({{ {pk}: {id_value} }});\n    }});\n\n    it(\"answers null for a missing {var}\", async () => {{\n        repository.findOneBy.mockResolvedValue(null);\n        const {{ data }} = await graphql({{ schema, source: '{{ {var}(id: \"7\") {{ {pk} }} }}' }});\n        expect(data).toEqual({{ {var}: null }});\n    }});\n\n    it(\"pages {coll} in key order\", async () => {{\n        repository.find.mockResolvedValue([]);\n        const {{ errors }} = await graphql({{ schema, source: \"{{ {coll}(limit: 2, offset: 1) {{ {pk} }} }}\" }});\n        expect(errors).toBeUndefined();\n        expect(repository.find).toHaveBeenCalledWith({{ order: {{ {pk}: \"ASC\" }}, skip: 1, take: 2 }});\n    }});\n\n    it(\"caps the page size\", async () => {{\n        repository.find.mockResolvedValue([]);\n        await graphql({{ schema, source: \"{{ {coll}(limit: 100000, offset: -5) {{ {pk} }} }}\" }});\n        expect(repository.find).toHaveBeenCalledWith({{ order: {{ {pk}: \"ASC\" }}, skip: 0, take: 100 }});\n    }});\n"
    );
    if let Some(g) = guard {
        let input: Vec<String> = m
            .writable()
            .filter(|f| field_type(f).is_some() && !f.optional && !f.has_default)
            .map(|f| format!("{}: {}", f.name, sample(f)))
            .collect();
        s.push_str(&format!(
            "\n    it(\"refuses {create} to an anonymous caller, like {from}\", async () => {{\n        const {{ data, errors }} = await graphql({{\n            schema,\n            source: \"mutation ($input: {model}Input!) {{ {create}(input: $input) {{ {pk} }} }}\",\n            variableValues: {{ input: {{ {input} }} }},\n        }});\n        expect(errors?.[0].path).toEqual([\"{create}\"]);\n        expect(data).toBeNull();\n        expect(repository.save).not.toHaveBeenCalled();\n    }});\n",
            from = g.from,
            input = input.join(", "),
        ));
    }
    s.push_str("});\n");
    s
}

/// The Jest spec: the resolver from `Test.createTestingModule` with the repository stubbed.
#[allow(clippy::too_many_arguments)]
fn spec_file(
    m: &Model,
    guard: &Option<Guard>,
    guard_imports: &[String],
    entity: &str,
    resolver: &str,
    var: &str,
    coll: &str,
    create: &str,
) -> String {
    let model = &m.name;
    let pk = m.primary_key().map_or("id", |f| f.name.as_str());
    let numeric = m
        .primary_key()
        .and_then(field_type)
        .is_some_and(|(_, ts)| ts == "number");
    let (id_arg, id_value) = if numeric {
        ("\"7\"", "7")
    } else {
        ("\"7\"", "\"7\"")
    };
    // The guards the mutation must carry (`@UseGuards(A, B)`), checked by identity.
    let guards: Vec<String> = guard
        .as_ref()
        .map(|g| {
            g.decorators
                .iter()
                .filter_map(|d| d.strip_prefix("@UseGuards(")?.strip_suffix(')'))
                .flat_map(|inner| inner.split(',').map(|x| x.trim().to_owned()))
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut s = "import { Test } from \"@nestjs/testing\";\nimport { getRepositoryToken } from \"@nestjs/typeorm\";\n".to_owned();
    if !guards.is_empty() {
        s.push_str("import { GUARDS_METADATA } from \"@nestjs/common/constants\";\n");
    }
    s.push('\n');
    if !guards.is_empty() {
        // Beside the resolver: the same imports it has.
        for i in guard_imports {
            s.push_str(i);
            s.push('\n');
        }
    }
    s.push_str(&format!(
        "import {{ {model} }} from \"{entity}\";\nimport {{ {model}Resolver }} from \"{resolver}\";\n"
    ));
    s.push_str(&format!(
        "\n// The repository is stubbed: these tests are about the resolver, not the database.\nconst repository = {{\n    findOneBy: jest.fn(),\n    find: jest.fn(),\n    create: jest.fn(() => ({{}})),\n    save: jest.fn(async (row) => ({{ {pk}: 1, ...row }})),\n}};\n\ndescribe(\"{model}Resolver\", () => {{\n    let resolver: {model}Resolver;\n\n    beforeEach(async () => {{\n        jest.clearAllMocks();\n        const moduleRef = await Test.createTestingModule({{\n            providers: [{model}Resolver, {{ provide: getRepositoryToken({model}), useValue: repository }}],\n        }}).compile();\n        resolver = moduleRef.get({model}Resolver);\n    }});\n\n    it(\"finds a {var} by id\", async () => {{\n        repository.findOneBy.mockResolvedValue({{ {pk}: {id_value} }});\n        await expect(resolver.{var}({id_arg})).resolves.toEqual({{ {pk}: {id_value} }});\n        expect(repository.findOneBy).toHaveBeenCalledWith({{ {pk}: {id_value} }});\n    }});\n\n    it(\"answers null for a missing {var}\", async () => {{\n        repository.findOneBy.mockResolvedValue(null);\n        await expect(resolver.{var}({id_arg})).resolves.toBeNull();\n    }});\n\n    it(\"pages {coll} in key order\", async () => {{\n        repository.find.mockResolvedValue([]);\n        await resolver.{coll}(2, 1);\n        expect(repository.find).toHaveBeenCalledWith({{ order: {{ {pk}: \"ASC\" }}, skip: 1, take: 2 }});\n    }});\n\n    it(\"caps the page size\", async () => {{\n        repository.find.mockResolvedValue([]);\n        await resolver.{coll}(100000, -5);\n        expect(repository.find).toHaveBeenCalledWith({{ order: {{ {pk}: \"ASC\" }}, skip: 0, take: 100 }});\n    }});\n"
    ));
    if let Some(g) = guard {
        let required: Vec<&Field> = m
            .writable()
            .filter(|f| field_type(f).is_some() && !f.optional && !f.has_default)
            .collect();
        let input: Vec<String> = required
            .iter()
            .map(|f| format!("{}: {}", f.name, sample(f)))
            .collect();
        s.push_str(&format!(
            "\n    it(\"{create} saves only the input's fields\", async () => {{\n        const input = {{ {input}, extra: \"ignored\" }} as never;\n        const saved = await resolver.{create}(input);\n        expect(repository.save).toHaveBeenCalledWith({{ {fields} }});\n        expect(saved).toEqual({{ {pk}: 1, {fields} }});\n    }});\n",
            input = input.join(", "),
            fields = input.join(", "),
        ));
        if !guards.is_empty() {
            s.push_str(&format!(
                "\n    it(\"{create} is guarded like {from}\", () => {{\n        const guards = Reflect.getMetadata(GUARDS_METADATA, {model}Resolver.prototype.{create});\n        expect(guards).toEqual([{list}]);\n    }});\n",
                from = g.from,
                list = guards.join(", "),
            ));
        }
    }
    s.push_str("});\n");
    s
}
