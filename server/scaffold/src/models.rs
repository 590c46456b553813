//! A small model-field reader: the class (or schema) under the cursor and its fields, for
//! SQLAlchemy (`Column`, `mapped_column`, `Mapped[...]`, Flask-SQLAlchemy `db.Column`), Django
//! models, Pydantic models, Mongoose schemas and Sequelize models.

use ba_syntax::NodeExt;
use std::ops::Range;

use tree_sitter::Node;

use super::{named_children, text, Source};
use ba_syntax::Family;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orm {
    SqlAlchemy,
    /// Flask-SQLAlchemy's `db.Model`.
    FlaskSqlAlchemy,
    Django,
    Pydantic,
    Mongoose,
    Sequelize,
    /// A TypeORM `@Entity()` class.
    TypeOrmEntity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Decimal,
    Str,
    Bool,
    DateTime,
    Date,
    Uuid,
    Json,
}

impl Kind {
    /// From a type name in any of the ORMs (`Integer`, `CharField`, `str`, `Number`, `DataTypes.STRING`).
    fn from_name(t: &str) -> Option<Kind> {
        let base = t.rsplit('.').next().unwrap_or(t);
        let base = base.split('(').next().unwrap_or(base);
        let l = base.to_ascii_lowercase();
        Some(match l.as_str() {
            "int"
            | "integer"
            | "biginteger"
            | "smallinteger"
            | "autofield"
            | "bigautofield"
            | "integerfield"
            | "bigintegerfield"
            | "smallintegerfield"
            | "positiveintegerfield"
            | "positivesmallintegerfield"
            | "bigint"
            | "smallint"
            | "tinyint"
            | "mediumint" => Kind::Int,
            "float" | "floatfield" | "double" | "real" | "number" => Kind::Float,
            "numeric" | "decimal" | "decimalfield" | "decimal128" => Kind::Decimal,
            "str" | "string" | "text" | "unicode" | "unicodetext" | "charfield" | "textfield"
            | "emailfield" | "slugfield" | "urlfield" | "varchar" | "char" | "citext"
            | "emailstr" | "httpurl" | "enum" => Kind::Str,
            "bool" | "boolean" | "booleanfield" | "nullbooleanfield" => Kind::Bool,
            "datetime" | "datetimefield" | "timestamp" | "date_time" => Kind::DateTime,
            "date" | "datefield" | "dateonly" => Kind::Date,
            "uuid" | "uuidfield" | "uuidv4" | "objectid" => Kind::Uuid,
            "json" | "jsonb" | "jsonfield" | "dict" | "mixed" | "object" | "array" => Kind::Json,
            _ => return None,
        })
    }

    pub fn py(self) -> &'static str {
        match self {
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Decimal => "Decimal",
            Kind::Str => "str",
            Kind::Bool => "bool",
            Kind::DateTime => "datetime",
            Kind::Date => "date",
            Kind::Uuid => "UUID",
            Kind::Json => "dict",
        }
    }

    /// A Python literal of this type, for test bodies.
    pub fn sample_py(self) -> &'static str {
        match self {
            Kind::Int => "1",
            Kind::Float | Kind::Decimal => "1.5",
            Kind::Bool => "True",
            Kind::DateTime => "\"2024-01-01T00:00:00\"",
            Kind::Date => "\"2024-01-01\"",
            Kind::Uuid => "\"00000000-0000-0000-0000-000000000001\"",
            Kind::Json => "{}",
            Kind::Str => "\"example\"",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub kind: Kind,
    pub optional: bool,
    pub primary_key: bool,
    /// Has a default (`default=`, `server_default`, `auto_now`): optional on create.
    pub has_default: bool,
    /// Maintained by the database or the ORM (`server_default`, `onupdate`, `auto_now`):
    /// read, never written by clients.
    pub generated: bool,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub orm: Orm,
    pub family: Family,
    pub fields: Vec<Field>,
    /// The class or declaration.
    pub range: Range<usize>,
}

