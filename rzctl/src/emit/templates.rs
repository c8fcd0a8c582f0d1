//! The Tera templates every output file comes from. The built-in set (the repository's
//! `templates/` folder) is compiled into the binary; a user's copy in a template home
//! (`--home DIR`, `RZCTL_HOME`, or `~/.rzctl/<version>`) overrides any of them, file by file.

use serde::Serialize;
use std::path::{Path, PathBuf};

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/", $name)))),*]
    };
}

/// Every built-in template: its name (the path under the template home) and text.
pub const BUILTIN: &[(&str, &str)] = builtin![
    "api/Cargo.toml.tera",
    "api/config.rs.tera",
    "api/etc.yaml.tera",
    "api/handler.rs.tera",
    "api/lib.rs.tera",
    "api/logic.rs.tera",
    "api/main.rs.tera",
    "api/middleware.rs.tera",
    "api/middleware_mod.rs.tera",
    "api/mod.rs.tera",
    "api/new.api.tera",
    "api/new_logic.rs.tera",
    "api/routes.rs.tera",
    "api/svc.rs.tera",
    "api/types.rs.tera",
    "rpc/Cargo.toml.tera",
    "rpc/client.rs.tera",
    "rpc/client_mod.rs.tera",
    "rpc/config.rs.tera",
    "rpc/etc.yaml.tera",
    "rpc/lib.rs.tera",
    "rpc/logic.rs.tera",
    "rpc/main.rs.tera",
    "rpc/mod.rs.tera",
    "rpc/new.proto.tera",
    "rpc/new_logic.rs.tera",
    "rpc/server.rs.tera",
    "rpc/server_mod.rs.tera",
    "rpc/svc.rs.tera",
    "model/Cargo.toml.tera",
    "model/lib.rs.tera",
    "model/mod.rs.tera",
    "model/model.rs.tera",
    "model/model_gen.rs.tera",
];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template {name}: {message}")]
    Tera { name: String, message: String },
}

/// A Tera error and its causes on one line (Tera nests the useful part several levels deep).
fn describe(err: &tera::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

/// The template set of one run.
#[derive(Debug)]
pub struct Templates {
    tera: tera::Tera,
    /// Which templates came from the user's home, for reports.
    overridden: Vec<String>,
}

impl Templates {
    /// The built-in templates, each replaced by `home/<name>` when that file exists.
    pub fn load(home: Option<&Path>) -> Result<Self, TemplateError> {
        let mut tera = tera::Tera::default();
        let mut overridden = Vec::new();
        for (name, text) in BUILTIN {
            let user = home.map(|h| h.join(name)).filter(|p| p.is_file());
            let text = match &user {
                Some(path) => {
                    overridden.push((*name).to_owned());
                    std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
                        path: path.clone(),
                        source,
                    })?
                }
                None => (*text).to_owned(),
            };
            tera.add_raw_template(name, &text)
                .map_err(|e| TemplateError::Tera {
                    name: (*name).to_owned(),
                    message: describe(&e),
                })?;
        }
        tera.autoescape_on(vec![]);
        Ok(Self { tera, overridden })
    }

    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, TemplateError> {
        let fail = |message: String| TemplateError::Tera {
            name: name.to_owned(),
            message,
        };
        let context = tera::Context::from_serialize(context).map_err(|e| fail(describe(&e)))?;
        self.tera
            .render(name, &context)
            .map_err(|e| fail(describe(&e)))
    }

    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }
}

/// `$RZCTL_HOME`, else `~/.rzctl/<version>` (versioned so that an upgrade does not silently
/// render old copies), else `.rzctl` in the current folder when there is no home.
pub fn default_home() -> PathBuf {
    if let Some(home) = std::env::var_os("RZCTL_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home);
    }
    let base = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    base.join(".rzctl").join(env!("CARGO_PKG_VERSION"))
}

/// The template home a generation run reads: the one given (`--home`, `RZCTL_HOME`), else
/// [`default_home`] when `rzctl template init` has made it, else none (the built-in set). This
/// is what makes a plain `template init` and a plain `api gen` agree.
pub fn resolve_home(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(home) => Some(home.to_path_buf()),
        None => Some(default_home()).filter(|home| home.is_dir()),
    }
}

/// What `template init` did with one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created(PathBuf),
    Kept(PathBuf),
    Replaced(PathBuf),
}

/// Writes the built-in templates under `home`; existing copies are kept unless `force`.
pub fn init(home: &Path, force: bool) -> Result<Vec<Written>, TemplateError> {
    let mut done = Vec::new();
    for (name, text) in BUILTIN {
        let path = home.join(name);
        let exists = path.is_file();
        if exists && !force {
            done.push(Written::Kept(path));
            continue;
        }
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)
        };
        write().map_err(|source| TemplateError::Read {
            path: path.clone(),
            source,
        })?;
        done.push(if exists {
            Written::Replaced(path)
        } else {
            Written::Created(path)
        });
    }
    Ok(done)
}

/// Unified diffs between the built-in templates and the user's copies under `home`, for
/// those that differ; a template the user has no copy of is listed as such.
pub fn diff(home: &Path) -> Result<Vec<(String, Option<String>)>, TemplateError> {
    let mut out = Vec::new();
    for (name, text) in BUILTIN {
        let path = home.join(name);
        if !path.is_file() {
            out.push(((*name).to_owned(), None));
            continue;
        }
        let user = std::fs::read_to_string(&path).map_err(|source| TemplateError::Read {
            path: path.clone(),
            source,
        })?;
        if user != *text {
            let diff = similar::TextDiff::from_lines(*text, user.as_str())
                .unified_diff()
                .header(&format!("built-in/{name}"), &path.display().to_string())
                .to_string();
            out.push(((*name).to_owned(), Some(diff)));
        }
    }
    Ok(out)
}
