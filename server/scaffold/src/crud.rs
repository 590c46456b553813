//! CRUD from a model class: a FastAPI `APIRouter` with Pydantic create/read/update schemas and
//! limit/offset pagination, a Flask blueprint, a DRF `ModelViewSet` + serializer, or an Express
//! router (Mongoose or Sequelize). Writable fields are listed explicitly everywhere, so the
//! generated code never assigns request data wholesale to a model.

use std::path::{Path, PathBuf};

use super::models::{Field, Kind, Model, Orm};
use super::{
    err, free_path, named_children, plural, python_module, relative_specifier, snake, Files,
    Framework, NewFile, Output, Project, Result, Source, Style,
};
use ba_rules::Edit;
use ba_syntax::{parse, Family, Language};

pub fn target_framework(src: &Source, project: &Project, m: &Model) -> Option<Framework> {
    match m.orm {
        Orm::Django => Some(Framework::Django),
        Orm::FlaskSqlAlchemy => Some(Framework::Flask),
        Orm::SqlAlchemy => match project.framework().or(src.framework()) {
            Some(Framework::Flask) => Some(Framework::Flask),
            _ => Some(Framework::FastApi),
        },
        // A Pydantic model has no storage to build CRUD on: schemas only.
        Orm::Pydantic => None,
        // TypeORM entities (NestJS): GraphQL resolvers only.
        Orm::TypeOrmEntity => None,
        // An Express router, unless the project is built on another Node framework (which
        // has no CRUD generator: `generate` says so, and it is not offered).
        Orm::Mongoose | Orm::Sequelize => match project.framework().or(src.framework()) {
            Some(f) if is_node(f) => Some(f),
            _ => Some(Framework::Express),
        },
    }
}

fn is_node(f: Framework) -> bool {
    matches!(
        f,
        Framework::Koa
            | Framework::NestJs
            | Framework::Fastify
            | Framework::Hapi
            | Framework::NextJs
    )
}

/// Whether `crud` can write a router for this framework.
pub fn supported(f: Framework) -> bool {
    matches!(
        f,
        Framework::FastApi | Framework::Flask | Framework::Django | Framework::Express
    )
}

pub fn generate(
    name: &str,
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
) -> Result<Output> {
    let style = Style::detect(src);
    match name {
        "schemas" => {
            if m.family != Family::Python {
                return err("Pydantic schemas are generated from Python models");
            }
            schemas_output(src, m, project, files, &style)
        }
        "crud" => match target_framework(src, project, m) {
            Some(Framework::FastApi) => fastapi(src, m, project, files, &style),
            Some(Framework::Flask) => flask(src, m, project, files, &style),
            Some(Framework::Django) => drf(src, m, project, files, &style),
            Some(Framework::Express) => express(src, m, project, files, &style),
            Some(f @ (Framework::Koa | Framework::NestJs | Framework::Fastify | Framework::Hapi | Framework::NextJs)) => {
                err(format!("{} has no CRUD generator yet", f.name()))
            }
            None => err(format!("`{}` is a Pydantic model without storage: generate its schemas, or put the cursor on the ORM model", m.name)),
        },
        _ => err(format!("`{name}` is not a model generator")),
    }
}

fn py_type(f: &Field, optional: bool) -> String {
    if optional {
        format!("Optional[{}]", f.kind.py())
    } else {
        f.kind.py().to_owned()
    }
}

fn type_imports(fields: &[&Field]) -> Vec<&'static str> {
    let mut out = Vec::new();
    let has = |k: Kind| fields.iter().any(|f| f.kind == k);
    if has(Kind::DateTime) && has(Kind::Date) {
        out.push("from datetime import date, datetime");
    } else if has(Kind::DateTime) {
        out.push("from datetime import datetime");
    } else if has(Kind::Date) {
        out.push("from datetime import date");
    }
    if has(Kind::Decimal) {
        out.push("from decimal import Decimal");
    }
    out.push("from typing import Optional");
    if has(Kind::Uuid) {
        out.push("from uuid import UUID");
    }
    out
}

