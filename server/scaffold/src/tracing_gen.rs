//! The `tracing` generator on the app object: OpenTelemetry tracing configured by the standard
//! environment variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`,
//! `OTEL_TRACES_EXPORTER`), with the framework's instrumentation package; off when none is
//! set, so a developer's machine sends nothing anywhere. The packages are added to the
//! manifest. One row of [`KITS`] per framework.

use super::app_object::{py_imports, python_block, App};
use super::{err, Files, Framework, Output, Project, Result, Source, Style};

pub struct Kit {
    pub framework: Framework,
    pub imports: &'static [&'static str],
    /// `{app}`: the app variable; `{service}`: the default service name (the project's).
    pub code: &'static str,
    /// Distributions to add to the manifest.
    pub packages: &'static [(&'static str, &'static str)],
    pub present: &'static [&'static str],
}

const SETUP: &str = r#"# OpenTelemetry tracing from the standard environment variables: OTEL_EXPORTER_OTLP_ENDPOINT
# (e.g. http://otel-collector:4318) sends spans over OTLP/HTTP, OTEL_TRACES_EXPORTER=console
# prints them while developing, OTEL_SERVICE_NAME names the service. Nothing is set up (and
# nothing sent) when neither the endpoint nor the exporter is configured.
def configure_tracing() -> None:
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER") or ("otlp" if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") else "none")
    if exporter_name == "none":
        return
    exporter = ConsoleSpanExporter() if exporter_name == "console" else OTLPSpanExporter()
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "{service}")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
"#;

pub const KITS: &[Kit] = &[
    Kit {
        framework: Framework::FastApi,
        imports: &[
            "import os",
            "from opentelemetry import trace",
            "from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter",
            "from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor",
            "from opentelemetry.sdk.resources import Resource",
            "from opentelemetry.sdk.trace import TracerProvider",
            "from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter",
        ],
        code: "{setup}\n\nconfigure_tracing()\n# Probes and scrapes are not traced.\nFastAPIInstrumentor.instrument_app({app}, excluded_urls=\"healthz,metrics\")\n",
        packages: &[
            ("opentelemetry-sdk", ">=1.25"),
            ("opentelemetry-exporter-otlp-proto-http", ">=1.25"),
            ("opentelemetry-instrumentation-fastapi", ">=0.46b0"),
        ],
        present: &["opentelemetry"],
    },
    Kit {
        framework: Framework::Flask,
        imports: &[
            "import os",
            "from opentelemetry import trace",
            "from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter",
            "from opentelemetry.instrumentation.flask import FlaskInstrumentor",
            "from opentelemetry.sdk.resources import Resource",
            "from opentelemetry.sdk.trace import TracerProvider",
            "from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter",
        ],
        code: "{setup}\n\nconfigure_tracing()\n# Probes and scrapes are not traced.\nFlaskInstrumentor().instrument_app({app}, excluded_urls=\"healthz,metrics\")\n",
        packages: &[
            ("opentelemetry-sdk", ">=1.25"),
            ("opentelemetry-exporter-otlp-proto-http", ">=1.25"),
            ("opentelemetry-instrumentation-flask", ">=0.46b0"),
        ],
        present: &["opentelemetry"],
    },
];

pub fn kit(framework: Framework) -> Option<&'static Kit> {
    KITS.iter().find(|k| k.framework == framework)
}

pub fn applicable(src: &Source, app: &App) -> bool {
    // Inside an app factory the setup function would be nested: top-level apps only.
    app.indent.is_empty()
        && kit(app.framework).is_some_and(|k| !k.present.iter().any(|p| src.text.contains(p)))
}

pub fn generate(src: &Source, app: &App, project: &Project, files: &dyn Files) -> Result<Output> {
    let Some(kit) = kit(app.framework) else {
        return err(format!(
            "`tracing` is not available for {} yet",
            app.framework.name()
        ));
    };
    if !app.indent.is_empty() {
        return err("`tracing` works on an app created at the top level of a module, not inside an app factory");
    }
    let style = Style::detect(src);
    let code = kit
        .code
        .replace("{setup}", SETUP)
        .replace("{service}", &project.name)
        .replace("{app}", &app.name);
    let mut edits = vec![python_block(src, app, &style, &code)];
    edits.extend(py_imports(src, &style, kit.imports));
    let mut out = Output::edit(src.path, edits);
    // One edit per manifest: the packages join into one insertion.
    let mut manifest: Option<super::FileEdit> = None;
    for (name, range) in kit.packages {
        if let Some(e) = super::manifest::add_dependency(project, files, name, range) {
            match &mut manifest {
                Some(m) => m.edits.extend(e.edits),
                None => manifest = Some(e),
            }
        }
    }
    if let Some(mut m) = manifest {
        m.edits = super::merge_insertions(m.edits);
        out.edits.push(m);
    }
    Ok(out)
}
