//! `rzctl api gen` and `rzctl api new`: generated files (snapshots), determinism, the
//! regeneration contract, `--check`, and template homes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use rzctl::api;
use rzctl::api::service::{GenOptions, RzeroDep, plan};
use rzctl::emit::templates::Templates;
use rzctl::emit::writer::{Action, Mode, apply};
use rzctl::emit::{FileKind, Output};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gen")
        .join(name)
}

fn options(package: &str) -> GenOptions {
    GenOptions {
        package: package.to_owned(),
        api_file: format!("{package}.api"),
        rzero: RzeroDep::Version("0.1.0".to_owned()),
        hello: false,
    }
}

fn generate(api: &Path, package: &str, root: &Path) -> Vec<Output> {
    let spec = api::load(api).unwrap();
    plan(
        &spec,
        &options(package),
        &Templates::load(None).unwrap(),
        root,
    )
    .unwrap()
    .outputs
}

fn render(outputs: &[Output]) -> String {
    outputs
        .iter()
        .map(|o| {
            let kind = match o.kind {
                FileKind::Generated => "generated",
                FileKind::Scaffold => "scaffold",
            };
            format!("===== {} ({kind})\n{}", o.path.display(), o.content)
        })
        .collect()
}

#[test]
fn every_shape_maps_to_rust() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = generate(&data("tricky.api"), "tricky", dir.path());
    insta::assert_snapshot!("tricky_service", render(&outputs));
}

#[test]
fn generation_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let first = generate(&data("tricky.api"), "tricky", dir.path());
    let second = generate(&data("tricky.api"), "tricky", dir.path());
    assert_eq!(first, second);
}

/// The reasons a valid .api cannot be generated, each rendered like a parse error: file,
/// line, column, the source line and a caret under the culprit.
fn plan_errors(text: &str) -> Vec<(String, usize, usize, String)> {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("bad.api");
    std::fs::write(&api, text).unwrap();
    let spec = api::load(&api).unwrap();
    let err = plan(
        &spec,
        &options("bad"),
        &Templates::load(None).unwrap(),
        dir.path(),
    )
    .unwrap_err();
    let rzctl::api::service::GenError::Spec(diags) = err else {
        panic!("expected spec errors, got {err}");
    };
    let rendered = diags.to_string();
    diags
        .iter()
        .map(|d| {
            let (file, line, column) = d
                .position()
                .unwrap_or_else(|| panic!("`{}` has no position:\n{rendered}", d.message));
            assert!(file.ends_with("bad.api"), "{file}");
            (d.message.clone(), line, column, rendered.clone())
        })
        .collect()
}

#[test]
fn unsupported_shapes_are_refused_with_their_position() {
    let errors = plan_errors(
        r#"syntax = "v1"
type Req {
	Z complex128 `json:"z"`
}
type req {
	A string `json:"a"`
}
@server (
	sse: true
)
service bad-api {
	@handler go
	post /go (Req) returns (Req)
	@handler Go
	post /go2 (Req) returns (Req)
}
"#,
    );
    let find = |needle: &str| {
        errors
            .iter()
            .find(|(m, ..)| m.contains(needle))
            .unwrap_or_else(|| panic!("no error containing {needle:?} in {errors:#?}"))
    };
    let (_, line, column, rendered) = find("`complex128` has no JSON form");
    assert_eq!((*line, *column), (3, 4));
    assert!(
        rendered.contains("3 |     Z complex128 `json:\"z\"`\n  |       ^^^^^^^^^^\n"),
        "{rendered}"
    );
    let (_, line, column, _) = find("types `Req` and `req` both become the Rust type `Req`");
    assert_eq!((*line, *column), (5, 6));
    assert!(
        rendered.contains("note: `Req` is declared at "),
        "{rendered}"
    );
    let at = |needle: &str| {
        let (_, line, column, _) = find(needle);
        (*line, *column)
    };
    assert_eq!(at("`sse: true` is not supported"), (9, 2));
    assert_eq!(
        at("handlers `go` and `Go` both become the module `go`"),
        (14, 11)
    );
}

