//! The `migrations` project generator: Alembic for SQLAlchemy projects — `alembic.ini`,
//! `migrations/env.py` wired to the project's declarative base (its models imported so they
//! register on the metadata) and to the database URL the code reads from the environment,
//! and the revision template — so `alembic revision --autogenerate` writes the first revision.
//! Django and Node projects get what to run instead (their tools own their migrations).

use std::path::Path;

use super::{err, python_module, Files, NewFile, Output, Project, Result};
use ba_syntax::Language;

/// What the project's code says about its SQLAlchemy setup.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Setup {
    /// `(module, name)` of the declarative base (`class Base(DeclarativeBase)`,
    /// `Base = declarative_base()`).
    pub base: Option<(String, String)>,
    /// Modules defining mapped classes (`__tablename__`), imported by env.py.
    pub model_modules: Vec<String>,
    /// The environment variable holding the database URL.
    pub url_env: Option<String>,
    /// `create_async_engine` is used: env.py runs migrations through an async engine.
    pub asynchronous: bool,
}

/// Reads the declarative base, model modules and database URL variable from the sources.
pub fn setup(project: &Project, files: &dyn Files) -> Setup {
    let mut s = Setup::default();
    for (path, lang) in project.source_files() {
        if lang != Language::Python || ba_app::is_test_path(&path.to_string_lossy()) {
            continue;
        }
        let Some(text) = files.read(&path) else {
            continue;
        };
        let module = python_module(&project.root, &path);
        scan(&text, &module, &mut s);
    }
    s.model_modules.sort();
    s.model_modules.dedup();
    s
}

fn scan(text: &str, module: &str, s: &mut Setup) {
    for line in text.lines() {
        let t = line.trim();
        if s.base.is_none() {
            if let Some(rest) = t.strip_prefix("class ") {
                if let Some((name, bases)) = rest.split_once('(') {
                    if bases.starts_with("DeclarativeBase")
                        || bases.starts_with("orm.DeclarativeBase")
                    {
                        s.base = Some((module.to_owned(), name.trim().to_owned()));
                    }
                }
            } else if let Some((name, value)) = t.split_once(" = ") {
                if value.starts_with("declarative_base(")
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                {
                    s.base = Some((module.to_owned(), name.to_owned()));
                }
            }
        }
        if t.starts_with("__tablename__") {
            s.model_modules.push(module.to_owned());
        }
        if t.contains("create_async_engine(") {
            s.asynchronous = true;
        }
        if s.url_env.is_none() {
            for open in [
                "os.environ[",
                "os.environ.get(",
                "os.getenv(",
                "environ.get(",
            ] {
                let Some(i) = t.find(open) else { continue };
                let rest = t[i + open.len()..].trim_start_matches(['"', '\'']);
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let upper = name.to_ascii_uppercase();
                if upper.contains("DATABASE")
                    || upper.contains("DB_URL")
                    || upper == "DSN"
                    || upper.contains("SQLALCHEMY")
                {
                    s.url_env = Some(name);
                    break;
                }
            }
        }
    }
}

pub fn generate(project: &Project, files: &dyn Files) -> Result<Output> {
    if project.has("django") {
        return err("Django writes its own migrations: after changing a model run `python manage.py makemigrations` and commit the file it writes, then `python manage.py migrate`");
    }
    if project.node && !project.python {
        return node(project, files);
    }
    let s = setup(project, files);
    let Some((base_module, base)) = &s.base else {
        return err("no SQLAlchemy declarative base (`class Base(DeclarativeBase)` or `Base = declarative_base()`) was found in the project: Alembic needs its metadata");
    };
    if s.asynchronous {
        return err("the project uses `create_async_engine`: initialise Alembic with its async template (`alembic init -t async migrations`) and set `target_metadata` to the base's metadata in env.py");
    }
    for f in ["alembic.ini", "migrations/env.py"] {
        if files.exists(&project.root.join(f)) {
            return err(format!(
                "{f} already exists: Alembic is set up; run `alembic revision --autogenerate -m \"<change>\"`"
            ));
        }
    }
    let url_env = s.url_env.clone().unwrap_or_else(|| "DATABASE_URL".into());
    let mut imports: Vec<String> = s
        .model_modules
        .iter()
        .filter(|m| *m != base_module)
        .map(|m| format!("import {m}  # noqa: F401  (registers its models on the metadata)\n"))
        .collect();
    imports.push(format!("from {base_module} import {base}\n"));
    let env_py = ENV_PY
        .replace("{imports}", &imports.concat())
        .replace("{base}", base)
        .replace("{url_env}", &url_env);
    let root = &project.root;
    let file = |p: &str, c: String| NewFile {
        path: root.join(Path::new(p)),
        content: c,
    };
    Ok(Output {
        edits: Vec::new(),
        files: vec![
            file("alembic.ini", ALEMBIC_INI.replace("{url_env}", &url_env)),
            file("migrations/env.py", env_py),
            file("migrations/script.py.mako", SCRIPT_MAKO.to_owned()),
            file("migrations/versions/.gitkeep", String::new()),
        ],
    })
}

const ALEMBIC_INI: &str = r#"# Alembic (generated by backend-architect). The database URL is not here: migrations/env.py
# reads it from {url_env}, like the application.
#
#   alembic revision --autogenerate -m "create tables"   # compare the models with the database
#   alembic upgrade head                                 # apply every revision
[alembic]
script_location = migrations
prepend_sys_path = .
file_template = %%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"#;

const ENV_PY: &str = r#""""Alembic environment: the models' metadata, and the database URL from the environment."""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

