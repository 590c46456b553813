//! Rules whose behaviour depends on what the engine hands them: the nearest package.json
//! (ARC203) and configured severities (SEC404), run through `ba_engine` as the server and
//! `check` run them.

mod express_version {
    use ba_config::RuleSet;
    use ba_engine::{analyze, ItemCache};
    use ba_syntax::Language;

    const ROUTES: &str = "const express = require(\"express\");\nconst router = express.Router();\nrouter.get(\"/orders/:id\", async (req, res) => {\n  res.json(await Order.findById(req.params.id));\n});\n";

    #[test]
    fn the_express_version_comes_from_the_nearest_package_json_and_keys_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("src/routes")).unwrap();
        let package = dir.path().join("package.json");
        let file = dir.path().join("src/routes/orders.js");
        let path = file.to_str().unwrap().to_owned();
        let tree = ba_syntax::parse::parse(Language::JavaScript, ROUTES, None).unwrap();
        let rules = RuleSet::default();
        let mut cache = ItemCache::default();
        let codes = |cache: &mut ItemCache| {
            analyze(
                &path,
                Language::JavaScript,
                ROUTES,
                &tree,
                &rules,
                Some(cache),
            )
            .iter()
            .map(|f| f.code())
            .filter(|c| *c == "ARC203")
            .count()
        };
        std::fs::write(&package, r#"{"dependencies": {"express": "^4.19.2"}}"#).unwrap();
        assert_eq!(codes(&mut cache), 1, "Express 4: reported");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&package, r#"{"dependencies": {"express": "^5.1.0"}}"#).unwrap();
        assert_eq!(
            codes(&mut cache),
            0,
            "Express 5 handles rejections; the cache must not keep the old finding"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(
            &package,
            r#"{"dependencies": {"express": "4.21.0", "express-async-errors": "^3.1.1"}}"#,
        )
        .unwrap();
        assert_eq!(
            codes(&mut cache),
            0,
            "express-async-errors patches Express 4"
        );
        // As an editor names it.
        let uri = format!("file://{path}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&package, r#"{"dependencies": {"express": "~4.18.0"}}"#).unwrap();
        let findings = analyze(&uri, Language::JavaScript, ROUTES, &tree, &rules, None);
        assert_eq!(findings.iter().filter(|f| f.code() == "ARC203").count(), 1);
        assert!(findings
            .iter()
            .any(|f| f.message.contains("in Express 4 a rejected")));
    }
}

mod cors_severity {
    use ba_config::{Options, RuleSet};
    use ba_engine::analyze_text;
    use ba_rules::Severity;
    use ba_syntax::Language;

    const SOURCE: &str = "from fastapi.middleware.cors import CORSMiddleware\n\
        app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)\n\
        app.add_middleware(CORSMiddleware, allow_origins=[\"*\"])\n";

    fn severities(rules: &RuleSet) -> Vec<Severity> {
        analyze_text("main.py", Language::Python, SOURCE, rules)
            .iter()
            .map(|f| f.severity)
            .collect()
    }

    #[test]
    fn an_error_with_credentials_else_a_warning() {
        assert_eq!(
            severities(&RuleSet::default()),
            [Severity::Error, Severity::Warning]
        );
    }

    #[test]
    fn a_configured_severity_replaces_both() {
        let options = Options {
            severity: Some([("SEC404".to_string(), "info".to_string())].into()),
            ..Default::default()
        };
        let configured = RuleSet::from_options(&options, None).unwrap();
        assert_eq!(severities(&configured), [Severity::Info, Severity::Info]);
    }
}