impl Model {
    pub fn primary_key(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.primary_key)
    }
    /// Fields a client may set.
    pub fn writable(&self) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .filter(|f| !f.primary_key && !f.generated)
    }
}

pub fn model_at(src: &Source, offset: usize) -> Option<Model> {
    let models = match src.family() {
        Family::Python => python_models(src),
        Family::JavaScript => {
            let mut models = js_models(src);
            models.extend(typeorm_entities(src));
            models
        }
    };
    models
        .into_iter()
        .find(|m| m.range.start <= offset && offset <= m.range.end)
}

fn kw<'t>(src: &Source, call: Node<'t>, name: &str) -> Option<Node<'t>> {
    call.field("arguments")
        .map(named_children)?
        .into_iter()
        .filter(|a| a.kind_str() == "keyword_argument")
        .find(|a| a.field("name").is_some_and(|n| text(src.text, n) == name))
        .and_then(|a| a.field("value"))
}

fn is_true(src: &Source, n: Option<Node>) -> bool {
    n.is_some_and(|n| text(src.text, n) == "True")
}

/// `Optional[X]`, `X | None`, `Mapped[Optional[X]]` → (X, optional).
fn unwrap_annotation(t: &str) -> (String, bool) {
    let mut t = t.trim().to_owned();
    let mut optional = false;
    loop {
        let inner = ["Mapped[", "Optional[", "typing.Optional[", "sa.orm.Mapped["]
            .iter()
            .find_map(|p| {
                t.strip_prefix(p)
                    .and_then(|r| r.strip_suffix(']'))
                    .map(|r| (p.contains("Optional"), r.to_owned()))
            });
        match inner {
            Some((opt, r)) => {
                optional |= opt;
                t = r;
            }
            None => break,
        }
    }
    if let Some(r) = t.strip_suffix("| None").or_else(|| t.strip_suffix("|None")) {
        optional = true;
        t = r.trim().to_owned();
    }
    if let Some(r) = t.strip_prefix("None |") {
        optional = true;
        t = r.trim().to_owned();
    }
    (t, optional)
}