{imports}
config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# The same variable the application reads; `%` is escaped for the ini-style config.
config.set_main_option("sqlalchemy.url", os.environ["{url_env}"].replace("%", "%%"))
target_metadata = {base}.metadata


def run_migrations_offline() -> None:
    """Write the SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a connection of their own."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            # SQLite cannot ALTER most things: batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"#;

const SCRIPT_MAKO: &str = r#""""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
"#;

/// A migration CLI that is a package of its own: (package, version range).
type NodeCli = Option<(&'static str, &'static str)>;

/// Node projects: their ORM's migration commands as package.json scripts (`npm run
/// db:migrate`…), with the CLI as a dev dependency when it is a package of its own. Without a
/// multi-line `scripts` object (or, for TypeORM, a `DataSource` file) the commands are told
/// instead.
fn node(project: &Project, files: &dyn Files) -> Result<Output> {
    let ts = project.has("typescript");
    let (orm, scripts, cli): (&str, Vec<(&str, String)>, NodeCli) = if project.has("prisma")
        || project.has("@prisma/client")
    {
        (
            "Prisma",
            vec![
                ("db:migrate:dev", "prisma migrate dev".to_owned()),
                ("db:migrate", "prisma migrate deploy".to_owned()),
                ("db:migrate:status", "prisma migrate status".to_owned()),
            ],
            Some(("prisma", "^6.0.0")),
        )
    } else if project.has("typeorm") {
        let source = [
            "src/data-source.ts",
            "src/data-source.js",
            "data-source.ts",
            "data-source.js",
            "src/db/data-source.ts",
            "src/database/data-source.ts",
            "src/config/data-source.ts",
        ]
        .into_iter()
        .find(|p| files.exists(&project.root.join(p)));
        let Some(source) = source else {
            return err("TypeORM: no data source file (`src/data-source.ts` exporting `new DataSource(…)`) was found for its CLI; with one, run `npx typeorm-ts-node-commonjs migration:generate -d src/data-source.ts src/migrations/<Change>`, then `npx typeorm-ts-node-commonjs migration:run -d src/data-source.ts`");
        };
        let runner = if source.ends_with(".ts") {
            "typeorm-ts-node-commonjs"
        } else {
            "typeorm"
        };
        let folder = if source.starts_with("src/") {
            "src/migrations"
        } else {
            "migrations"
        };
        (
            "TypeORM",
            vec![
                (
                    "migration:generate",
                    format!("{runner} migration:generate -d {source} {folder}/Migration"),
                ),
                (
                    "migration:run",
                    format!("{runner} migration:run -d {source}"),
                ),
                (
                    "migration:revert",
                    format!("{runner} migration:revert -d {source}"),
                ),
            ],
            (runner != "typeorm" || ts).then_some(("ts-node", "^10.9.2")),
        )
    } else if project.has("sequelize") {
        (
            "Sequelize",
            vec![
                (
                    "migration:generate",
                    "sequelize-cli migration:generate --name".to_owned(),
                ),
                ("db:migrate", "sequelize-cli db:migrate".to_owned()),
                (
                    "db:migrate:undo",
                    "sequelize-cli db:migrate:undo".to_owned(),
                ),
            ],
            Some(("sequelize-cli", "^6.6.2")),
        )
    } else if project.has("knex") {
        (
            "Knex",
            vec![
                ("migrate:make", "knex migrate:make".to_owned()),
                ("migrate:latest", "knex migrate:latest".to_owned()),
                ("migrate:rollback", "knex migrate:rollback".to_owned()),
            ],
            None,
        )
    } else {
        return err("`migrations` writes Alembic for SQLAlchemy projects and migration scripts for Prisma, TypeORM, Sequelize and Knex; no such ORM was found in package.json");
    };
    let told = || {
        let list: Vec<String> = scripts.iter().map(|(_, c)| format!("`npx {c}`")).collect();
        format!(
            "{orm}: package.json has no multi-line `scripts` object to add the migration commands to; run {}",
            list.join(", ")
        )
    };
    let Some(edit) = super::manifest::add_scripts(project, files, &scripts) else {
        if scripts.iter().all(|(name, _)| {
            files
                .read(&project.root.join("package.json"))
                .is_some_and(|t| t.contains(&format!("\"{name}\":")))
        }) {
            return err(format!(
                "{orm}: package.json already has the migration scripts"
            ));
        }
        return err(told());
    };
    let mut out = Output {
        edits: vec![edit],
        files: Vec::new(),
    };
    if let Some((package, range)) = cli {
        if let Some(mut dev) = super::manifest::add_dev_dependency(project, files, package, range) {
            // One edit list per file.
            if let Some(first) = out.edits.first_mut().filter(|e| e.path == dev.path) {
                first.edits.append(&mut dev.edits);
                first.edits = super::merge_insertions(std::mem::take(&mut first.edits));
            } else {
                out.edits.push(dev);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_base_models_and_url_variable() {
        let mut s = Setup::default();
        scan(
            "engine = create_engine(os.environ[\"SHOP_DATABASE_URL\"])\n\nclass Base(DeclarativeBase):\n    pass\n",
            "shop.db",
            &mut s,
        );
        scan(
            "class Order(Base):\n    __tablename__ = \"orders\"\n",
            "shop.models",
            &mut s,
        );
        assert_eq!(s.base, Some(("shop.db".into(), "Base".into())));
        assert_eq!(s.model_modules, ["shop.models"]);
        assert_eq!(s.url_env.as_deref(), Some("SHOP_DATABASE_URL"));
        let mut s = Setup::default();
        scan("Model = declarative_base()\n", "m", &mut s);
        assert_eq!(s.base, Some(("m".into(), "Model".into())));
    }
}
