//! SEC201 unsafe-yaml-load: PyYAML loaders that construct arbitrary Python objects.

use crate::{
    Applicability, Captures, Category, Check, Checker, Edit, FixAvailability, Rule, Severity,
};
use ba_analysis::Sink;
use ba_syntax::Family;
use ba_syntax::NodeExt;

pub static RULE: Rule = Rule {
    code: "SEC201",
    name: "unsafe-yaml-load",
    category: Category::Security,
    severity: Severity::Error,
    cwe: &[502],
    owasp: Some("A08:2021 Software and Data Integrity Failures"),
    summary: "YAML is loaded with a loader that can build arbitrary Python objects; use `yaml.safe_load` (or `Loader=yaml.SafeLoader`).",
    docs: DOCS,
    fix: FixAvailability::Sometimes,
    classes: crate::classes::RUNTIME_AND_SCRIPTS,
    checks: &[Check {
        family: Family::Python,
        query_path: "python/calls.scm",
        query: include_str!("../../../../queries/python/calls.scm"),
        run: check,
    }],
};

const YAML_LOADS: &[&str] = &[
    "yaml.load",
    "yaml.load_all",
    "yaml.unsafe_load",
    "yaml.full_load",
    "yaml.unsafe_load_all",
    "yaml.full_load_all",
];

const SAFE_LOADERS: &[&str] = &[
    "yaml.SafeLoader",
    "yaml.CSafeLoader",
    "yaml.BaseLoader",
    "yaml.CBaseLoader",
];
const UNSAFE_LOADERS: &[&str] = &[
    "yaml.Loader",
    "yaml.CLoader",
    "yaml.UnsafeLoader",
    "yaml.CUnsafeLoader",
    "yaml.FullLoader",
    "yaml.CFullLoader",
];

fn check<'a>(checker: &mut Checker<'a>, caps: &Captures<'_, 'a>) {
    let (Some(func), Some(args_node)) = (caps.get("func"), caps.get("args")) else {
        return;
    };
    let Some(name) = checker.resolve_callee(func, YAML_LOADS) else {
        return;
    };
    let (with_loader, safe_variant) = match name.as_str() {
        "yaml.load" => (true, "safe_load"),
        "yaml.load_all" => (true, "safe_load_all"),
        "yaml.unsafe_load" | "yaml.full_load" => (false, "safe_load"),
        "yaml.unsafe_load_all" | "yaml.full_load_all" => (false, "safe_load_all"),
        _ => return,
    };
    let args = checker.arguments(args_node);
    let Some(stream) = args.get(0, "stream", checker.source) else {
        return;
    };
    if checker.is_constant(stream, Sink::Deserialize) {
        return;
    }
    let short = name.as_str();
    if !with_loader {
        let f = checker.report(func, format!(
            "`{short}` can build arbitrary Python objects from the document; use `yaml.{safe_variant}`"
        ));
        offer_rename(f, func, safe_variant, Applicability::Unsafe);
        return;
    }
    match args.get(1, "Loader", checker.source) {
        None => {
            let f = checker.report(func, format!(
                "`{short}` without a safe `Loader` can build arbitrary Python objects from the document; use `yaml.{safe_variant}`"
            ));
            offer_rename(f, func, safe_variant, Applicability::Safe);
        }
        Some(loader) => {
            // `loader = yaml.Loader` then `Loader=loader`: the local's one value.
            let loader = match checker.lookup(loader) {
                ba_analysis::Lookup::Local(bindings) if loader.kind_str() == "identifier" => {
                    match bindings.as_slice() {
                        [ba_analysis::Binding::Value(v)] => *v,
                        _ => loader,
                    }
                }
                _ => loader,
            };
            let Some(loader_name) = checker.resolve(loader) else {
                return;
            };
            if SAFE_LOADERS.contains(&loader_name.as_str())
                || !UNSAFE_LOADERS.contains(&loader_name.as_str())
            {
                return;
            }
            let text = checker.text(loader);
            checker.report(func, format!(
                "`{short}` with `Loader={text}` can build arbitrary Python objects from the document; use `Loader=yaml.SafeLoader` or `yaml.{safe_variant}`"
            ));
        }
    }
}

/// `yaml.load(x)` → `yaml.safe_load(x)`: rename the attribute when the call goes through the
/// module (a bare imported `load` would need a new import, so no fix is offered there).
fn offer_rename(
    finding: &mut crate::Finding,
    func: tree_sitter::Node,
    safe_variant: &str,
    applicability: Applicability,
) {
    if func.kind_str() != "attribute" {
        return;
    }
    if let Some(attr) = func.field("attribute") {
        finding.with_fix(
            format!("Use `{safe_variant}`"),
            applicability,
            vec![Edit {
                range: attr.byte_range(),
                content: safe_variant.to_owned(),
            }],
        );
    }
}

const DOCS: &str = r#"## What it does
Flags PyYAML calls that may construct arbitrary Python objects: `yaml.load` / `yaml.load_all`
without a safe `Loader` (or with `Loader=yaml.Loader`, `UnsafeLoader`, `FullLoader`), and
`yaml.unsafe_load` / `yaml.full_load`. Loading a constant string is not reported.

## Why is this bad?
YAML tags such as `!!python/object/apply:os.system ["id"]` make the unsafe loaders call any
Python callable while parsing. A configuration file, an upload or a request body in YAML becomes
remote code execution.

## Example
```python
def load_settings(path):
    with open(path) as f:
        return yaml.load(f)
```

## Use instead
```python
def load_settings(path):
    with open(path) as f:
        return yaml.safe_load(f)
```

## Fix
`yaml.load(x)` with no loader becomes `yaml.safe_load(x)` (safe: documents with plain data load
the same). Replacing `unsafe_load`/`full_load` is offered as an unsafe fix because documents
that rely on Python tags stop loading.

## References
- [CWE-502: Deserialization of Untrusted Data](https://cwe.mitre.org/data/definitions/502.html)
- [OWASP A08:2021 Software and Data Integrity Failures](https://owasp.org/Top10/A08_2021-Software_and_Data_Integrity_Failures/)
- [PyYAML: `yaml.load(input)` deprecation](https://github.com/yaml/pyyaml/wiki/PyYAML-yaml.load(input)-Deprecation)
"#;
