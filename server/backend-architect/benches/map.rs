//! The architecture map of a large service: 200 routers of 8 routes (1,600 routes), each
//! handler naming a model and a client, mounted on one FastAPI app. Measures building the map
//! from the workspace index (resolution included: the index is fresh each time) and rendering
//! it as Mermaid (collapsed, the default above 60 routes), DOT (expanded) and JSON.

use criterion::{criterion_group, criterion_main, Criterion};

use backend_architect::app::WorkspaceIndex;
use backend_architect::report::map::MapOptions;
use backend_architect::report::{build, render, FileFindings};
use backend_architect::syntax::Language;

const DOMAINS: usize = 200;

fn files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut main = String::from("from fastapi import FastAPI\n");
    for d in 0..DOMAINS {
        main.push_str(&format!("from app.routers import r{d}\n"));
    }
    main.push_str("\napp = FastAPI()\n");
    for d in 0..DOMAINS {
        main.push_str(&format!(
            "app.include_router(r{d}.router, prefix=\"/api/d{d}\")\n"
        ));
    }
    out.push(("/srv/service/app/main.py".to_owned(), main));
    let mut models = String::from("from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n");
    for d in 0..DOMAINS {
        models.push_str(&format!(
            "\n\nclass Thing{d}(Base):\n    __tablename__ = \"thing{d}\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
        ));
    }
    out.push(("/srv/service/app/models.py".to_owned(), models));
    out.push((
        "/srv/service/app/clients.py".to_owned(),
        "import httpx\n\nhttp = httpx.AsyncClient(timeout=5)\n".to_owned(),
    ));
    for d in 0..DOMAINS {
        let mut r = format!(
            "from fastapi import APIRouter, Depends\nfrom app.models import Thing{d}\nfrom app.clients import http\nfrom app.auth import current_user\n\nrouter = APIRouter()\n"
        );
        for (i, (m, p)) in [
            ("get", "/"),
            ("post", "/"),
            ("get", "/{id}"),
            ("put", "/{id}"),
            ("delete", "/{id}"),
            ("get", "/{id}/history"),
            ("post", "/{id}/sync"),
            ("get", "/search"),
        ]
        .iter()
        .enumerate()
        {
            let auth = if i % 3 == 0 {
                ""
            } else {
                ", me=Depends(current_user)"
            };
            r.push_str(&format!(
                "\n\n@router.{m}(\"{p}\")\nasync def h{i}(id: int = 0{auth}):\n    row = Thing{d}(id=id)\n    await http.get(\"/x\")\n    return row\n"
            ));
        }
        out.push((format!("/srv/service/app/routers/r{d}.py"), r));
    }
    out
}

fn bench(c: &mut Criterion) {
    let files = files();
    let facts: Vec<_> = files
        .iter()
        .map(|(path, text)| {
            let tree =
                backend_architect::syntax::parse::parse(Language::Python, text, None).unwrap();
            (
                path.clone(),
                backend_architect::app::extract(Language::Python, &tree, text, path),
            )
        })
        .collect();
    let findings: Vec<FileFindings> = files
        .iter()
        .map(|(path, text)| FileFindings {
            path: path.clone(),
            text: text.clone(),
            findings: Vec::new(),
        })
        .collect();
    let index = || {
        let mut index = WorkspaceIndex::new();
        for (path, f) in &facts {
            index.update(path, path, Language::Python, f.clone());
        }
        index
    };
    let options = MapOptions {
        collapse_over: backend_architect::report::map::DEFAULT_COLLAPSE,
        ..MapOptions::default()
    };
    let map = build(&mut index(), &findings, &options);
    assert_eq!(map.summary.routes, DOMAINS * 8);
    assert_eq!(map.summary.models, DOMAINS);
    c.bench_function("map_build_1600_routes", |b| {
        b.iter(|| build(&mut index(), &findings, &options))
    });
    c.bench_function("map_mermaid_collapsed_1600_routes", |b| {
        b.iter(|| render::mermaid(&map))
    });
    let expanded = build(
        &mut index(),
        &findings,
        &MapOptions {
            expand: true,
            ..options.clone()
        },
    );
    c.bench_function("map_dot_expanded_1600_routes", |b| {
        b.iter(|| render::dot(&expanded))
    });
    c.bench_function("map_json_1600_routes", |b| b.iter(|| render::json(&map)));
    // The HTML report's picture: layout-rs over the collapsed map (200 resources, their
    // models and clients).
    assert!(backend_architect::report::svg::svg(&map).is_some());
    c.bench_function("map_svg_collapsed_1600_routes", |b| {
        b.iter(|| backend_architect::report::svg::svg(&map))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