pub fn python_models(src: &Source) -> Vec<Model> {
    let mut out = Vec::new();
    let django_file = src.text.contains("from django");
    for item in named_children(src.tree.root_node()) {
        let class = match item.kind_str() {
            "class_definition" => item,
            "decorated_definition" => match item.field("definition") {
                Some(d) if d.kind_str() == "class_definition" => d,
                _ => continue,
            },
            _ => continue,
        };
        let supers = class
            .field("superclasses")
            .map(|s| text(src.text, s))
            .unwrap_or("");
        let body = class.field("body");
        let body_text = body.map(|b| text(src.text, b)).unwrap_or("");
        let orm = if supers.contains("models.Model") || (django_file && supers.contains("(Model")) {
            Orm::Django
        } else if supers.contains("db.Model") {
            Orm::FlaskSqlAlchemy
        } else if body_text.contains("Column(")
            || body_text.contains("mapped_column(")
            || body_text.contains("Mapped[")
            || supers.contains("table=True")
        {
            Orm::SqlAlchemy
        } else if supers.contains("BaseModel") || supers.contains("SQLModel") {
            Orm::Pydantic
        } else {
            continue;
        };
        let name = class
            .field("name")
            .map(|n| text(src.text, n).to_owned())
            .unwrap_or_default();
        let mut fields = Vec::new();
        for stmt in body.map(named_children).unwrap_or_default() {
            let Some(assign) = stmt.named_child(0).filter(|a| {
                stmt.kind_str() == "expression_statement" && a.kind_str() == "assignment"
            }) else {
                continue;
            };
            let Some(left) = assign
                .field("left")
                .filter(|l| l.kind_str() == "identifier")
            else {
                continue;
            };
            let fname = text(src.text, left).to_owned();
            if fname.starts_with('_') || fname == "model_config" || fname == "objects" {
                continue;
            }
            let ann = assign.field("type").map(|t| text(src.text, t).to_owned());
            let right = assign.field("right");
            let call = right.filter(|r| r.kind_str() == "call");
            let callee = call
                .and_then(|c| c.field("function"))
                .map(|f| text(src.text, f))
                .unwrap_or("");
            let callee_last = callee.rsplit('.').next().unwrap_or(callee);
            let field = match orm {
                Orm::Django => {
                    let Some(call) = call else { continue };
                    if matches!(
                        callee_last,
                        "ManyToManyField" | "OneToOneField" | "GenericForeignKey"
                    ) {
                        continue;
                    }
                    // A foreign key is set and serialised by its primary key under the field's name.
                    let (kind, fname) = if callee_last == "ForeignKey" {
                        (Kind::Int, fname)
                    } else {
                        let Some(k) = Kind::from_name(callee_last) else {
                            continue;
                        };
                        (k, fname)
                    };
                    Field {
                        name: fname,
                        kind,
                        optional: is_true(src, kw(src, call, "null"))
                            || is_true(src, kw(src, call, "blank")),
                        primary_key: is_true(src, kw(src, call, "primary_key"))
                            || callee_last.ends_with("AutoField"),
                        has_default: kw(src, call, "default").is_some()
                            || is_true(src, kw(src, call, "auto_now"))
                            || is_true(src, kw(src, call, "auto_now_add")),
                        generated: is_true(src, kw(src, call, "auto_now"))
                            || is_true(src, kw(src, call, "auto_now_add")),
                    }
                }
                Orm::SqlAlchemy | Orm::FlaskSqlAlchemy => {
                    if matches!(
                        callee_last,
                        "relationship" | "backref" | "association_proxy"
                    ) {
                        continue;
                    }
                    let is_column = matches!(callee_last, "Column" | "mapped_column");
                    let (ann_ty, ann_opt) =
                        ann.as_deref().map(unwrap_annotation).unwrap_or_default();
                    if !is_column && ann.as_deref().is_none_or(|a| !a.contains("Mapped[")) {
                        continue;
                    }
                    let args = call
                        .and_then(|c| c.field("arguments"))
                        .map(named_children)
                        .unwrap_or_default();
                    let col_ty = args
                        .iter()
                        .filter(|a| a.kind_str() != "keyword_argument" && a.kind_str() != "string")
                        .map(|a| text(src.text, *a))
                        .find_map(Kind::from_name);
                    let is_fk = args
                        .iter()
                        .any(|a| text(src.text, *a).contains("ForeignKey("));
                    let Some(kind) = col_ty
                        .or_else(|| Kind::from_name(&ann_ty))
                        .or(is_fk.then_some(Kind::Int))
                    else {
                        continue;
                    };
                    let nullable = call
                        .and_then(|c| kw(src, c, "nullable"))
                        .map(|n| text(src.text, n) == "True");
                    let pk = call.is_some_and(|c| is_true(src, kw(src, c, "primary_key")));
                    Field {
                        name: fname,
                        kind,
                        optional: nullable.unwrap_or(if ann.is_some() { ann_opt } else { !pk }),
                        primary_key: pk,
                        has_default: call.is_some_and(|c| {
                            kw(src, c, "default").is_some()
                                || kw(src, c, "server_default").is_some()
                        }),
                        generated: call.is_some_and(|c| {
                            kw(src, c, "server_default").is_some()
                                || kw(src, c, "onupdate").is_some()
                                || kw(src, c, "server_onupdate").is_some()
                        }),
                    }
                }
                Orm::Pydantic => {
                    let Some(ann) = ann else { continue };
                    let (ty, opt) = unwrap_annotation(&ann);
                    let Some(kind) = Kind::from_name(&ty) else {
                        continue;
                    };
                    Field {
                        name: fname,
                        kind,
                        optional: opt,
                        primary_key: false,
                        has_default: right.is_some(),
                        generated: false,
                    }
                }
                _ => continue,
            };
            fields.push(field);
        }
        if orm == Orm::Django && !fields.iter().any(|f| f.primary_key) {
            // Django adds `id` unless a field is the primary key.
            fields.insert(
                0,
                Field {
                    name: "id".into(),
                    kind: Kind::Int,
                    optional: false,
                    primary_key: true,
                    has_default: true,
                    generated: true,
                },
            );
        }
        if fields.is_empty() {
            continue;
        }
        out.push(Model {
            name,
            orm,
            family: Family::Python,
            fields,
            range: item.byte_range(),
        });
    }
    out
}