/// The Pydantic schema classes (v2) for `m`, without imports.
fn schema_classes(m: &Model) -> String {
    let n = &m.name;
    let writable: Vec<&Field> = m.writable().collect();
    let mut out = format!("class {n}Base(BaseModel):\n");
    if writable.is_empty() {
        out.push_str("    pass\n");
    }
    for f in &writable {
        let default = if f.optional || f.has_default {
            " = None"
        } else {
            ""
        };
        let optional = f.optional || f.has_default;
        out.push_str(&format!(
            "    {}: {}{default}\n",
            f.name,
            py_type(f, optional)
        ));
    }
    out.push_str(&format!(
        "\n\nclass {n}Create({n}Base):\n    pass\n\n\nclass {n}Update(BaseModel):\n"
    ));
    if writable.is_empty() {
        out.push_str("    pass\n");
    }
    for f in &writable {
        out.push_str(&format!("    {}: {} = None\n", f.name, py_type(f, true)));
    }
    out.push_str(&format!(
        "\n\nclass {n}Read({n}Base):\n    model_config = ConfigDict(from_attributes=True)\n"
    ));
    if let Some(pk) = m.primary_key() {
        out.push_str(&format!("\n    {}: {}\n", pk.name, pk.kind.py()));
    }
    // Kept by the database (timestamps and the like): read, never written.
    for f in m.fields.iter().filter(|f| f.generated && !f.primary_key) {
        out.push_str(&format!("    {}: {}\n", f.name, py_type(f, f.optional)));
    }
    out
}

/// Where schemas live: `schemas.py` beside the model (appended to) or a new one.
fn schemas_output(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let (out, _) = schemas_for(src, m, project, files, style, false)?;
    Ok(out)
}

/// The schemas' output and their module.
fn schemas_for(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    style: &Style,
    reuse_existing: bool,
) -> Result<(Output, String)> {
    let dir = src.path.parent().unwrap_or(&project.root);
    let path = dir.join("schemas.py");
    let module = python_module(&project.root, &path);
    let fields: Vec<&Field> = m.fields.iter().collect();
    let mut imports: Vec<&str> = type_imports(&fields);
    imports.push("from pydantic import BaseModel, ConfigDict");
    let classes = schema_classes(m);
    match files.read(&path) {
        Some(existing) => {
            if existing.contains(&format!("class {}Create(", m.name)) {
                if reuse_existing {
                    // The router imports the schemas that are there.
                    return Ok((Output::default(), module));
                }
                return err(format!(
                    "{} already has schemas for `{}` ({}Create); nothing was changed",
                    path.display(),
                    m.name,
                    m.name
                ));
            }
            let tree = parse::parse(Language::Python, &existing, None)
                .ok_or_else(|| super::ScaffoldError("schemas.py does not parse".into()))?;
            let ssrc = Source {
                path: &path,
                language: Language::Python,
                text: &existing,
                tree: &tree,
            };
            let sstyle = Style::detect(&ssrc);
            let mut content = String::from("\n\n");
            if !existing.ends_with('\n') {
                content.insert(0, '\n');
            }
            content.push_str(&sstyle.render(&classes, ""));
            let mut edits = vec![Edit {
                range: existing.len()..existing.len(),
                content,
            }];
            let lines: Vec<String> = imports
                .iter()
                .map(|l| sstyle.render(l, "").trim_end().to_owned())
                .collect();
            edits.extend(super::imports_edit(&ssrc, &lines));
            Ok((Output::edit(&path, edits), module))
        }
        None => {
            let code = format!("{}\n\n\n{classes}", imports.join("\n"));
            let code = code.replacen("from pydantic", "\nfrom pydantic", 1);
            Ok((Output::file(path, style.render(&code, "")), module))
        }
    }
}

/// A session dependency (`get_db`/`get_session`) or sessionmaker in the project.
struct SessionSource {
    module: String,
    name: String,
    /// A sessionmaker rather than a dependency: the router defines `get_db` itself.
    maker: bool,
    is_async: bool,
}