#[test]
fn lists_builtins_and_signature_generate_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let spec = api::load(data("tricky.api")).unwrap();
    let plan = plan(
        &spec,
        &options("tricky"),
        &Templates::load(None).unwrap(),
        dir.path(),
    )
    .unwrap();
    let file = |path: &str| {
        plan.outputs
            .iter()
            .find(|o| o.path == Path::new(path))
            .map(|o| o.content.clone())
            .unwrap_or_else(|| panic!("no {path}"))
    };
    let handler = file("src/handler/batch/import_addresses.rs");
    assert!(
        handler.contains("Bind(req): Bind<Vec<crate::types::Address>>,")
            && handler.contains("Result<Reply<Vec<String>>, Error>"),
        "{handler}"
    );
    let echo = file("src/logic/batch/echo.rs");
    assert!(
        echo.contains("req: String) -> Result<String, Error>"),
        "{echo}"
    );
    assert!(file("src/logic/batch/count.rs").contains("Result<i64, Error>"));
    // `[4]uint8` is a Vec whose binding checks the length.
    let types = file("src/types.rs");
    assert!(
        types.contains("pub codes: Vec<u8>,")
            && types.contains(
                r#"Field::new("codes", Source::Json, Kind::List(&Kind::Uint)).length(4)"#
            ),
        "{types}"
    );
    // `signature: true` is generated without the check, and says so where it is written.
    let warnings: Vec<_> = plan.warnings.iter().collect();
    assert_eq!(warnings.len(), 1, "{}", plan.warnings);
    assert!(!warnings[0].is_error());
    assert!(
        warnings[0]
            .message
            .contains("`signature: true` is not enforced"),
        "{}",
        plan.warnings
    );
    let (_, line, column) = warnings[0].position().unwrap();
    assert_eq!((line, column), (74, 2));
    assert!(plan.warnings.to_string().starts_with("warning: "));
}

#[test]
fn jwt_transition_wires_the_previous_secret() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = generate(&data("tricky.api"), "tricky", dir.path());
    let file = |path: &str| {
        outputs
            .iter()
            .find(|o| o.path == Path::new(path))
            .map(|o| o.content.clone())
            .unwrap_or_else(|| panic!("no {path}"))
    };
    let routes = file("src/handler/routes.rs");
    assert!(
        routes.contains(
            ".jwt(JwtAuth::new(\n                &svc.config.admin_auth.access_secret,\n                Some(&svc.config.admin_auth_prev.prev_secret),\n            )?)"
        ),
        "{routes}"
    );
    // The group without a transition keeps its own block's previous secret.
    assert!(
        routes.contains(".jwt(JwtAuth::from_conf(&svc.config.admin_auth)?)"),
        "{routes}"
    );
    let config = file("src/config.rs");
    assert!(
        config.contains("pub admin_auth_prev: JwtTransition,"),
        "{config}"
    );
    assert!(
        config.contains("pub struct JwtTransition {\n    pub prev_secret: String,\n}"),
        "{config}"
    );
    let etc = file("etc/tricky.yaml");
    assert!(
        etc.contains("admin_auth_prev:\n")
            && etc.contains("prev_secret: ${TRICKY_ADMIN_AUTH_PREV_PREV_SECRET:-}"),
        "{etc}"
    );
}

#[test]
fn jwt_transition_without_jwt_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("t.api");
    std::fs::write(
        &api,
        "@server (\n\tjwtTransition: Old\n)\nservice t {\n\t@handler a\n\tget /a\n}\n",
    )
    .unwrap();
    let spec = api::load(&api).unwrap();
    let plan = plan(
        &spec,
        &options("t"),
        &Templates::load(None).unwrap(),
        dir.path(),
    )
    .unwrap();
    let warning = plan.warnings.iter().next().expect("a warning");
    assert!(
        warning
            .message
            .contains("`jwtTransition` has no effect without `jwt`")
    );
    assert_eq!(warning.position().map(|p| (p.1, p.2)), Some((2, 2)));
    let routes = plan
        .outputs
        .iter()
        .find(|o| o.path == Path::new("src/handler/routes.rs"))
        .unwrap();
    assert!(!routes.content.contains("jwt"), "{}", routes.content);
}

#[test]
fn one_config_field_cannot_be_two_blocks() {
    let errors = plan_errors(
        "@server (\n\tjwt: Auth\n\tjwtTransition: Auth\n)\nservice t {\n\t@handler a\n\tget /a\n}\n",
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .0
            .contains("cannot hold both a `jwt` and a `jwtTransition` block")
    );
    assert_eq!((errors[0].1, errors[0].2), (3, 2));
}

