//! The application model over the multi-file fixture apps: each framework's full route table
//! as a snapshot, models and clients, the index's incremental behaviour.

use std::path::{Path, PathBuf};

use backend_architect::app::{self, WorkspaceIndex};
use backend_architect::syntax::Language;

fn app_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/apps")
        .join(name)
        .canonicalize()
        .unwrap()
}

fn index_of(name: &str) -> (WorkspaceIndex, String) {
    let dir = app_dir(name);
    let mut index = WorkspaceIndex::new();
    app::index_paths(&mut index, &app::walk(&[dir.clone()]), &|_| false);
    (index, dir.to_string_lossy().into_owned())
}

fn snapshot(name: &str, value: String) {
    insta::with_settings!({
        snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, value);
    });
}

#[test]
fn fastapi_route_table() {
    let (mut index, base) = index_of("fastapi");
    snapshot("apps__fastapi__routes", app::route_table(&mut index, &base));
}

#[test]
fn flask_route_table() {
    let (mut index, base) = index_of("flask");
    snapshot("apps__flask__routes", app::route_table(&mut index, &base));
}

#[test]
fn django_route_table() {
    let (mut index, base) = index_of("django");
    snapshot("apps__django__routes", app::route_table(&mut index, &base));
}

#[test]
fn express_route_table() {
    let (mut index, base) = index_of("express");
    snapshot("apps__express__routes", app::route_table(&mut index, &base));
}