fn find_session(project: &Project, files: &dyn Files) -> Option<SessionSource> {
    let mut maker = None;
    for (path, lang) in project.source_files() {
        if lang != Language::Python {
            continue;
        }
        let Some(t) = files.read(&path) else { continue };
        let module = python_module(&project.root, &path);
        for line in t.lines() {
            for dep in [
                "get_db",
                "get_session",
                "get_async_session",
                "get_db_session",
            ] {
                for prefix in ["def ", "async def "] {
                    if line.starts_with(&format!("{prefix}{dep}(")) {
                        return Some(SessionSource {
                            module,
                            name: dep.into(),
                            maker: false,
                            is_async: prefix.starts_with("async") || t.contains("AsyncSession"),
                        });
                    }
                }
            }
            if maker.is_none() {
                if let Some((name, rest)) = line.split_once('=') {
                    let rest = rest.trim_start();
                    if rest.starts_with("sessionmaker(") || rest.starts_with("async_sessionmaker(")
                    {
                        maker = Some(SessionSource {
                            module: module.clone(),
                            name: name.trim().into(),
                            maker: true,
                            is_async: rest.starts_with("async"),
                        });
                    }
                }
            }
        }
    }
    maker
}

fn router_path(
    src: &Source,
    project: &Project,
    files: &dyn Files,
    stem: &str,
    ext: &str,
) -> PathBuf {
    let dir = src.path.parent().unwrap_or(&project.root);
    // `routers/` beside the model, or beside its directory (`src/models/` → `src/routes/`).
    let target = [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .flat_map(|base| ["routers", "routes", "api"].map(|d| base.join(d)))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| dir.to_owned());
    let base = if target == dir {
        format!("{stem}_router.{ext}")
    } else {
        format!("{stem}.{ext}")
    };
    free_path(files, target.join(base))
}

