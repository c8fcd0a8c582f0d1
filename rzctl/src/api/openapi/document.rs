//! The parts of an OpenAPI 3.1 document that rzctl writes, as serde types.
//! Field order here is the order in the output.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A JSON object whose keys keep the order they were inserted in, so the
/// output follows the .api file instead of the alphabet.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V>(Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key`, replacing an earlier value in its place.
    pub fn insert(&mut self, key: impl Into<String>, value: V) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The value for `key`, inserted with `make` first when missing.
    pub fn entry(&mut self, key: &str, make: impl FnOnce() -> V) -> &mut V {
        let index = match self.0.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.0.push((key.to_owned(), make()));
                self.0.len() - 1
            }
        };
        &mut self.0[index].1
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub openapi: &'static str,
    pub info: Info,
    pub paths: OrderedMap<OrderedMap<Operation>>,
    pub components: Components,
}

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub operation_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    pub responses: OrderedMap<Response>,
    /// `[{"bearerAuth": []}]` on JWT routes; absent (no security) otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<OrderedMap<Vec<String>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "in")]
    pub location: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub required: bool,
    pub schema: Schema,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    pub required: bool,
    pub content: OrderedMap<MediaType>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaType {
    pub schema: Schema,
    /// For server-sent events: the schema of each event's JSON data, which
    /// OpenAPI 3.1 has no field for.
    #[serde(rename = "x-event-data", skip_serializing_if = "Option::is_none")]
    pub event_data: Option<Schema>,
}

impl MediaType {
    pub fn new(schema: Schema) -> Self {
        Self {
            schema,
            event_data: None,
        }
    }
}

/// A response, or a reference to one under `components/responses`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Response {
    Ref {
        #[serde(rename = "$ref")]
        reference: String,
    },
    Inline {
        description: String,
        #[serde(skip_serializing_if = "OrderedMap::is_empty")]
        content: OrderedMap<MediaType>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    pub schemas: OrderedMap<Schema>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub responses: OrderedMap<Response>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub security_schemes: OrderedMap<SecurityScheme>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityScheme {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub scheme: &'static str,
    pub bearer_format: &'static str,
    pub description: String,
}

/// `"integer"` or `["integer", "null"]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SchemaType {
    One(&'static str),
    Many(Vec<&'static str>),
}

/// A JSON value in `enum` and `default`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    String(String),
    Array(Vec<Value>),
}

/// A JSON Schema (2020-12, OpenAPI 3.1's dialect), limited to the keywords
/// .api types need.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<SchemaType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enumeration: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusive_minimum: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusive_maximum: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Schema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<OrderedMap<Schema>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_properties: Option<Box<Schema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_names: Option<Box<Schema>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<Schema>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Schema>,
}

impl Schema {
    pub fn of_type(kind: &'static str) -> Self {
        Self {
            kind: Some(SchemaType::One(kind)),
            ..Self::default()
        }
    }

    pub fn reference(target: String) -> Self {
        Self {
            reference: Some(target),
            ..Self::default()
        }
    }

    /// An object schema with these properties, in order.
    pub fn object(properties: OrderedMap<Schema>, required: Vec<String>) -> Self {
        Self {
            properties: Some(properties),
            required,
            ..Self::of_type("object")
        }
    }
}
