//! Hot paths: open + analyse a 5,000-line Python file, and one keystroke (incremental edit,
//! reparse, re-analysis of the changed item only).

use criterion::{criterion_group, criterion_main, Criterion};

use backend_architect::config::RuleSet;
use backend_architect::engine::{analyze, ItemCache};
use backend_architect::syntax::{Document, Language, LineCol, PositionEncoding, TextChange};

const HEADER: &str = "import os\nimport sqlite3\nimport subprocess\n\nimport yaml\nfrom fastapi import APIRouter, HTTPException\n\nrouter = APIRouter(prefix=\"/items\")\nTABLE = \"items\"\n\n";

/// About 50 lines of realistic handler, repository and helper code per block.
fn block(i: usize) -> String {
    format!(
        r#"
class ItemRepository{i}:
    """Data access for items, block {i}."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path)

    def get(self, item_id: int):
        cur = self.conn.cursor()
        cur.execute("SELECT id, name FROM items WHERE id = ?", (item_id,))
        return cur.fetchone()

    def search(self, name: str):
        cur = self.conn.cursor()
        cur.execute(f"SELECT id FROM {{TABLE}} WHERE name = '{{name}}'")
        return cur.fetchall()

    def list(self, limit: int = 50, offset: int = 0):
        cur = self.conn.cursor()
        cur.execute(f"SELECT id, name FROM {{TABLE}} LIMIT {{int(limit)}} OFFSET {{int(offset)}}")
        return [dict(id=r[0], name=r[1]) for r in cur.fetchall()]


@router.get("/{i}/{{item_id}}")
def read_item_{i}(item_id: int):
    repo = ItemRepository{i}("app.db")
    row = repo.get(item_id)
    if row is None:
        raise HTTPException(status_code=404, detail="not found")
    return {{"id": row[0], "name": row[1]}}


def archive_{i}(path: str, dest: str):
    # Compress an export for the nightly job.
    subprocess.run(["tar", "czf", dest, path], check=True)
    if os.path.exists(dest):
        return os.path.getsize(dest)
    return 0


def load_rules_{i}(stream):
    data = yaml.safe_load(stream)
    total = 0
    for key, value in data.items():
        if isinstance(value, int):
            total += value
    return total

"#
    )
}

pub fn python_source(lines: usize) -> String {
    let mut s = String::from(HEADER);
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&block(i));
        i += 1;
    }
    s
}

/// Matching every rule pattern over the file's items: `syntax::pattern` (what the engine uses)
/// against tree-sitter's query cursor over the same patterns as one query.
fn patterns(c: &mut Criterion) {
    use backend_architect::engine::query_files;
    use backend_architect::syntax::pattern::Patterns;
    use streaming_iterator::StreamingIterator;

    let source = python_source(5000);
    let tree = backend_architect::syntax::parse::parse(Language::Python, &source, None).unwrap();
    let root = tree.root_node();
    let items: Vec<_> = {
        let mut cursor = root.walk();
        root.named_children(&mut cursor).collect()
    };
    let sources: Vec<&'static str> = query_files(Language::Python).iter().map(|q| q.0).collect();
    let (patterns, _) = Patterns::new(Language::Python, &sources).unwrap();
    c.bench_function("match_patterns_5000_lines", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for item in &items {
                patterns.for_each_match(*item, &source, &mut |_, _| found += 1);
            }
            found
        })
    });
    let query = tree_sitter::Query::new(&Language::Python.grammar(), &sources.join("\n")).unwrap();
    let mut cursor = tree_sitter::QueryCursor::new();
    c.bench_function("match_tree_sitter_query_5000_lines", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for item in &items {
                let mut matches = cursor.matches(&query, *item, source.as_bytes());
                while matches.next().is_some() {
                    found += 1;
                }
            }
            found
        })
    });
}

fn bench(c: &mut Criterion) {
    let source = python_source(5000);
    let rules = RuleSet::default();
    c.bench_function("open_and_analyse_5000_lines", |b| {
        b.iter(|| {
            let mut doc = Document::new(Language::Python, 1, source.clone());
            let tree = doc.tree().unwrap().clone();
            analyze(
                "bench.py",
                Language::Python,
                doc.text(),
                &tree,
                &rules,
                None,
            )
        })
    });

    let mut doc = Document::new(Language::Python, 1, source.clone());
    let mut cache = ItemCache::default();
    let tree = doc.tree().unwrap().clone();
    analyze(
        "bench.py",
        Language::Python,
        doc.text(),
        &tree,
        &rules,
        Some(&mut cache),
    );
    // A comment line in the middle of the file, where the keystrokes go.
    let line = source
        .lines()
        .position(|l| l.contains("# Compress an export"))
        .unwrap()
        + source.lines().count() / 2 / 50 * 50;
    let line = source
        .lines()
        .enumerate()
        .skip(line)
        .find(|(_, l)| l.contains("# Compress"))
        .map(|(i, _)| i)
        .unwrap() as u32;
    let mut version = 1;
    let mut typed = false;
    c.bench_function("keystroke_5000_lines", |b| {
        b.iter(|| {
            version += 1;
            let change = if typed {
                TextChange {
                    range: Some((LineCol::new(line, 6), LineCol::new(line, 7))),
                    text: String::new(),
                }
            } else {
                TextChange {
                    range: Some((LineCol::new(line, 6), LineCol::new(line, 6))),
                    text: "x".into(),
                }
            };
            typed = !typed;
            doc.apply_changes(version, &[change], PositionEncoding::Utf16);
            let tree = doc.tree().unwrap().clone();
            analyze(
                "bench.py",
                Language::Python,
                doc.text(),
                &tree,
                &rules,
                Some(&mut cache),
            )
        })
    });
}

criterion_group!(benches, bench, patterns);
criterion_main!(benches);
