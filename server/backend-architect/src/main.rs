#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    unsafe {
        tree_sitter::set_allocator(
            Some(libmimalloc_sys::mi_malloc),
            Some(libmimalloc_sys::mi_calloc),
            Some(libmimalloc_sys::mi_realloc),
            Some(libmimalloc_sys::mi_free),
        );
    }
    // The CLI parses the command line; the language server sits beside it, and only the binary
    // knows both.
    match backend_architect::cli::main() {
        backend_architect::cli::Run::Exited(code) => code,
        backend_architect::cli::Run::LanguageServer => {
            backend_architect::lsp::run_stdio();
            std::process::ExitCode::SUCCESS
        }
    }
}