#[test]
fn templates_see_the_group_name_transition_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("api")).unwrap();
    // A house template that prints what a group carries, as a Rust comment.
    std::fs::write(
        home.join("api/routes.rs.tera"),
        "{% for group in groups %}// group={{ group.name | default(value=\"-\") }} transition={{ group.jwt_transition | default(value=\"-\") }}{% for kv in group.other %} {{ kv.key }}={{ kv.value }}{% endfor %}\n{% endfor %}pub fn register() {}\n",
    )
    .unwrap();
    let spec = api::load(data("tricky.api")).unwrap();
    let plan = plan(
        &spec,
        &options("tricky"),
        &Templates::load(Some(&home)).unwrap(),
        dir.path(),
    )
    .unwrap();
    let routes = plan
        .outputs
        .iter()
        .find(|o| o.path == Path::new("src/handler/routes.rs"))
        .unwrap();
    assert_eq!(
        routes.content,
        "// group=- transition=-\n// group=admin/user transition=-\n// group=batch transition=admin_auth_prev owner=ops\npub fn register() {}\n"
    );
}

const V1: &str = r#"syntax = "v1"
type Req {
	Name string `json:"name"`
}
type Resp {
	Greeting string `json:"greeting"`
}
@server (
	middleware: Audit
)
service greet-api {
	@handler hello
	post /hello (Req) returns (Resp)
	@handler bye
	post /bye (Req) returns (Resp)
}
"#;

const V2: &str = r#"syntax = "v1"
type Req {
	Name string `json:"name"`
	Lang string `json:"lang,optional"`
}
type Resp {
	Greeting string `json:"greeting"`
}
service greet-api {
	@handler hello
	post /hello (Req) returns (Resp)
	@handler welcome
	post /welcome (Req) returns (Resp)
}
"#;

fn gen_into(dir: &Path, api_text: &str, mode: Mode) -> rzctl::emit::writer::Report {
    let api = dir.join("greet.api");
    std::fs::write(&api, api_text).unwrap();
    let outputs = generate(&api, "greet", dir);
    apply(dir, &outputs, mode, rzctl::api::service::WATCHED).unwrap()
}

#[test]
fn regeneration_keeps_the_users_code() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let first = gen_into(root, V1, Mode::Write);
    assert!(first.changes.iter().all(|c| c.action == Action::Create));
    let hello = root.join("src/logic/hello.rs");
    let mine = std::fs::read_to_string(&hello)
        .unwrap()
        .replace("not written yet", "mine now");
    std::fs::write(&hello, &mine).unwrap();
    std::fs::write(root.join("src/config.rs"), "// my config\n").unwrap();

    // The second version adds a route, changes a type and removes a route.
    let check = gen_into(root, V2, Mode::Check);
    assert!(check.is_stale());
    let second = gen_into(root, V2, Mode::Write);
    let action = |path: &str| {
        second
            .changes
            .iter()
            .find(|c| c.path == Path::new(path))
            .map(|c| c.action)
    };
    assert_eq!(action("src/logic/welcome.rs"), Some(Action::Create));
    assert_eq!(action("src/handler/welcome.rs"), Some(Action::Create));
    assert_eq!(action("src/types.rs"), Some(Action::Update));
    assert_eq!(action("src/logic/hello.rs"), Some(Action::Kept));
    assert_eq!(action("src/config.rs"), Some(Action::Kept));
    assert_eq!(action("src/handler/bye.rs"), Some(Action::Remove));
    // The logic of the removed route and the middleware no group names any more stay, reported.
    assert_eq!(
        second.orphans,
        vec![
            PathBuf::from("src/logic/bye.rs"),
            PathBuf::from("src/middleware/audit.rs")
        ]
    );
    assert!(
        second
            .to_string()
            .contains("orphan src/middleware/audit.rs")
    );
    assert!(second.to_string().contains("orphan src/logic/bye.rs"));

    assert_eq!(std::fs::read_to_string(&hello).unwrap(), mine);
    assert_eq!(
        std::fs::read_to_string(root.join("src/config.rs")).unwrap(),
        "// my config\n"
    );
    assert!(
        root.join("src/logic/bye.rs").exists(),
        "a removed route's logic is kept"
    );
    assert!(
        !root.join("src/handler/bye.rs").exists(),
        "its generated handler goes"
    );
    let types = std::fs::read_to_string(root.join("src/types.rs")).unwrap();
    assert!(types.contains("pub lang: Option<String>"), "{types}");
    let logic_mod = std::fs::read_to_string(root.join("src/logic/mod.rs")).unwrap();
    assert!(logic_mod.contains("pub mod welcome;") && !logic_mod.contains("pub mod bye;"));

    // Once written, the tree is current.
    assert!(!gen_into(root, V2, Mode::Check).is_stale());
}