fn fastapi(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let Some(session) = find_session(project, files) else {
        return err("no session dependency (`def get_db` / `get_session`) or `sessionmaker(...)` was found in the project; the router needs one to reach the database");
    };
    let (mut out, schemas_module) = schemas_for(src, m, project, files, style, true)?;
    let n = &m.name;
    let var = snake(n);
    let coll = plural(&var);
    let model_module = python_module(&project.root, src.path);
    let pk = m
        .primary_key()
        .map(|f| (f.name.clone(), f.kind.py()))
        .unwrap_or(("id".into(), "int"));
    let (pk_name, pk_ty) = (&pk.0, pk.1);
    let id = format!("{var}_{pk_name}");
    let a = session.is_async;
    let (def, aw, sess_ty, sess_import) = if a {
        (
            "async def",
            "await ",
            "AsyncSession",
            "from sqlalchemy.ext.asyncio import AsyncSession",
        )
    } else {
        ("def", "", "Session", "from sqlalchemy.orm import Session")
    };
    let mut imports = vec![
        "from fastapi import APIRouter, Depends, HTTPException, Query, status".to_owned(),
        "from sqlalchemy import select".to_owned(),
        sess_import.to_owned(),
        String::new(),
        format!("from {model_module} import {n}"),
        format!("from {schemas_module} import {n}Create, {n}Read, {n}Update"),
    ];
    let mut get_db = String::new();
    if session.maker {
        imports.push(format!("from {} import {}", session.module, session.name));
        get_db = if a {
            format!(
                "\n\nasync def get_db():\n    async with {}() as session:\n        yield session\n",
                session.name
            )
        } else {
            format!(
                "\n\ndef get_db():\n    with {}() as session:\n        yield session\n",
                session.name
            )
        };
    } else {
        imports.push(format!("from {} import {}", session.module, session.name));
    }
    let dep = if session.maker {
        "get_db".to_owned()
    } else {
        session.name.clone()
    };
    if matches!(pk_ty, "UUID") {
        imports.insert(0, "from uuid import UUID\n".into());
    }
    let db = format!("db: {sess_ty} = Depends({dep})");
    let list_query = format!("select({n}).order_by({n}.{pk_name}).offset(offset).limit(limit)");
    let list_body =
        format!("    result = {aw}db.execute({list_query})\n    return result.scalars().all()\n");
    let code = format!(
        "{imports}\n{get_db}\nrouter = APIRouter(prefix=\"/{coll}\", tags=[\"{coll}\"])\n\n\n\
@router.get(\"/\", response_model=list[{n}Read])\n{def} list_{coll}(\n    limit: int = Query(20, ge=1, le=100),\n    offset: int = Query(0, ge=0),\n    {db},\n):\n{list_body}\n\n\
@router.post(\"/\", response_model={n}Read, status_code=status.HTTP_201_CREATED)\n{def} create_{var}(payload: {n}Create, {db}):\n    {var} = {n}(**payload.model_dump())\n    db.add({var})\n    {aw}db.commit()\n    {aw}db.refresh({var})\n    return {var}\n\n\n\
{def} _get_or_404(db: {sess_ty}, {id}: {pk_ty}) -> {n}:\n    {var} = {aw}db.get({n}, {id})\n    if {var} is None:\n        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=\"{n} not found\")\n    return {var}\n\n\n\
@router.get(\"/{{{id}}}\", response_model={n}Read)\n{def} read_{var}({id}: {pk_ty}, {db}):\n    return {aw}_get_or_404(db, {id})\n\n\n\
@router.patch(\"/{{{id}}}\", response_model={n}Read)\n{def} update_{var}({id}: {pk_ty}, payload: {n}Update, {db}):\n    {var} = {aw}_get_or_404(db, {id})\n    for field, value in payload.model_dump(exclude_unset=True).items():\n        setattr({var}, field, value)\n    {aw}db.commit()\n    {aw}db.refresh({var})\n    return {var}\n\n\n\
@router.delete(\"/{{{id}}}\", status_code=status.HTTP_204_NO_CONTENT)\n{def} delete_{var}({id}: {pk_ty}, {db}):\n    {var} = {aw}_get_or_404(db, {id})\n    {aw}db.delete({var})\n    {aw}db.commit()\n",
        imports = imports.join("\n"),
    );
    let path = router_path(src, project, files, &coll, "py");
    out.files.push(NewFile {
        path,
        content: style.render(&code, ""),
    });
    Ok(out)
}

/// `db = SQLAlchemy()` somewhere in the project, as (module, name).
fn find_flask_db(src: &Source, project: &Project, files: &dyn Files) -> Option<(String, String)> {
    let mut paths: Vec<PathBuf> = vec![src.path.to_owned()];
    paths.extend(
        project
            .source_files()
            .into_iter()
            .filter(|(_, l)| *l == Language::Python)
            .map(|(p, _)| p),
    );
    for path in paths {
        let t = if path == src.path {
            Some(src.text.to_owned())
        } else {
            files.read(&path)
        };
        let Some(t) = t else { continue };
        for line in t.lines() {
            if let Some((name, rest)) = line.split_once('=') {
                if rest.trim_start().starts_with("SQLAlchemy(") && !name.contains(' ')
                    || rest.trim_start().starts_with("SQLAlchemy(")
                        && name.trim().chars().all(|c| c.is_alphanumeric() || c == '_')
                {
                    return Some((python_module(&project.root, &path), name.trim().to_owned()));
                }
            }
        }
    }
    None
}

