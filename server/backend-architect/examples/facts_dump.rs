// Throwaway: dump the facts of every file under a directory, to diff extraction changes.
use std::io::Write;
fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut paths: Vec<_> = ignore::WalkBuilder::new(&dir)
        .build()
        .flatten()
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    for p in paths {
        if let Some((_, facts)) = backend_architect::app::extract_file(&p) {
            writeln!(out, "{}: {:?}", p.display(), facts).unwrap();
        }
    }
}
