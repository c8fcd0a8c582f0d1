use rzero::conf::load;
use rzero::rest::{JwtConf, RestConf};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceConf {
    rest: RestConf,
    #[serde(default)]
    auth: JwtConf,
}

fn write(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".yaml").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let file = write("rest:\n  name: user-api\n  port: 8888\n  max_con: 10\n");
    let err = load::<ServiceConf>(file.path()).unwrap_err().to_string();
    let name = file.path().display().to_string();
    assert!(
        err.starts_with(&format!("{name}:4:3: rest.max_con: ")),
        "{err}"
    );
    assert!(err.contains("unknown field `max_con`"), "{err}");
    assert!(
        err.contains("max_conns"),
        "the message should list the known keys: {err}"
    );
}

#[test]
fn a_wrong_type_names_file_line_key_and_expectation() {
    let file = write("rest:\n  name: user-api\n  port: eighty\n");
    let err = load::<ServiceConf>(file.path()).unwrap_err().to_string();
    let name = file.path().display().to_string();
    assert!(err.starts_with(&format!("{name}:3:")), "{err}");
    assert!(err.contains("rest.port"), "{err}");
    assert!(err.contains("u16"), "{err}");
}

#[test]
fn a_bad_duration_is_explained() {
    let file = write("rest:\n  timeout: soon\n");
    let err = load::<ServiceConf>(file.path()).unwrap_err().to_string();
    assert!(err.contains("rest.timeout"), "{err}");
    assert!(err.contains("expected e.g. \"3s\""), "{err}");
}