fn flask(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let Some((db_module, db)) = find_flask_db(src, project, files) else {
        return err("no `db = SQLAlchemy()` was found in the project; the blueprint uses Flask-SQLAlchemy's session");
    };
    let n = &m.name;
    let var = snake(n);
    let coll = plural(&var);
    let model_module = python_module(&project.root, src.path);
    let pk = m
        .primary_key()
        .map(|f| f.name.clone())
        .unwrap_or_else(|| "id".into());
    let conv = if m.primary_key().is_some_and(|f| f.kind != Kind::Int) {
        ""
    } else {
        "int:"
    };
    let writable: Vec<String> = m.writable().map(|f| format!("\"{}\"", f.name)).collect();
    let required: Vec<String> = m
        .writable()
        .filter(|f| !f.optional && !f.has_default)
        .map(|f| format!("\"{}\"", f.name))
        .collect();
    let tuple = |v: &[String]| {
        if v.len() == 1 {
            format!("({},)", v[0])
        } else {
            format!("({})", v.join(", "))
        }
    };
    let dict_items: Vec<String> = m
        .fields
        .iter()
        .map(|f| {
            if matches!(f.kind, Kind::DateTime | Kind::Date) {
                format!(
                    "\"{0}\": {var}.{0}.isoformat() if {var}.{0} else None",
                    f.name
                )
            } else if matches!(f.kind, Kind::Decimal | Kind::Uuid) {
                format!(
                    "\"{0}\": str({var}.{0}) if {var}.{0} is not None else None",
                    f.name
                )
            } else {
                format!("\"{0}\": {var}.{0}", f.name)
            }
        })
        .collect();
    let dict = dict_items
        .iter()
        .map(|i| format!("        {i},\n"))
        .collect::<String>();
    let imports = if db_module == model_module {
        format!("from flask import Blueprint, request\n\nfrom {model_module} import {n}, {db}")
    } else {
        format!("from flask import Blueprint, request\n\nfrom {db_module} import {db}\nfrom {model_module} import {n}")
    };
    let code = format!(
        "{imports}\n\n# Register it on the app: app.register_blueprint({coll})\n{coll} = Blueprint(\"{coll}\", __name__, url_prefix=\"/{coll}\")\n\n\
# Only these fields are read from requests: nothing else can be mass-assigned.\nWRITABLE = {writable}\nREQUIRED = {required}\n\n\n\
def to_dict({var}):\n    return {{\n{dict}    }}\n\n\n\
@{coll}.get(\"/\")\ndef list_{coll}():\n    limit = min(max(request.args.get(\"limit\", 20, type=int), 1), 100)\n    offset = max(request.args.get(\"offset\", 0, type=int), 0)\n    query = {db}.select({n}).order_by({n}.{pk}).offset(offset).limit(limit)\n    return [to_dict(row) for row in {db}.session.execute(query).scalars()]\n\n\n\
@{coll}.post(\"/\")\ndef create_{var}():\n    data = request.get_json(silent=True) or {{}}\n    missing = [field for field in REQUIRED if field not in data]\n    if missing:\n        return {{\"error\": \"missing fields: \" + \", \".join(missing)}}, 400\n    {var} = {n}(**{{field: data[field] for field in WRITABLE if field in data}})\n    {db}.session.add({var})\n    {db}.session.commit()\n    return to_dict({var}), 201\n\n\n\
@{coll}.get(\"/<{conv}{var}_id>\")\ndef read_{var}({var}_id):\n    return to_dict({db}.get_or_404({n}, {var}_id))\n\n\n\
@{coll}.patch(\"/<{conv}{var}_id>\")\ndef update_{var}({var}_id):\n    {var} = {db}.get_or_404({n}, {var}_id)\n    data = request.get_json(silent=True) or {{}}\n    for field in WRITABLE:\n        if field in data:\n            setattr({var}, field, data[field])\n    {db}.session.commit()\n    return to_dict({var})\n\n\n\
@{coll}.delete(\"/<{conv}{var}_id>\")\ndef delete_{var}({var}_id):\n    {var} = {db}.get_or_404({n}, {var}_id)\n    {db}.session.delete({var})\n    {db}.session.commit()\n    return \"\", 204\n",
        writable = tuple(&writable),
        required = if required.is_empty() { "()".to_owned() } else { tuple(&required) },
    );
    let path = router_path(src, project, files, &coll, "py");
    Ok(Output::file(path, style.render(&code, "")))
}

