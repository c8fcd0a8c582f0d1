//! `rzctl api ts`: a typed TypeScript client for an [`ApiSpec`].
//!
//! Three files: `types.ts` (an interface per declared type), `client.ts`
//! (the runtime: configuration, fetch, the `{code, msg, data}` envelope,
//! `ApiError`; the same for every service) and `api.ts` (a function per
//! route). The output depends only on the spec, so CI can regenerate and
//! compare.

pub mod names;
mod routes;
pub mod types;

use crate::api::model::ApiSpec;

/// One file of the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file name, relative to the output folder.
    pub name: &'static str,
    pub contents: String,
}

/// The runtime every generated client shares.
const CLIENT: &str = include_str!("client.ts");

/// The generated client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// `types.ts`, `client.ts`, `api.ts`, in the order they depend on each other.
    pub files: Vec<GeneratedFile>,
    /// One line per route the client cannot call as the .api declares it.
    pub warnings: Vec<String>,
}

/// Renders the client's files.
pub fn render(spec: &ApiSpec) -> Client {
    let (api, warnings) = routes::render(spec);
    Client {
        files: vec![
            GeneratedFile {
                name: "types.ts",
                contents: types::render(spec),
            },
            GeneratedFile {
                name: "client.ts",
                contents: CLIENT.to_owned(),
            },
            GeneratedFile {
                name: "api.ts",
                contents: api,
            },
        ],
        warnings,
    }
}