/// Fields of a Mongoose schema / Sequelize attributes object.
fn js_fields(src: &Source, obj: Node, sequelize: bool) -> Vec<Field> {
    let mut out = Vec::new();
    for pair in named_children(obj)
        .into_iter()
        .filter(|p| p.kind_str() == "pair")
    {
        let (Some(key), Some(value)) = (pair.field("key"), pair.field("value")) else {
            continue;
        };
        let name = text(src.text, key).trim_matches(['"', '\'']).to_owned();
        let (ty, options) = if value.kind_str() == "object" {
            let ty = named_children(value)
                .into_iter()
                .filter(|p| p.kind_str() == "pair")
                .find(|p| p.field("key").is_some_and(|k| text(src.text, k) == "type"))
                .and_then(|p| p.field("value"))
                .map(|v| text(src.text, v).to_owned());
            (ty, text(src.text, value).to_owned())
        } else if value.kind_str() == "array" {
            (Some("Array".to_owned()), String::new())
        } else {
            (Some(text(src.text, value).to_owned()), String::new())
        };
        let Some(kind) = ty.as_deref().and_then(Kind::from_name) else {
            continue;
        };
        let compact: String = options.chars().filter(|c| !c.is_whitespace()).collect();
        let required = if sequelize {
            compact.contains("allowNull:false")
        } else {
            compact.contains("required:true")
        };
        out.push(Field {
            name,
            kind,
            optional: !required,
            primary_key: compact.contains("primaryKey:true"),
            has_default: compact.contains("defaultValue:")
                || compact.contains("default:")
                || compact.contains("autoIncrement:true"),
            generated: compact.contains("autoIncrement:true")
                || compact.contains("defaultValue:DataTypes.NOW")
                || compact.contains("default:Date.now"),
        });
    }
    out
}

