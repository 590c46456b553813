fn main() -> std::process::ExitCode {
    backend_architect::cli::main()
}
