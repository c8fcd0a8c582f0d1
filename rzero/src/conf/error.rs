use std::fmt;
use std::path::PathBuf;

/// Why a config could not be loaded. The `Display` form names the file, the position when it
/// is known, the key, and what was expected, e.g.
/// `etc/user.yaml:3:9: rest.port: invalid value: expected u16`.
#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    /// The file could not be read at all.
    #[error("{}: cannot read config file: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read, but its content does not fit the config struct.
    #[error("{0}")]
    Invalid(Box<Invalid>),
}

/// The details of [`ConfError::Invalid`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The file (or `<string>` for in-memory sources).
    pub source_name: String,
    /// 1-based line and column, when the position is known.
    pub position: Option<(u64, u64)>,
    /// The dotted key path, such as `rest.port`, when the error belongs to one key.
    pub key: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source_name)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl ConfError {
    pub(crate) fn invalid(
        source_name: &str,
        position: Option<(u64, u64)>,
        key: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfError::Invalid(Box::new(Invalid {
            source_name: source_name.to_owned(),
            position,
            key,
            message: message.into(),
        }))
    }

    /// A config value that parsed but breaks a rule (a range, a minimum length).
    pub fn rule(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfError::Invalid(Box::new(Invalid {
            source_name: "config".to_owned(),
            position: None,
            key: Some(key.into()),
            message: message.into(),
        }))
    }

    /// The details, when the content (not the file system) was at fault.
    pub fn details(&self) -> Option<&Invalid> {
        match self {
            ConfError::Invalid(invalid) => Some(invalid),
            ConfError::Read { .. } => None,
        }
    }
}
