//! What the project's manifest says changes what a rule can conclude: a `findOne({...})` filter
//! carries MongoDB query operators only in a project that talks to MongoDB.

mod common;

use common::cli::check_security;

const KEYS: &str = "\
const express = require(\"express\");
const models = require(\"./models\");

const router = express.Router();

router.get(\"/content\", async (req, res) => {
  const key = req.query.key;
  const apiKey = await models.ApiKey.findOne({ secret: key });
  res.json({ ok: Boolean(apiKey) });
});

module.exports = router;
";

fn codes(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_filter_is_a_nosql_injection_only_where_mongodb_is_used() {
    // Bookshelf over MySQL: the filter's value is bound as a parameter.
    let sql = check_security(&[
        (
            "package.json",
            r#"{"dependencies": {"express": "^4.19.2", "bookshelf": "^1.2.0", "knex": "^3.1.0"}}"#,
        ),
        ("routes/keys.js", KEYS),
    ]);
    assert!(!codes(&sql).contains(&"SEC108".to_owned()), "{sql:#?}");
    // Mongoose: `?key[$ne]=x` matches any key.
    let mongo = check_security(&[
        (
            "package.json",
            r#"{"dependencies": {"express": "^4.19.2", "mongoose": "^8.4.0"}}"#,
        ),
        ("routes/keys.js", KEYS),
    ]);
    assert!(codes(&mongo).contains(&"SEC108".to_owned()), "{mongo:#?}");
    // No manifest: the rule cannot tell, and judges the filter.
    let unknown = check_security(&[("routes/keys.js", KEYS)]);
    assert!(
        codes(&unknown).contains(&"SEC108".to_owned()),
        "{unknown:#?}"
    );
    // A module that imports the driver itself, in a project whose manifest does not list it.
    let direct = check_security(&[
        ("package.json", r#"{"dependencies": {"express": "^4.19.2"}}"#),
        (
            "routes/keys.js",
            &KEYS.replace(
                "const models = require(\"./models\");",
                "const { MongoClient } = require(\"mongodb\");\nconst models = new MongoClient(process.env.MONGO_URL).db();",
            ),
        ),
    ]);
    assert!(codes(&direct).contains(&"SEC108".to_owned()), "{direct:#?}");
}

/// A repository's `examples/` are demos beside its package when the repository is checked, and
/// an application when one of them is checked by name (the README's `check examples/shop`).
#[test]
fn an_example_is_a_demo_beside_the_package_and_an_app_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir(repo.join(".git")).unwrap();
    common::cli::write(repo, "pyproject.toml", "[project]\nname = \"lib\"\n");
    common::cli::write(repo, "lib/__init__.py", "");
    common::cli::write(
        repo,
        "examples/shop/main.py",
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/items\")\ndef items():\n    return []\n",
    );
    let codes = |path: &str| -> Vec<String> {
        let out = common::cli::run(repo, &["check", "--no-cache", "--format", "json", path]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // The app has no health endpoint: ARC103 judges runtime code only.
    assert!(!codes(".").contains(&"ARC103".to_owned()));
    assert!(codes("examples/shop").contains(&"ARC103".to_owned()));
    // The map (and the HTML report's) of the example named from the repository's root.
    let out = common::cli::run(repo, &["map", "--format", "json", "examples/shop"]);
    let map: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(map["summary"]["routes"], 1, "{map}");
}
