//! Times what a code-action request adds for scaffolding on a large file:
//! `cargo run --release --example scaffold_offers [HANDLERS]` (default 500 handlers, about
//! 5,000 lines of FastAPI). Prints the median of 50 runs per cursor position.
use std::path::Path;
use std::time::{Duration, Instant};

use backend_architect::scaffold::{offers, Disk, Project, Source};
use backend_architect::syntax::{parse, Language};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let mut text = String::from(
        "import os\n\nfrom fastapi import Depends, FastAPI\nfrom sqlalchemy import Column, Integer, String\n\nfrom .db import Base, get_db\nfrom .security import get_current_user\n\napp = FastAPI()\n\n\nclass Item(Base):\n    __tablename__ = \"items\"\n    id = Column(Integer, primary_key=True)\n    name = Column(String(100), nullable=False)\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\n\n@app.get(\"/items{i}\")\nasync def list_items{i}(db=Depends(get_db), user=Depends(get_current_user)):\n    \"\"\"List.\"\"\"\n    rows = db.query(Item).filter(Item.name != \"x\").all()\n    return [r for r in rows if r.id > {i}]\n"
        ));
    }
    let lines = text.lines().count();
    let tree = parse::parse(Language::Python, &text, None).unwrap();
    let path = Path::new("/nonexistent/app/main.py");
    let src = Source {
        path,
        language: Language::Python,
        text: &text,
        tree: &tree,
    };
    let project = Project::discover(path, &Disk);
    for (what, at) in [
        ("app object", text.find("app = FastAPI").unwrap()),
        ("model class", text.find("class Item").unwrap()),
        (
            "handler in the middle",
            text.find(&format!("def list_items{}(", n / 2)).unwrap(),
        ),
        ("plain code", text.find("import os").unwrap()),
    ] {
        let mut times = Vec::new();
        let mut found = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            found = offers(&src, at, &project);
            times.push(t.elapsed());
        }
        let names: Vec<&str> = found.iter().map(|o| o.name).collect();
        println!(
            "{lines} lines, cursor on {what}: {:?} (median of 50) -> {names:?}",
            median(times)
        );
    }
}