fn js_models(src: &Source) -> Vec<Model> {
    let mut out = Vec::new();
    // Schema variables (Mongoose) by name → (fields, declaration range).
    let mut schemas: Vec<(String, Vec<Field>, Range<usize>)> = Vec::new();
    let mut stack = vec![src.tree.root_node()];
    let mut calls = Vec::new();
    while let Some(n) = stack.pop() {
        if matches!(n.kind_str(), "call_expression" | "new_expression") {
            calls.push(n);
        }
        stack.extend(named_children(n));
    }
    calls.sort_by_key(|n| n.start_byte());
    let statement_of = |n: Node| -> Range<usize> {
        named_children(src.tree.root_node())
            .into_iter()
            .find(|s| s.start_byte() <= n.start_byte() && n.end_byte() <= s.end_byte())
            .map_or(n.byte_range(), |s| s.byte_range())
    };
    let declared_name = |n: Node| -> Option<String> {
        let stmt = named_children(src.tree.root_node())
            .into_iter()
            .find(|s| s.start_byte() <= n.start_byte() && n.end_byte() <= s.end_byte())?;
        let decl = named_children(stmt)
            .into_iter()
            .find(|d| d.kind_str() == "variable_declarator")?;
        decl.field("name").map(|x| text(src.text, x).to_owned())
    };
    for n in &calls {
        let callee = n
            .field("function")
            .or_else(|| n.field("constructor"))
            .map(|f| text(src.text, f))
            .unwrap_or("");
        let args = n.field("arguments").map(named_children).unwrap_or_default();
        let last = callee.rsplit('.').next().unwrap_or(callee);
        if n.kind_str() == "new_expression" && last == "Schema" {
            if let Some(obj) = args.first().filter(|a| a.kind_str() == "object") {
                let name = declared_name(*n).unwrap_or_default();
                schemas.push((name, js_fields(src, *obj, false), statement_of(*n)));
            }
        } else if n.kind_str() == "call_expression"
            && last == "model"
            && callee.contains("mongoose")
            || callee == "model"
        {
            let (Some(name), Some(schema)) = (args.first(), args.get(1)) else {
                continue;
            };
            let model_name = text(src.text, *name)
                .trim_matches(['"', '\'', '`'])
                .to_owned();
            let schema_name = text(src.text, *schema);
            if let Some((_, fields, range)) = schemas.iter().find(|(s, _, _)| s == schema_name) {
                let mut fields = fields.clone();
                fields.insert(
                    0,
                    Field {
                        name: "_id".into(),
                        kind: Kind::Uuid,
                        optional: false,
                        primary_key: true,
                        has_default: true,
                        generated: true,
                    },
                );
                let here = statement_of(*n);
                out.push(Model {
                    name: model_name.clone(),
                    orm: Orm::Mongoose,
                    family: Family::JavaScript,
                    fields: fields.clone(),
                    range: here,
                });
                out.push(Model {
                    name: model_name,
                    orm: Orm::Mongoose,
                    family: Family::JavaScript,
                    fields,
                    range: range.clone(),
                });
            }
        } else if n.kind_str() == "call_expression" && (last == "define" || last == "init") {
            let (name, obj) = if last == "define" {
                (
                    args.first()
                        .map(|a| text(src.text, *a).trim_matches(['"', '\'', '`']).to_owned()),
                    args.get(1),
                )
            } else {
                (
                    n.field("function")
                        .and_then(|f| f.field("object"))
                        .map(|o| text(src.text, o).to_owned()),
                    args.first(),
                )
            };
            let (Some(name), Some(obj)) = (name, obj.filter(|o| o.kind_str() == "object")) else {
                continue;
            };
            let mut fields = js_fields(src, *obj, true);
            if fields.is_empty() {
                continue;
            }
            if !fields.iter().any(|f| f.primary_key) {
                // Sequelize adds an auto-increment `id`.
                fields.insert(
                    0,
                    Field {
                        name: "id".into(),
                        kind: Kind::Int,
                        optional: false,
                        primary_key: true,
                        has_default: true,
                        generated: true,
                    },
                );
            }
            let binding = if last == "define" {
                declared_name(*n).unwrap_or(name.clone())
            } else {
                name.clone()
            };
            let mut range = statement_of(*n);
            if last == "init" {
                // The class declaration counts too.
                if let Some(class) = named_children(src.tree.root_node()).into_iter().find(|c| {
                    c.kind_str() == "class_declaration"
                        && c.field("name").is_some_and(|x| text(src.text, x) == name)
                }) {
                    range = class.start_byte().min(range.start)..range.end;
                }
            }
            out.push(Model {
                name: binding,
                orm: Orm::Sequelize,
                family: Family::JavaScript,
                fields,
                range,
            });
        }
    }
    out
}

