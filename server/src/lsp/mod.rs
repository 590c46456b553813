//! The language server: tower-lsp-server glue only. Protocol types stop here; everything
//! else is the engine, which `check` uses too.

mod actions;
mod convert;
mod server;
mod state;
mod symbols;
mod transport;
mod workspace;

pub use server::Backend;

/// Serves LSP over stdin/stdout until `exit`.
pub fn run_stdio() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let (service, socket) = tower_lsp_server::LspService::new(Backend::new);
        let (checked, reader) = tokio::io::duplex(1 << 16);
        tokio::spawn(transport::pump(tokio::io::stdin(), checked));
        tower_lsp_server::Server::new(reader, tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    // Blocking analysis threads may still be finishing a stale version; do not wait for them.
    runtime.shutdown_background();
}