/// Runs rzctl with `user_home` as `$HOME`, so that a template home of the machine's user
/// (`~/.rzctl/<version>`, read by default) cannot change what the tests see. rustup's
/// proxies find their toolchains from `$HOME` too, so their own homes are kept.
fn isolated(command: &mut Command, user_home: &Path) {
    let real = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let keep =
        |var: &str, default: PathBuf| std::env::var_os(var).map(PathBuf::from).unwrap_or(default);
    command
        .env("RUSTUP_HOME", keep("RUSTUP_HOME", real.join(".rustup")))
        .env("CARGO_HOME", keep("CARGO_HOME", real.join(".cargo")))
        .env("HOME", user_home)
        .env_remove("RZCTL_HOME")
        .env_remove("RZERO_PATH");
}

fn rzctl(args: &[&str], home: Option<&Path>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rzctl"));
    let user_home = tempfile::tempdir().unwrap();
    command.args(args);
    isolated(&mut command, user_home.path());
    if let Some(home) = home {
        command.env("RZCTL_HOME", home);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_exits_non_zero_on_drift_and_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let api = root.join("greet.api");
    std::fs::write(&api, V1).unwrap();
    let (api, out) = (api.to_str().unwrap(), root.join("svc"));
    let out = out.to_str().unwrap();
    let (code, stdout, _) = rzctl(
        &["api", "gen", "--api", api, "--dir", out, "--dry-run"],
        None,
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("create src/types.rs"), "{stdout}");
    assert!(!root.join("svc").exists(), "a dry run writes nothing");
    let (code, _, stderr) = rzctl(&["api", "gen", "--api", api, "--dir", out, "--check"], None);
    assert_eq!(code, 1);
    assert!(stderr.contains("run `rzctl api gen` again"), "{stderr}");
    assert_eq!(
        rzctl(&["api", "gen", "--api", api, "--dir", out], None).0,
        0
    );
    assert_eq!(
        rzctl(&["api", "gen", "--api", api, "--dir", out, "--check"], None).0,
        0
    );
    let cargo = std::fs::read_to_string(root.join("svc/Cargo.toml")).unwrap();
    assert!(
        cargo.contains(&format!(
            "rzero = {{ version = \"{}\", default-features = false",
            env!("CARGO_PKG_VERSION")
        )),
        "{cargo}"
    );
}

#[test]
fn a_bad_api_file_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("broken.api");
    std::fs::write(&api, "syntax = \"v1\"\ntype X {\n  A int `json:\"a\"\n}\n").unwrap();
    let (code, _, stderr) = rzctl(
        &[
            "api",
            "gen",
            "--api",
            api.to_str().unwrap(),
            "--dir",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("broken.api:3:"), "{stderr}");
}

#[test]
fn api_new_writes_a_hello_service() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("greet");
    let (code, stdout, stderr) = rzctl(
        &["api", "new", "greet", "--dir", target.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("create src/main.rs"), "{stdout}");
    let api = std::fs::read_to_string(target.join("greet.api")).unwrap();
    assert!(
        api.contains("get /hello/:name (HelloReq) returns (HelloResp)"),
        "{api}"
    );
    let logic = std::fs::read_to_string(target.join("src/logic/hello.rs")).unwrap();
    assert!(
        logic.contains("format!(\"hello, {}\", req.name)"),
        "{logic}"
    );
    // The .api file it wrote is already in canonical form.
    assert_eq!(
        rzctl(
            &[
                "api",
                "fmt",
                "--check",
                target.join("greet.api").to_str().unwrap()
            ],
            None
        )
        .0,
        0
    );
}

#[test]
fn a_template_home_overrides_and_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let (code, stdout, _) = rzctl(
        &["template", "init", "--home", home.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("create"), "{stdout}");
    let (_, same, _) = rzctl(&["template", "diff"], Some(&home));
    assert!(same.contains("are the built-in ones"), "{same}");

    let handler = home.join("api/handler.rs.tera");
    let text = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(
        &handler,
        text.replace(
            "/// Binds the request",
            "/// Our house style.\n/// Binds the request",
        ),
    )
    .unwrap();
    let (_, diff, _) = rzctl(&["template", "diff"], Some(&home));
    assert!(diff.contains("+/// Our house style."), "{diff}");

    let api = dir.path().join("greet.api");
    std::fs::write(&api, V1).unwrap();
    let out = dir.path().join("svc");
    let (code, stdout, stderr) = rzctl(
        &[
            "api",
            "gen",
            "--api",
            api.to_str().unwrap(),
            "--dir",
            out.to_str().unwrap(),
        ],
        Some(&home),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("template api/handler.rs.tera from the template home"),
        "{stdout}"
    );
    let generated = std::fs::read_to_string(out.join("src/handler/hello.rs")).unwrap();
    assert!(generated.contains("/// Our house style."), "{generated}");
    // Kept copies are not overwritten without --force.
    let (_, again, _) = rzctl(
        &["template", "init", "--home", home.to_str().unwrap()],
        None,
    );
    assert!(again.contains("keep"), "{again}");
    assert!(
        std::fs::read_to_string(&handler)
            .unwrap()
            .contains("Our house style")
    );
}

#[test]
fn the_default_template_home_is_read_without_home() {
    let dir = tempfile::tempdir().unwrap();
    let user_home = dir.path().join("user");
    std::fs::create_dir_all(&user_home).unwrap();
    let run = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rzctl"));
        command.args(args);
        isolated(&mut command, &user_home);
        let out = command.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(&["template", "init"]);
    assert_eq!(code, 0, "{stderr}");
    let home = user_home.join(".rzctl").join(env!("CARGO_PKG_VERSION"));
    assert!(
        stdout.contains("`rzctl api gen` and `api new` read them from there"),
        "{stdout}"
    );
    let handler = home.join("api/handler.rs.tera");
    let text = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(
        &handler,
        text.replace(
            "/// Binds the request",
            "/// From the default home.\n/// Binds the request",
        ),
    )
    .unwrap();

    let api = dir.path().join("greet.api");
    std::fs::write(&api, V1).unwrap();
    let out = dir.path().join("svc");
    let (code, stdout, stderr) = run(&[
        "api",
        "gen",
        "--api",
        api.to_str().unwrap(),
        "--dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("template api/handler.rs.tera from the template home"),
        "{stdout}"
    );
    let generated = std::fs::read_to_string(out.join("src/handler/hello.rs")).unwrap();
    assert!(
        generated.contains("/// From the default home."),
        "{generated}"
    );
}

#[test]
fn rzero_path_and_its_variable_make_a_relative_path_dependency() {
    let dir = tempfile::tempdir().unwrap();
    let user_home = dir.path().join("user");
    std::fs::create_dir_all(&user_home).unwrap();
    // A checkout of rzero (rzctl only looks for its Cargo.toml) beside the service folders.
    let checkout = dir.path().join("src/rzero");
    std::fs::create_dir_all(&checkout).unwrap();
    std::fs::write(checkout.join("Cargo.toml"), "[package]\nname = \"rzero\"\n").unwrap();
    let api = dir.path().join("greet.api");
    std::fs::write(&api, V1).unwrap();
    let run = |out: &str, flag: Option<&Path>, variable: Option<&Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rzctl"));
        command.args(["api", "gen", "--api", api.to_str().unwrap(), "--dir", out]);
        if let Some(path) = flag {
            command.arg("--rzero-path").arg(path);
        }
        isolated(&mut command, &user_home);
        if let Some(path) = variable {
            command.env("RZERO_PATH", path);
        }
        let output = command.current_dir(dir.path()).output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let dependency = |out: &str| {
        let cargo = std::fs::read_to_string(dir.path().join(out).join("Cargo.toml")).unwrap();
        cargo
            .lines()
            .find(|l| l.starts_with("rzero = "))
            .unwrap_or_else(|| panic!("no rzero dependency in\n{cargo}"))
            .to_owned()
    };

    let (code, stderr) = run("svc/flag", Some(&checkout), None);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        dependency("svc/flag").starts_with(r#"rzero = { path = "../../src/rzero""#),
        "{}",
        dependency("svc/flag")
    );
    // RZERO_PATH does the same, and a relative value is read from the current folder.
    let (code, stderr) = run("svc/variable", None, Some(Path::new("src/rzero")));
    assert_eq!(code, 0, "{stderr}");
    assert!(dependency("svc/variable").starts_with(r#"rzero = { path = "../../src/rzero""#));
    // The flag wins over the variable.
    let elsewhere = dir.path().join("elsewhere");
    let (code, _) = run("svc/both", Some(&checkout), Some(&elsewhere));
    assert_eq!(code, 0);
    assert!(dependency("svc/both").contains("../../src/rzero"));
    // A folder without a Cargo.toml is refused before anything is written.
    let (code, stderr) = run("svc/bad", None, Some(&elsewhere));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is not an rzero checkout (no Cargo.toml)"),
        "{stderr}"
    );
    assert!(!dir.path().join("svc/bad").exists());
}

#[test]
fn api_gen_prints_generation_errors_and_warnings_with_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("bad.api");
    std::fs::write(
        &api,
        "type Req {\n\tZ complex64 `json:\"z\"`\n}\nservice bad {\n\t@handler a\n\tpost /a (Req)\n}\n",
    )
    .unwrap();
    let out = dir.path().join("svc");
    let args = [
        "api",
        "gen",
        "--api",
        api.to_str().unwrap(),
        "--dir",
        out.to_str().unwrap(),
    ];
    let (code, _, stderr) = rzctl(&args, None);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: type `Req`, field `Z`: `complex64` has no JSON form"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.api:2:4\n"), "{stderr}");
    assert!(stderr.contains("  |       ^^^^^^^^^\n"), "{stderr}");
    assert!(!out.exists(), "nothing is written");

    std::fs::write(
        &api,
        "@server (\n\tsignature: true\n)\nservice ok {\n\t@handler a\n\tget /a\n}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = rzctl(&args, None);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("warning: `signature: true` is not enforced"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.api:2:2"), "{stderr}");
    assert!(stdout.contains("create src/handler/routes.rs"), "{stdout}");
}

