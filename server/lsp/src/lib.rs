//! The language server: tower-lsp-server glue only. Protocol types stop here; everything
//! else is the engine, which `check` uses too.

mod actions;
mod advisor;
mod convert;
mod cross_module;
mod map;
mod outbound;
mod scaffold;
mod server;
mod session;
mod state;
mod symbols;
mod transport;
mod workspace;

pub use server::Backend;

/// Serves LSP over stdin/stdout until `exit` or the end of the input, and returns the process
/// exit code: 0 after `shutdown`, 1 otherwise (the protocol's rule for `exit`).
pub fn run_stdio() -> i32 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Workers and blocking threads parse and analyse: stacks sized for the depth bound.
        .thread_stack_size(ba_syntax::depth::STACK_SIZE)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (writer, ending) = runtime.block_on(async {
        let (outbound, bodies) = outbound::Outbound::channel();
        let writer = std::thread::spawn(move || outbound::write_frames(bodies, std::io::stdout()));
        let (service_out, frames) = tokio::io::duplex(1 << 16);
        tokio::spawn(outbound::forward_frames(frames, outbound.clone()));
        let (service, socket) =
            tower_lsp_server::LspService::new(|client| Backend::with_outbound(client, outbound));
        let (checked, reader) = tokio::io::duplex(1 << 16);
        let (ended, mut ending) = tokio::sync::oneshot::channel();
        tokio::spawn(transport::pump(tokio::io::stdin(), checked, ended));
        let serve = tower_lsp_server::Server::new(reader, service_out, socket).serve(service);
        // The session ends when the client says `exit` or goes away, even if a handler still
        // waits on it (`initialized` asks for the configuration and awaits the answer).
        let unknown = transport::Ending::EndOfInput {
            after_shutdown: false,
        };
        let ending = tokio::select! {
            biased;
            ending = &mut ending => ending.unwrap_or(unknown),
            // The reader ends after the pump said why (or the service stopped on its own).
            () = serve => ending.try_recv().unwrap_or(unknown),
        };
        (writer, ending)
    });
    tracing::info!("session ended: {ending:?}");
    // Let the last frames (the `shutdown` response) reach stdout; background analysis tasks
    // may still hold a sender, so do not wait for all of them to finish.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    while !writer.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Blocking analysis threads may still be finishing a stale version; do not wait for them.
    runtime.shutdown_background();
    ending.code()
}