/// TypeORM entities: `@Entity()` classes whose properties carry `@Column(…)`,
/// `@PrimaryGeneratedColumn()`, `@CreateDateColumn()`, …; the kind from the column type when
/// it is given (`@Column('float')`, `{ type: 'decimal' }`), else from the TypeScript type (a
/// `number` column is an integer, as TypeORM maps it).
pub fn typeorm_entities(src: &Source) -> Vec<Model> {
    let mut out = Vec::new();
    for stmt in named_children(src.tree.root_node()) {
        let class = match stmt.kind_str() {
            "class_declaration" => stmt,
            "export_statement" => match stmt.field("declaration") {
                Some(d) if d.kind_str() == "class_declaration" => d,
                _ => continue,
            },
            _ => continue,
        };
        let decorators: Vec<&str> = named_children(stmt)
            .into_iter()
            .chain(named_children(class))
            .filter(|n| n.kind_str() == "decorator")
            .map(|d| text(src.text, d))
            .collect();
        if !decorators
            .iter()
            .any(|d| d.starts_with("@Entity(") || *d == "@Entity")
        {
            continue;
        }
        let (Some(name), Some(body)) = (class.field("name"), class.field("body")) else {
            continue;
        };
        let mut fields = Vec::new();
        for member in named_children(body) {
            if member.kind_str() != "public_field_definition" {
                continue;
            }
            let Some(column) = named_children(member)
                .into_iter()
                .filter(|n| n.kind_str() == "decorator")
                .map(|d| text(src.text, d))
                .find(|d| d.contains("Column"))
            else {
                continue;
            };
            let Some(field_name) = member.field("name") else {
                continue;
            };
            let decorator = column.trim_start_matches('@');
            let kind_name = decorator.split('(').next().unwrap_or("");
            if !matches!(
                kind_name,
                "Column"
                    | "PrimaryColumn"
                    | "PrimaryGeneratedColumn"
                    | "CreateDateColumn"
                    | "UpdateDateColumn"
                    | "DeleteDateColumn"
                    | "VersionColumn"
            ) {
                continue;
            }
            let ts_type = member
                .field("type")
                .map(|t| text(src.text, t).trim_start_matches(':').trim().to_owned())
                .unwrap_or_default();
            let args = decorator
                .split_once('(')
                .map_or("", |(_, a)| a.trim_end_matches(')'));
            let quoted = |s: &str| -> Option<String> {
                let s = s.trim_start();
                let q = s.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
                s[1..].split(q).next().map(str::to_owned)
            };
            // `@Column('float', …)` or `{ type: 'decimal' }`.
            let column_type = quoted(args)
                .or_else(|| args.split_once("type:").and_then(|(_, rest)| quoted(rest)));
            let base: Vec<&str> = ts_type
                .split('|')
                .map(str::trim)
                .filter(|t| !matches!(*t, "null" | "undefined"))
                .collect();
            let from_ts = match base.as_slice() {
                ["number"] => Some(Kind::Int),
                ["string"] => Some(Kind::Str),
                ["boolean"] => Some(Kind::Bool),
                ["Date"] => Some(Kind::DateTime),
                _ => None,
            };
            let kind = match kind_name {
                "CreateDateColumn" | "UpdateDateColumn" | "DeleteDateColumn" => {
                    Some(Kind::DateTime)
                }
                "VersionColumn" => Some(Kind::Int),
                "PrimaryGeneratedColumn" if column_type.as_deref() == Some("uuid") => {
                    Some(Kind::Uuid)
                }
                _ => column_type.as_deref().and_then(Kind::from_name).or(from_ts),
            };
            let Some(kind) = kind else { continue };
            let option = |key: &str| {
                args.split_once(&format!("{key}:"))
                    .map(|(_, rest)| rest.trim_start())
            };
            // `nullable: true`, `colour?: string`, `string | null`.
            let optional = option("nullable").is_some_and(|v| v.starts_with("true"))
                || src.text[field_name.end_byte()..].starts_with('?')
                || ts_type.split('|').any(|t| t.trim() == "null");
            let primary = kind_name.starts_with("Primary");
            let generated = kind_name != "Column" && kind_name != "PrimaryColumn";
            fields.push(Field {
                name: text(src.text, field_name).to_owned(),
                kind,
                optional,
                primary_key: primary,
                has_default: option("default").is_some() || generated,
                generated,
            });
        }
        if fields.is_empty() {
            continue;
        }
        out.push(Model {
            name: text(src.text, name).to_owned(),
            orm: Orm::TypeOrmEntity,
            family: Family::JavaScript,
            fields,
            range: stmt.byte_range(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ba_syntax::{parse, Language};
    use std::path::Path;

    fn models(lang: Language, t: &str) -> Vec<Model> {
        let tree = parse::parse(lang, t, None).unwrap();
        let src = Source {
            path: Path::new("/p/m"),
            language: lang,
            text: t,
            tree: &tree,
        };
        match lang.family() {
            Family::Python => python_models(&src),
            Family::JavaScript => {
                let mut m = js_models(&src);
                m.extend(typeorm_entities(&src));
                m
            }
        }
    }

    #[test]
    fn typeorm_entity_fields() {
        let m = models(
            Language::TypeScript,
            "import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';\n\n@Entity()\nexport class Glaze {\n  @PrimaryGeneratedColumn()\n  id: number;\n\n  @Column()\n  name: string;\n\n  @Column({ nullable: true })\n  colour?: string;\n\n  @Column('float', { default: 1200 })\n  cone: number;\n\n  @Column({ type: 'decimal', precision: 8, scale: 2 })\n  price: string;\n\n  @Column({ default: false })\n  foodSafe: boolean;\n\n  @CreateDateColumn()\n  createdAt: Date;\n\n  notAColumn = 1;\n}\n",
        );
        assert_eq!(m.len(), 1);
        let m = &m[0];
        assert_eq!((m.name.as_str(), m.orm), ("Glaze", Orm::TypeOrmEntity));
        let got: Vec<(&str, Kind, bool, bool, bool, bool)> = m
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.kind,
                    f.optional,
                    f.primary_key,
                    f.has_default,
                    f.generated,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("id", Kind::Int, false, true, true, true),
                ("name", Kind::Str, false, false, false, false),
                ("colour", Kind::Str, true, false, false, false),
                ("cone", Kind::Float, false, false, true, false),
                ("price", Kind::Decimal, false, false, false, false),
                ("foodSafe", Kind::Bool, false, false, true, false),
                ("createdAt", Kind::DateTime, false, false, true, true),
            ]
        );
    }

    #[test]
    fn sqlalchemy_fields() {
        let m = models(
            Language::Python,
            "class Item(Base):\n    __tablename__ = \"items\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    name: Mapped[str] = mapped_column(String(100))\n    note: Mapped[Optional[str]]\n    price = Column(Numeric(10, 2), nullable=False)\n    owner_id = Column(Integer, ForeignKey(\"users.id\"))\n    owner = relationship(\"User\")\n",
        );
        let f: Vec<(&str, Kind, bool, bool)> = m[0]
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.optional, f.primary_key))
            .collect();
        assert_eq!(
            f,
            vec![
                ("id", Kind::Int, false, true),
                ("name", Kind::Str, false, false),
                ("note", Kind::Str, true, false),
                ("price", Kind::Decimal, false, false),
                ("owner_id", Kind::Int, true, false),
            ]
        );
        assert_eq!(m[0].orm, Orm::SqlAlchemy);
    }

    #[test]
    fn django_mongoose_and_sequelize_fields() {
        let m = models(Language::Python, "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=200)\n    author = models.ForeignKey(Author, on_delete=models.CASCADE)\n    published = models.DateField(null=True)\n");
        let names: Vec<&str> = m[0].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "title", "author", "published"]);
        let m = models(Language::JavaScript, "const s = new mongoose.Schema({ name: { type: String, required: true }, age: Number, tags: [String] });\nmodule.exports = mongoose.model('Cat', s);\n");
        assert_eq!(m[0].name, "Cat");
        let f: Vec<(&str, bool)> = m[0]
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.optional))
            .collect();
        assert_eq!(
            f,
            [
                ("_id", false),
                ("name", false),
                ("age", true),
                ("tags", true)
            ]
        );
        let m = models(Language::JavaScript, "const User = sequelize.define('User', { email: { type: DataTypes.STRING, allowNull: false }, admin: DataTypes.BOOLEAN });\n");
        assert_eq!(m[0].name, "User");
        assert_eq!(m[0].fields.len(), 3);
    }
}