#[test]
fn multi_line_comments_and_docs_stay_doc_comments() {
    // found by the mutation test: a line break in a @doc value ended the `//!` comment
    let dir = tempfile::tempdir().unwrap();
    let api = dir.path().join("m.api");
    std::fs::write(
        &api,
        "/* first\r\nsecond */\ntype A {\n\t/* one\n\t   two */\n\tB int `json:\"b\"`\n}\nservice s {\n\t@doc (\n\t\tsummary: `line one\nline two`\n\t)\n\t@handler h\n\tget /a (A)\n}\n",
    )
    .unwrap();
    let outputs = generate(&api, "m", dir.path());
    let file = |path: &str| {
        outputs
            .iter()
            .find(|o| o.path == Path::new(path))
            .map(|o| o.content.clone())
            .unwrap()
    };
    let handler = file("src/handler/h.rs");
    assert!(
        handler.starts_with("//! `GET /a`: summary: line one line two\n"),
        "{handler}"
    );
    let types = file("src/types.rs");
    assert!(types.contains("/// first\n/// second\n"), "{types}");
    assert!(
        types.contains("    /// one\n    /// two\n    pub b: i64,"),
        "{types}"
    );
}

#[test]
fn declared_types_never_shadow_what_generated_code_uses() {
    // `Option`, `Range`, `Field`... are valid .api type names; CI compiles this service too.
    let dir = tempfile::tempdir().unwrap();
    let outputs = generate(&data("shadow.api"), "shadow", dir.path());
    let types = outputs
        .iter()
        .find(|o| o.path == Path::new("src/types.rs"))
        .map(|o| o.content.clone())
        .unwrap();
    for expected in [
        "use rzero::rest::bind;\n",
        "pub struct Option {\n    pub label: ::std::string::String,",
        "#[serde(default, skip_serializing_if = \"::std::option::Option::is_none\")]\n    pub span: ::std::option::Option<Range>,",
        "pub tags: ::std::option::Option<::std::vec::Vec<::std::string::String>>,",
        "pub items: ::std::vec::Vec<Field>,",
        "impl bind::Bindable for Field {",
        "bind::Field::new(\"start\", bind::Source::Json, bind::Kind::Int)",
        ".range(bind::Range::new(\n            Some(0.0),",
        "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\npub struct Serialize {",
    ] {
        assert!(types.contains(expected), "no {expected:?} in\n{types}");
    }
    assert!(!types.contains("use serde"), "{types}");
    let list = outputs
        .iter()
        .find(|o| o.path == Path::new("src/handler/list.rs"))
        .unwrap();
    assert!(
        list.content
            .contains("Result<Reply<Vec<crate::types::String>>, Error>"),
        "{}",
        list.content
    );
}
