//! The language server: tower-lsp-server glue only. Protocol types stop here; everything
//! else is the engine, which `check` uses too.

mod actions;
mod advisor;
mod convert;
mod cross_module;
mod outbound;
mod scaffold;
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
    let writer = runtime.block_on(async {
        let (outbound, bodies) = outbound::Outbound::channel();
        let writer = std::thread::spawn(move || outbound::write_frames(bodies, std::io::stdout()));
        let (service_out, frames) = tokio::io::duplex(1 << 16);
        tokio::spawn(outbound::forward_frames(frames, outbound.clone()));
        let (service, socket) =
            tower_lsp_server::LspService::new(|client| Backend::with_outbound(client, outbound));
        let (checked, reader) = tokio::io::duplex(1 << 16);
        tokio::spawn(transport::pump(tokio::io::stdin(), checked));
        tower_lsp_server::Server::new(reader, service_out, socket)
            .serve(service)
            .await;
        writer
    });
    // Let the last frames (the `shutdown` response) reach stdout; background analysis tasks
    // may still hold a sender, so do not wait for all of them to finish.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while !writer.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Blocking analysis threads may still be finishing a stale version; do not wait for them.
    runtime.shutdown_background();
}
