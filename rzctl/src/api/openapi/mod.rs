//! `rzctl api openapi`: an OpenAPI 3.1 document for an [`ApiSpec`].
//!
//! Every response is rzero's envelope `{code, msg, data}`; the envelope is
//! one component schema, and a route's 200 response composes it with its
//! `data` through `allOf`. Errors rzero's chain answers itself (400 from
//! binding, 401 from JWT, 500, 503 from the breaker, shedder and timeout)
//! are shared responses under `components/responses`.

pub mod document;
pub mod schema;

use document::{
    Components, Contact, Document, Info, MediaType, Operation, OrderedMap, Parameter, RequestBody,
    Response, Schema, SecurityScheme,
};
use schema::Schemas;

use super::model::{ApiSpec, Group, Route};
use super::shape::{
    RequestShape, Source, WireField, form_in_query, full_path, route_names, route_summary,
    templated_path,
};

/// The output format of [`render`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// A built document and what could not be put into it.
#[derive(Debug, Clone)]
pub struct Build {
    pub document: Document,
    /// One line per route left out (OpenAPI 3.1 has no CONNECT operation).
    pub warnings: Vec<String>,
}

const SECURITY_SCHEME: &str = "bearerAuth";
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// The operations OpenAPI 3.1 path items can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Builds the document.
pub fn build(spec: &ApiSpec) -> Build {
    Builder::new(spec).run()
}

/// The document as pretty JSON or YAML text, ending with a newline.
pub fn render(document: &Document, format: Format) -> Result<String, String> {
    match format {
        Format::Json => serde_json::to_string_pretty(document)
            .map(|text| text + "\n")
            .map_err(|e| format!("cannot write the OpenAPI document as JSON: {e}")),
        Format::Yaml => serde_saphyr::to_string(document)
            .map_err(|e| format!("cannot write the OpenAPI document as YAML: {e}")),
    }
}

/// A component name no declared type has: `base`, else `base2`, `base3`...
fn free_name(spec: &ApiSpec, base: &str) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while spec.find_type(&name).is_some() {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// The shared error responses, by status.
#[derive(Clone, Copy)]
enum Failure {
    BadRequest,
    Unauthorized,
    Internal,
    Unavailable,
}

impl Failure {
    fn status(self) -> &'static str {
        match self {
            Failure::BadRequest => "400",
            Failure::Unauthorized => "401",
            Failure::Internal => "500",
            Failure::Unavailable => "503",
        }
    }

    fn component(self) -> &'static str {
        match self {
            Failure::BadRequest => "BadRequest",
            Failure::Unauthorized => "Unauthorized",
            Failure::Internal => "InternalError",
            Failure::Unavailable => "Unavailable",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Failure::BadRequest => {
                "The request does not bind: a field is missing or breaks a rule; `msg` names it."
            }
            Failure::Unauthorized => "The bearer token is missing, invalid or expired.",
            Failure::Internal => "An internal failure; the detail is logged, not sent.",
            Failure::Unavailable => "Overloaded, circuit breaker open, or timed out; retry later.",
        }
    }
}

struct Builder<'a> {
    spec: &'a ApiSpec,
    schemas: Schemas<'a>,
    envelope: String,
    failures: Vec<Failure>,
    warnings: Vec<String>,
}

