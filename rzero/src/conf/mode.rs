use serde::Deserialize;

/// The deployment stage, as go-zero names them; `dev` and `test` relax nothing by
/// themselves but let services switch on development-only behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Dev,
    Test,
    /// Regression test.
    Rt,
    /// Pre-release.
    Pre,
    #[default]
    Pro,
}
