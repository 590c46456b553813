#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    unsafe {
        tree_sitter::set_allocator(Some(tree_sitter::Allocator {
            malloc: libmimalloc_sys::mi_malloc,
            calloc: libmimalloc_sys::mi_calloc,
            realloc: libmimalloc_sys::mi_realloc,
            free: libmimalloc_sys::mi_free,
        }));
    }
    // The main thread's stack is whatever the system gives (often 8 MiB); run on one sized for
    // the depth bound of the walks over syntax trees (`check` analyses on this thread too).
    let main = std::thread::Builder::new()
        .name("main".to_owned())
        .stack_size(backend_architect::syntax::depth::STACK_SIZE)
        .spawn(run)
        .expect("spawn the main thread");
    main.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn run() -> std::process::ExitCode {
    // The CLI parses the command line; the language server sits beside it, and only the binary
    // knows both.
    match backend_architect::cli::main() {
        backend_architect::cli::Run::Exited(code) => code,
        backend_architect::cli::Run::LanguageServer => {
            std::process::ExitCode::from(backend_architect::lsp::run_stdio() as u8)
        }
    }
}