impl<'a> Builder<'a> {
    fn new(spec: &'a ApiSpec) -> Self {
        Self {
            spec,
            schemas: Schemas::new(spec),
            envelope: free_name(spec, "Envelope"),
            failures: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn run(mut self) -> Build {
        let spec = self.spec;
        let names = route_names(spec);
        let mut paths: OrderedMap<OrderedMap<Operation>> = OrderedMap::new();
        for (group, group_names) in spec.service.groups.iter().zip(&names) {
            for (route, name) in group.routes.iter().zip(group_names) {
                let method = route.method.to_ascii_lowercase();
                let path = full_path(group, route);
                if !METHODS.contains(&method.as_str()) {
                    self.warnings.push(format!(
                        "{} {path} ({}) is left out: OpenAPI 3.1 has no {} operation",
                        method.to_ascii_uppercase(),
                        route.handler,
                        method.to_ascii_uppercase()
                    ));
                    continue;
                }
                let operation = self.operation(group, route, name);
                paths
                    .entry(&templated_path(&path), OrderedMap::new)
                    .insert(method, operation);
            }
        }
        let jwt = jwt_keys(spec);
        let mut security_schemes = OrderedMap::new();
        if !jwt.is_empty() {
            security_schemes.insert(
                SECURITY_SCHEME,
                SecurityScheme {
                    kind: "http",
                    scheme: "bearer",
                    bearer_format: "JWT",
                    description: format!(
                        "A JWT signed with the secret under the config key {}.",
                        jwt.join(", ")
                    ),
                },
            );
        }
        let mut responses = OrderedMap::new();
        for failure in [
            Failure::BadRequest,
            Failure::Unauthorized,
            Failure::Internal,
            Failure::Unavailable,
        ] {
            if self.failures.iter().any(|f| f.status() == failure.status()) {
                responses.insert(
                    failure.component(),
                    Response::Inline {
                        description: failure.description().to_owned(),
                        content: self
                            .json_content(Schema::reference(schema::ref_path(&self.envelope))),
                    },
                );
            }
        }
        let envelope_name = self.envelope.clone();
        let mut schemas = self.schemas.components();
        schemas.insert(envelope_name, envelope());
        Build {
            document: Document {
                openapi: "3.1.0",
                info: info(spec),
                paths,
                components: Components {
                    schemas,
                    responses,
                    security_schemes,
                },
            },
            warnings: self.warnings,
        }
    }

    fn json_content(&self, schema: Schema) -> OrderedMap<MediaType> {
        let mut content = OrderedMap::new();
        content.insert(JSON, MediaType::new(schema));
        content
    }

    fn operation(&mut self, group: &'a Group, route: &'a Route, name: &str) -> Operation {
        let shape = RequestShape::of(self.spec, route);
        let form_query = form_in_query(&route.method) || shape.has_json_body();
        let mut parameters = Vec::new();
        for param in &route.path_params {
            let field = shape.from(Source::Path).find(|f| f.name == *param);
            parameters.push(Parameter {
                name: param.clone(),
                location: "path",
                description: field.and_then(WireField::description),
                required: true,
                schema: match field {
                    Some(f) => self.parameter_schema(f),
                    None => Schema::of_type("string"),
                },
            });
        }
        if form_query {
            for f in shape.from(Source::Form) {
                parameters.push(self.parameter(f, "query"));
            }
        }
        for f in shape.from(Source::Header) {
            parameters.push(self.parameter(f, "header"));
        }
        let request_body = self.request_body(route, &shape, form_query);
        let (summary, description) = route_summary(route);
        let jwt = group.server.jwt.is_some();
        let mut security = Vec::new();
        if jwt {
            let mut requirement = OrderedMap::new();
            requirement.insert(SECURITY_SCHEME, Vec::new());
            security.push(requirement);
        }
        Operation {
            tags: group.server.group.iter().cloned().collect(),
            summary: summary.map(str::to_owned),
            description: description.map(str::to_owned),
            operation_id: name.to_owned(),
            parameters,
            request_body,
            responses: self.responses(group, route, jwt),
            security,
        }
    }

    fn parameter(&mut self, f: &WireField<'a>, location: &'static str) -> Parameter {
        Parameter {
            name: f.name.clone(),
            location,
            description: f.description(),
            required: !f.optional(),
            schema: self.parameter_schema(f),
        }
    }

    /// A field's schema without its description, which the parameter carries.
    fn parameter_schema(&mut self, f: &WireField<'a>) -> Schema {
        let mut schema = self.schemas.field(f);
        if schema.description == f.description() {
            schema.description = None;
        }
        schema
    }

    fn request_body(
        &mut self,
        route: &'a Route,
        shape: &RequestShape<'a>,
        form_query: bool,
    ) -> Option<RequestBody> {
        if let Some(ty) = shape.whole_body {
            let schema = self.schemas.of_type(ty);
            return Some(RequestBody {
                required: true,
                content: self.json_content(schema),
            });
        }
        if shape.has(Source::Json) {
            // The request type's component schema is its JSON object: the
            // fields bound from elsewhere are not in it.
            let schema = match &route.request {
                Some(ty) => self.schemas.of_type(ty),
                None => Schema::default(),
            };
            return Some(RequestBody {
                required: shape.from(Source::Json).any(|f| !f.optional()),
                content: self.json_content(schema),
            });
        }
        if !form_query && shape.has(Source::Form) {
            let fields: Vec<WireField<'a>> = shape.from(Source::Form).cloned().collect();
            let mut content = OrderedMap::new();
            content.insert(FORM, MediaType::new(self.schemas.object_of(&fields)));
            return Some(RequestBody {
                required: fields.iter().any(|f| !f.optional()),
                content,
            });
        }
        None
    }

    fn responses(&mut self, group: &Group, route: &'a Route, jwt: bool) -> OrderedMap<Response> {
        let mut responses = OrderedMap::new();
        let envelope = Schema::reference(schema::ref_path(&self.envelope));
        let mut content = OrderedMap::new();
        let head = route.method.eq_ignore_ascii_case("head");
        let mut description = "Success when `code` is 0. A business error has a non-zero \
                               `code`, also with HTTP 200, and no `data`.";
        match &route.response {
            _ if head => description = "Success; a HEAD response has no body.",
            Some(ty) if group.server.sse => {
                description = "The event stream.";
                let mut media = MediaType::new(Schema {
                    description: Some(
                        "Server-sent events; the data of each event is one JSON value (x-event-data)."
                            .to_owned(),
                    ),
                    ..Schema::of_type("string")
                });
                media.event_data = Some(self.schemas.of_type(ty));
                content.insert("text/event-stream", media);
            }
            Some(ty) => {
                let mut properties = OrderedMap::new();
                properties.insert("data", self.schemas.of_type(ty));
                let data = Schema {
                    properties: Some(properties),
                    ..Schema::of_type("object")
                };
                content.insert(
                    JSON,
                    MediaType::new(Schema {
                        all_of: vec![envelope, data],
                        ..Schema::default()
                    }),
                );
            }
            None => content.insert(JSON, MediaType::new(envelope)),
        }
        responses.insert(
            "200",
            Response::Inline {
                description: description.to_owned(),
                content,
            },
        );
        let mut failures = Vec::new();
        if route.request.is_some() {
            failures.push(Failure::BadRequest);
        }
        if jwt {
            failures.push(Failure::Unauthorized);
        }
        failures.extend([Failure::Internal, Failure::Unavailable]);
        for failure in failures {
            responses.insert(
                failure.status(),
                Response::Ref {
                    reference: format!("#/components/responses/{}", failure.component()),
                },
            );
            self.failures.push(failure);
        }
        responses
    }
}

/// The `info` block: title, description and version of the .api file, with
/// the service name and `1.0.0` when it has none.
fn info(spec: &ApiSpec) -> Info {
    let value = |key: &str| {
        spec.info_value(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let title = value("title")
        .or_else(|| (!spec.service.name.is_empty()).then(|| spec.service.name.clone()))
        .unwrap_or_else(|| "API".to_owned());
    let (name, email) = (value("author"), value("email"));
    Info {
        title,
        description: value("desc").or_else(|| value("description")),
        version: value("version").unwrap_or_else(|| "1.0.0".to_owned()),
        contact: (name.is_some() || email.is_some()).then_some(Contact { name, email }),
    }
}

/// `{code, msg}`: every rzero response has it; successful ones add `data`.
fn envelope() -> Schema {
    let mut properties = OrderedMap::new();
    properties.insert(
        "code",
        Schema {
            format: Some("uint32"),
            minimum: Some(document::Value::Int(0)),
            description: Some(
                "0 on success; a business error code, or the HTTP status for errors rzero answers itself."
                    .to_owned(),
            ),
            ..Schema::of_type("integer")
        },
    );
    properties.insert("msg", Schema::of_type("string"));
    Schema {
        description: Some("rzero's response envelope.".to_owned()),
        ..Schema::object(properties, vec!["code".to_owned(), "msg".to_owned()])
    }
}

/// The config keys of the JWT secrets, in order of first use.
fn jwt_keys(spec: &ApiSpec) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for key in spec
        .service
        .groups
        .iter()
        .filter_map(|g| g.server.jwt.as_ref())
    {
        let quoted = format!("`{key}`");
        if !keys.contains(&quoted) {
            keys.push(quoted);
        }
    }
    keys
}
