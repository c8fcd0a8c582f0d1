use super::rules::{BindError, Raw, bind_field};
use super::spec::{Bindable, Field, Kind, Source};
use crate::rest::response::Error;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams};
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use serde_json::{Map, Value};

/// The extractor: `Bind(req): Bind<LoginReq>` in a handler's arguments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bind<T>(pub T);

impl From<BindError> for Error {
    fn from(err: BindError) -> Self {
        Error::bad_request(err.message)
    }
}

#[derive(Clone, Copy)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(content_type: Option<&str>) -> BodyKind {
    let Some(ct) = content_type else {
        return BodyKind::Json;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if essence == "application/json" || essence.ends_with("+json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

impl<S, T> FromRequest<S> for Bind<T>
where
    S: Send + Sync,
    T: Bindable,
{
    type Rejection = Error;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        if !matches!(T::KIND, Kind::Object) {
            return whole_body(request, state).await;
        }
        let (mut parts, body) = request.into_parts();
        let fields = T::FIELDS;
        let wants = |source: Source| fields.iter().any(|f| f.source == source);

        let path_params: Vec<(String, String)> = if wants(Source::Path) {
            RawPathParams::from_request_parts(&mut parts, state)
                .await
                .map_err(|e| Error::bad_request(format!("invalid path parameters: {e}")))?
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        } else {
            Vec::new()
        };
        let mut form: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();

        let kind = body_kind(
            parts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
        let needs_body = fields.is_empty() || wants(Source::Json) || wants(Source::Form);
        let bytes = if needs_body {
            let request = axum::extract::Request::from_parts(parts.clone(), body);
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| Error::status(rejection.status(), rejection.body_text()))?
        } else {
            Bytes::new()
        };

        let mut json = Map::new();
        if !bytes.is_empty() {
            match kind {
                BodyKind::Form => form.extend(form_urlencoded::parse(&bytes).into_owned()),
                BodyKind::Json => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(Value::Object(object)) => json = object,
                    Ok(_) => {
                        return Err(
                            BindError::body("the request body must be a JSON object").into()
                        );
                    }
                    Err(e) => {
                        return Err(BindError::body(format!(
                            "the request body is not valid JSON: {e}"
                        ))
                        .into());
                    }
                },
                BodyKind::Other => {
                    if wants(Source::Json) {
                        return Err(Error::status(
                            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                            "expected a JSON or form-encoded request body",
                        ));
                    }
                }
            }
        }

        // A type that describes no fields takes the JSON body as it is.
        let object = if fields.is_empty() {
            json
        } else {
            let mut bound = Map::new();
            for field in fields {
                let raw = match field.source {
                    Source::Path => path_params
                        .iter()
                        .find(|(k, _)| k == field.name)
                        .map(|(_, v)| Raw::Text(vec![v.clone()])),
                    Source::Form => Some(Raw::Text(
                        form.iter()
                            .filter(|(k, _)| k == field.name)
                            .map(|(_, v)| v.clone())
                            .collect(),
                    )),
                    Source::Header => Some(Raw::Text(
                        parts
                            .headers
                            .get_all(field.name)
                            .iter()
                            .filter_map(|v| v.to_str().ok().map(str::to_owned))
                            .collect(),
                    )),
                    Source::Json => json.remove(field.name).map(Raw::Json),
                };
                let value = bind_field(field, field.name, raw).map_err(|mut err| {
                    // The usual cause: `curl -d` sends JSON labelled as a form.
                    if err.rule == "required"
                        && field.source == Source::Json
                        && !bytes.is_empty()
                        && !matches!(kind, BodyKind::Json)
                    {
                        err.message
                            .push_str(" (the body was not sent as application/json)");
                    }
                    err
                })?;
                if let Some(value) = value {
                    bound.insert(field.name.to_owned(), value);
                }
            }
            bound
        };
        serde_path_to_error::deserialize(Value::Object(object))
            .map(Bind)
            .map_err(|e| {
                let path = e.path().to_string();
                Error::bad_request(format!("field {path:?} is invalid: {}", e.inner()))
            })
    }
}

/// A request that is one JSON value (a list, a string, a number): the body is checked against
/// the type's kind, and a list's elements against its fields, then deserialized.
async fn whole_body<S, T>(request: axum::extract::Request, state: &S) -> Result<Bind<T>, Error>
where
    S: Send + Sync,
    T: Bindable,
{
    let kind = body_kind(
        request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| Error::status(rejection.status(), rejection.body_text()))?;
    let raw = if bytes.is_empty() {
        None
    } else if !matches!(kind, BodyKind::Json) {
        return Err(Error::status(
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a JSON request body",
        ));
    } else {
        let value = serde_json::from_slice::<Value>(&bytes).map_err(|e| {
            Error::from(BindError::body(format!(
                "the request body is not valid JSON: {e}"
            )))
        })?;
        Some(Raw::Json(value))
    };
    let field = Field::new("body", Source::Json, *T::KIND).fields(T::FIELDS);
    let value = bind_field(&field, "body", raw)?.unwrap_or(Value::Null);
    serde_path_to_error::deserialize(value)
        .map(Bind)
        .map_err(|e| {
            Error::bad_request(format!(
                "body{} is invalid: {}",
                describe_path(&e),
                e.inner()
            ))
        })
}

/// ` at [1].name` for a place inside the body, nothing for the body itself.
fn describe_path<E>(e: &serde_path_to_error::Error<E>) -> String {
    let path = e.path().to_string();
    if path == "." {
        String::new()
    } else {
        format!(" at {path}")
    }
}