fn drf(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let n = &m.name;
    let coll = plural(&snake(n));
    let fields: Vec<String> = m.fields.iter().map(|f| format!("\"{}\"", f.name)).collect();
    let read_only: Vec<String> = m
        .fields
        .iter()
        .filter(|f| f.primary_key)
        .map(|f| format!("\"{}\"", f.name))
        .collect();
    let module = src
        .path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("models");
    let code = format!(
        "\"\"\"REST API for {n}: serializer, viewset and router.\n\nInclude it from the project's urls.py: path(\"api/\", include(\"{app}.api\")).\n\"\"\"\n\nfrom rest_framework import routers, serializers, viewsets\nfrom rest_framework.pagination import LimitOffsetPagination\n\nfrom .{module} import {n}\n\n\n\
class {n}Serializer(serializers.ModelSerializer):\n    class Meta:\n        model = {n}\n        # Listed explicitly: a new model field is not exposed until it is added here.\n        fields = [{fields}]\n        read_only_fields = [{ro}]\n\n\n\
class {n}Pagination(LimitOffsetPagination):\n    default_limit = 20\n    max_limit = 100\n\n\n\
class {n}ViewSet(viewsets.ModelViewSet):\n    queryset = {n}.objects.all().order_by(\"{pk}\")\n    serializer_class = {n}Serializer\n    pagination_class = {n}Pagination\n\n\n\
router = routers.DefaultRouter()\nrouter.register(\"{coll}\", {n}ViewSet)\nurlpatterns = router.urls\n",
        app = python_module(&project.root, src.path.parent().unwrap_or(&project.root).join("x.py").as_path()).trim_end_matches(".x").to_owned(),
        fields = fields.join(", "),
        ro = read_only.join(", "),
        pk = m.primary_key().map(|f| f.name.as_str()).unwrap_or("id"),
    );
    let dir = src.path.parent().unwrap_or(&project.root);
    let path = free_path(files, dir.join("api.py"));
    Ok(Output::file(path, style.render(&code, "")))
}

/// How the model is exported from its file: `(binding, default export)`.
pub(crate) fn js_model_export(src: &Source, m: &Model) -> Option<(String, bool)> {
    for stmt in named_children(src.tree.root_node()) {
        let t = src.text_of(stmt).trim_end_matches(';').trim();
        let Some(rhs) = t
            .strip_prefix("module.exports = ")
            .or_else(|| t.strip_prefix("export default "))
        else {
            if (t.starts_with("module.exports.")
                || t.starts_with("exports.")
                || t.starts_with("export {")
                || t.starts_with(&format!("export const {} ", m.name)))
                && t.contains(&m.name)
            {
                return Some((m.name.clone(), false));
            }
            continue;
        };
        if rhs == m.name
            || rhs.contains(&format!("'{}'", m.name))
            || rhs.contains(&format!("\"{}\"", m.name))
        {
            return Some((m.name.clone(), true));
        }
        if rhs.starts_with('{') && rhs.contains(&m.name) {
            return Some((m.name.clone(), false));
        }
    }
    None
}

