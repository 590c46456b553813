//! ARC104 missing-migration: a Django model field (or model) that no migration of its app
//! creates, while the app has migrations: `makemigrations` has not been run since it was added.

use std::collections::{HashMap, HashSet};

use super::CrossFinding;
use crate::{Category, FixAvailability, Rule, Severity};
use ba_app::facts::ModelKind;
use ba_app::{Anchor, FileClass, WorkspaceIndex};

pub static RULE: Rule = Rule {
    code: "ARC104",
    name: "missing-migration",
    category: Category::Architecture,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "This Django model field is in no migration of its app (no `CreateModel` or `AddField` names it): run `python manage.py makemigrations` before deploying, or queries will fail on the missing column.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::RUNTIME,
    checks: &[],
};

/// The app folder of a `models.py` (or of `models/<name>.py`) and of a migration
/// (`<app>/migrations/0001_initial.py`).
fn app_dir_of_model(path: &str) -> Option<&str> {
    let (dir, file) = path.rsplit_once('/')?;
    if file == "models.py" {
        return Some(dir);
    }
    let (parent, last) = dir.rsplit_once('/')?;
    (last == "models").then_some(parent)
}

fn app_dir_of_migration(path: &str) -> Option<&str> {
    let (dir, _) = path.rsplit_once('/')?;
    let (parent, last) = dir.rsplit_once('/')?;
    (last == "migrations").then_some(parent)
}

/// What an app's migrations create: model → fields (models lower-case, renames followed).
#[derive(Default)]
struct Migrated {
    fields: HashMap<String, HashSet<String>>,
    renames: Vec<(String, String)>,
}

pub fn check(index: &WorkspaceIndex, out: &mut Vec<CrossFinding>) {
    let mut apps: HashMap<&str, Migrated> = HashMap::new();
    for entry in index.files() {
        let f = &entry.facts;
        if !f.migration {
            continue;
        }
        let Some(app) = app_dir_of_migration(&entry.path) else {
            continue;
        };
        let migrated = apps.entry(app).or_default();
        for (model, field) in &f.migration_fields {
            migrated
                .fields
                .entry(model.clone())
                .or_default()
                .insert(field.clone());
        }
        migrated.renames.extend(f.migration_renames.iter().cloned());
    }
    // Files come in any order: a renamed model has the fields of both its names.
    for migrated in apps.values_mut() {
        for _ in 0..=migrated.renames.len() {
            let mut changed = false;
            for (old, new) in migrated.renames.clone() {
                let union: HashSet<String> = [&old, &new]
                    .iter()
                    .filter_map(|m| migrated.fields.get(*m))
                    .flatten()
                    .cloned()
                    .collect();
                for m in [old, new] {
                    let set = migrated.fields.entry(m).or_default();
                    if set.len() != union.len() {
                        set.extend(union.iter().cloned());
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }
    if apps.is_empty() {
        return;
    }
    for entry in index.files() {
        let f = &entry.facts;
        if f.class != FileClass::Runtime || f.migration {
            continue;
        }
        let Some(app) = app_dir_of_model(&entry.path) else {
            continue;
        };
        // An app without migrations is not migrated by Django at all (or not yet set up):
        // nothing to compare with.
        let Some(migrated) = apps.get(app) else {
            continue;
        };
        let app_name = app.rsplit('/').next().unwrap_or(app);
        for (i, model) in f.models.iter().enumerate() {
            if model.kind != ModelKind::Django || f.unmanaged_models.contains(&model.name) {
                continue;
            }
            let Some(fields) = migrated.fields.get(&model.name.to_ascii_lowercase()) else {
                out.push(CrossFinding {
                    code: RULE.code,
                    at: (entry.key.clone(), Anchor::Model(i)),
                    message: format!(
                        "No migration in `{app_name}/migrations/` creates the model `{}`: run `python manage.py makemigrations {app_name}` and commit the migration, or its table will not exist",
                        model.name
                    ),
                    severity: RULE.severity,
                    related: Vec::new(),
                });
                continue;
            };
            for (j, field) in model.fields.iter().enumerate() {
                // Columns only: not managers (`objects = models.Manager()`) nor the generic
                // relations, which have no column of their own.
                let ty = field.ty.as_str();
                let column = (ty.ends_with("Field") || ty.ends_with("Key"))
                    && !ty.ends_with("GenericForeignKey")
                    && !ty.ends_with("GenericRelation");
                if !column || fields.contains(&field.name) {
                    continue;
                }
                out.push(CrossFinding {
                    code: RULE.code,
                    at: (entry.key.clone(), Anchor::ModelField(i, j)),
                    message: format!(
                        "No migration in `{app_name}/migrations/` adds `{}.{}` (no `CreateModel` or `AddField` names it): run `python manage.py makemigrations {app_name}` and commit the migration, or queries on `{}` will fail on the missing column",
                        model.name, field.name, model.name
                    ),
                    severity: RULE.severity,
                    related: Vec::new(),
                });
            }
        }
    }
}

const DOCS: &str = r#"## What it does
Compares each Django model with the migrations of its app, without running anything: the
fields of the models in `<app>/models.py` (or `<app>/models/*.py`) against the operations of
`<app>/migrations/*.py`, read as code — `CreateModel(name=…, fields=[(name, …), …])`,
`AddField(model_name=…, name=…)`, `RenameField(…, new_name=…)` and `RenameModel(…)`. A field
no operation names is reported where it is declared; a model no `CreateModel` names is
reported at its class.

Nothing is reported for an app without a `migrations/` folder in the workspace, for abstract,
proxy and `managed = False` models (they have no table of their own), or for a field any
migration mentions, even if a later one removes it.

## Why is this bad?
Django does not create columns by itself: a field added to a model without a migration works
in no environment whose database was migrated from the committed migrations. The first query
that selects the model fails with `no such column` / `column does not exist` in staging or
production, not on the developer's machine where `makemigrations` may have run locally.

## Example
```python
class Book(models.Model):
    title = models.CharField(max_length=200)
    isbn = models.CharField(max_length=13)  # added after 0001_initial
```

## Use instead
Run `python manage.py makemigrations catalog` and commit the new migration with the model
change (CI can enforce it with `python manage.py makemigrations --check --dry-run`).

## References
- [Django: migrations](https://docs.djangoproject.com/en/stable/topics/migrations/)
- [Django: makemigrations --check](https://docs.djangoproject.com/en/stable/ref/django-admin/#cmdoption-makemigrations-check)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_folders() {
        assert_eq!(app_dir_of_model("/p/catalog/models.py"), Some("/p/catalog"));
        assert_eq!(
            app_dir_of_model("/p/catalog/models/book.py"),
            Some("/p/catalog")
        );
        assert_eq!(app_dir_of_model("/p/catalog/views.py"), None);
        assert_eq!(
            app_dir_of_migration("/p/catalog/migrations/0001_initial.py"),
            Some("/p/catalog")
        );
        assert_eq!(app_dir_of_migration("/p/catalog/0001_initial.py"), None);
    }
}
