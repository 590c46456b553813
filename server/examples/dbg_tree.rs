fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lang = backend_architect::syntax::Language::from_path(std::path::Path::new(&path)).unwrap();
    let tree = backend_architect::syntax::parse::parse(lang, &text, None).unwrap();
    println!("{}", tree.root_node().to_sexp());
    let facts = backend_architect::app::extract(lang, &tree, &text, &path);
    println!("{:#?}", facts.routes.iter().map(|r| (&r.handler, &r.path)).collect::<Vec<_>>());
    println!("{:#?}", facts.views.iter().map(|r| (&r.name, &r.methods)).collect::<Vec<_>>());
}
