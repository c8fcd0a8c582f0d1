use super::Encoding;
use crate::trace::TraceContext;
use serde_json::{Map, Value};
use std::fmt::{self, Write as _};
use std::time::SystemTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// One line per event. JSON lines use go-zero's key names (`@timestamp`, `level`, `content`,
/// `trace`, `span`, `caller`) so existing log pipelines keep working.
pub(super) struct Format {
    encoding: Encoding,
    service: String,
}

impl Format {
    pub(super) fn new(encoding: Encoding, service: &str) -> Self {
        Self {
            encoding,
            service: service.to_owned(),
        }
    }
}

impl<S, N> FormatEvent<S, N> for Format
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let trace = ctx.event_scope().and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<TraceContext>().copied())
        });
        let meta = event.metadata();
        let timestamp = humantime::format_rfc3339_millis(SystemTime::now());
        match self.encoding {
            Encoding::Json => {
                let mut line = Map::new();
                line.insert("@timestamp".into(), Value::String(timestamp.to_string()));
                line.insert(
                    "level".into(),
                    Value::String(meta.level().as_str().to_ascii_lowercase()),
                );
                let mut fields = JsonFields(Map::new());
                event.record(&mut fields);
                let mut fields = fields.0;
                line.insert(
                    "content".into(),
                    fields
                        .remove("message")
                        .unwrap_or(Value::String(String::new())),
                );
                if let Some(trace) = trace {
                    line.insert("trace".into(), Value::String(trace.trace_id.to_string()));
                    line.insert("span".into(), Value::String(trace.span_id.to_string()));
                }
                if !self.service.is_empty() {
                    line.insert("service".into(), Value::String(self.service.clone()));
                }
                if let (Some(file), Some(number)) = (meta.file(), meta.line()) {
                    line.insert("caller".into(), Value::String(format!("{file}:{number}")));
                }
                for (key, value) in fields {
                    line.entry(key).or_insert(value);
                }
                let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
                writeln!(writer, "{text}")
            }
            Encoding::Plain => {
                write!(writer, "{timestamp} {:>5} ", meta.level())?;
                if let Some(trace) = trace {
                    write!(writer, "[{} {}] ", trace.trace_id, trace.span_id)?;
                }
                write!(writer, "{}: ", meta.target())?;
                ctx.field_format().format_fields(writer.by_ref(), event)?;
                writeln!(writer)
            }
        }
    }
}

struct JsonFields(Map<String, Value>);

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::String(value.to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().to_owned(), Value::String(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.0.insert(field.name().to_owned(), Value::String(text));
    }
}