fn express(
    src: &Source,
    m: &Model,
    project: &Project,
    files: &dyn Files,
    style: &Style,
) -> Result<Output> {
    let Some((binding, default)) = js_model_export(src, m) else {
        return err(format!("this file does not export the `{0}` model: add `module.exports = {0}` (or `export default {0}`) so the router can import it", m.name));
    };
    let var = snake(&m.name);
    let coll = plural(&var);
    let ext = src
        .path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("js");
    let path = router_path(src, project, files, &coll, ext);
    let esm = style.esm;
    let spec = relative_specifier(
        path.parent().unwrap_or(Path::new("/")),
        src.path,
        esm && !matches!(src.language, Language::TypeScript | Language::Tsx),
    );
    let import = match (esm, default) {
        (true, true) => {
            format!("import express from \"express\";\n\nimport {binding} from \"{spec}\";")
        }
        (true, false) => {
            format!("import express from \"express\";\n\nimport {{ {binding} }} from \"{spec}\";")
        }
        (false, true) => format!(
            "const express = require(\"express\");\n\nconst {binding} = require(\"{spec}\");"
        ),
        (false, false) => format!(
            "const express = require(\"express\");\n\nconst {{ {binding} }} = require(\"{spec}\");"
        ),
    };
    let fields: String = m
        .writable()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    // Destructured by name: only these fields are ever read from a request.
    let pick = format!("// Only these fields are read from requests: nothing else can be mass-assigned.\n        // Fields a request leaves out are undefined, which {orm} skips: an update changes only what it sends.\n        const {{ {fields} }} = req.body ?? {{}};", orm = if m.orm == Orm::Mongoose { "Mongoose" } else { "Sequelize" });
    let mongoose = m.orm == Orm::Mongoose;
    let list = if mongoose {
        format!("{binding}.find().sort({{ _id: 1 }}).skip(offset).limit(limit)")
    } else {
        format!(
            "{binding}.findAll({{ limit, offset, order: [[\"{}\", \"ASC\"]] }})",
            m.primary_key().map(|f| f.name.as_str()).unwrap_or("id")
        )
    };
    let find = if mongoose { "findById" } else { "findByPk" };
    // (how the record is found, what is done to it once found)
    let (update_find, update_after) = if mongoose {
        (format!("const {var} = await {binding}.findByIdAndUpdate(req.params.id, {{ {fields} }}, {{ new: true, runValidators: true }});"), String::new())
    } else {
        (
            format!("const {var} = await {binding}.findByPk(req.params.id);"),
            format!("\n        await {var}.update({{ {fields} }});"),
        )
    };
    let (delete_find, delete_after) = if mongoose {
        (
            format!("const {var} = await {binding}.findByIdAndDelete(req.params.id);"),
            String::new(),
        )
    } else {
        (
            format!("const {var} = await {binding}.findByPk(req.params.id);"),
            format!("\n        await {var}.destroy();"),
        )
    };
    let export = if esm {
        "export default router;"
    } else {
        "module.exports = router;"
    };
    let code = format!(
        "{import}\n\nconst router = express.Router();\n\n\
router.get(\"/\", async (req, res, next) => {{\n    try {{\n        const limit = Math.min(Math.max(Number.parseInt(String(req.query.limit), 10) || 20, 1), 100);\n        const offset = Math.max(Number.parseInt(String(req.query.offset), 10) || 0, 0);\n        res.json(await {list});\n    }} catch (err) {{\n        next(err);\n    }}\n}});\n\n\
router.post(\"/\", async (req, res, next) => {{\n    try {{\n        {pick}\n        const {var} = await {binding}.create({{ {fields} }});\n        res.status(201).json({var});\n    }} catch (err) {{\n        next(err);\n    }}\n}});\n\n\
router.get(\"/:id\", async (req, res, next) => {{\n    try {{\n        const {var} = await {binding}.{find}(req.params.id);\n        if (!{var}) {{\n            return res.status(404).json({{ error: \"{name} not found\" }});\n        }}\n        res.json({var});\n    }} catch (err) {{\n        next(err);\n    }}\n}});\n\n\
router.patch(\"/:id\", async (req, res, next) => {{\n    try {{\n        {pick}\n        {update_find}\n        if (!{var}) {{\n            return res.status(404).json({{ error: \"{name} not found\" }});\n        }}{update_after}\n        res.json({var});\n    }} catch (err) {{\n        next(err);\n    }}\n}});\n\n\
router.delete(\"/:id\", async (req, res, next) => {{\n    try {{\n        {delete_find}\n        if (!{var}) {{\n            return res.status(404).json({{ error: \"{name} not found\" }});\n        }}{delete_after}\n        res.status(204).end();\n    }} catch (err) {{\n        next(err);\n    }}\n}});\n\n\
// Mount it with: app.use(\"/{coll}\", router)\n{export}\n",
        name = m.name,
    );
    let _ = project;
    Ok(Output::file(path, style.render(&code, "")))
}
