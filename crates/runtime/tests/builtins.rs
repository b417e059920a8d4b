//! Every function of every built-in component (`activities/*`), run
//! in-process through the whole stack. Tests are named `COMPONENT::FUNCTION`,
//! and `foreach_builtin_activity!` (generated from the built-ins' sources)
//! requires one per function: a built-in function without a test here does
//! not build.

use chaos_core::journal::{ActivityStatus, Journal, RunRecord};
use chaos_test_env::{TestEnvironment, action, experiment, probe, wasm};
use serde_json::{Value, json};

macro_rules! assert_test_exists {
    ($component:ident, $kind:ident, $function:ident) => {
        #[allow(unused_imports)]
        use self::$component::$function as _;
    };
}
chaos_builtins::foreach_builtin_activity!(assert_test_exists);

/// Runs `activity` (with `-A`) in `env` and returns its record.
async fn run_one(env: &TestEnvironment, activity: Value) -> RunRecord {
    let journal: Journal = env.run(experiment(json!([activity]))).await.expect("the experiment runs");
    let record = journal.run.into_iter().next().expect("one record");
    assert_eq!(record.status, Some(ActivityStatus::Succeeded), "{:?}", record.exception);
    record
}

mod fs {
    use super::*;

    fn fs(func: &str, arguments: Value, grants: Value) -> Value {
        wasm("builtin:fs", func, arguments, grants)
    }

    #[tokio::test]
    pub(super) async fn exists() {
        let env = TestEnvironment::new().write("here", "x").allow_all();
        let read = json!({"read": ["."]});
        assert_eq!(run_one(&env, probe("p", fs("exists", json!({"path": "./here"}), read.clone()))).await.output, true);
        assert_eq!(run_one(&env, probe("p", fs("exists", json!({"path": "./gone"}), read))).await.output, false);
    }

    #[tokio::test]
    pub(super) async fn read() {
        let env = TestEnvironment::new().write("data/f.txt", "content").allow_all();
        let record =
            run_one(&env, probe("p", fs("read", json!({"path": "./data/f.txt"}), json!({"read": ["./data"]}))));
        assert_eq!(record.await.output, "content");
    }

    #[tokio::test]
    pub(super) async fn write() {
        let env = TestEnvironment::new().allow_all();
        let grants = json!({"write": ["."]});
        let args = json!({"path": "./out.txt", "content": "one"});
        assert_eq!(run_one(&env, action("w", fs("write", args, grants.clone()))).await.output, 3);
        let args = json!({"path": "./out.txt", "content": "+two", "append": true});
        run_one(&env, action("w", fs("write", args, grants))).await;
        assert_eq!(std::fs::read_to_string(env.path("out.txt")).unwrap(), "one+two");
    }

    #[tokio::test]
    pub(super) async fn rename() {
        let env = TestEnvironment::new().write("a.txt", "x").allow_all();
        let args = json!({"src": "./a.txt", "dst": "./b.txt"});
        run_one(&env, action("mv", fs("rename", args, json!({"write": ["."]})))).await;
        assert!(!env.path("a.txt").exists());
        assert_eq!(std::fs::read_to_string(env.path("b.txt")).unwrap(), "x");
    }

    #[tokio::test]
    pub(super) async fn remove() {
        let env = TestEnvironment::new().write("doomed.txt", "x").allow_all();
        run_one(&env, action("rm", fs("remove", json!({"path": "./doomed.txt"}), json!({"write": ["."]})))).await;
        assert!(!env.path("doomed.txt").exists());
    }
}

mod http {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Serves one HTTP/1.1 response with a JSON body on a local port.
    async fn serve_once(body: &'static str) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0; 4096];
            let _ = socket.read(&mut request).await;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
        });
        port
    }

    #[tokio::test]
    pub(super) async fn request() {
        let port = serve_once(r#"{"ok": true}"#).await;
        let env = TestEnvironment::new().allow_all();
        let url = format!("http://127.0.0.1:{port}/health");
        let grants = json!({"net": [format!("127.0.0.1:{port}")]});
        let record = run_one(&env, probe("get", wasm("builtin:http", "request", json!({"url": url}), grants))).await;
        assert_eq!(record.output["status"], 200);
        assert_eq!(record.output["body"], json!({"ok": true}));
    }
}

mod net {
    use super::*;

    #[tokio::test]
    pub(super) async fn tcp_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept = tokio::spawn(async move { listener.accept().await.map(|_| ()) });
        let env = TestEnvironment::new().allow_all();
        let grants = json!({"net": [format!("127.0.0.1:{port}")]});
        let args = json!({"host": "127.0.0.1", "port": port});
        let record = run_one(&env, probe("connect", wasm("builtin:net", "tcp_connect", args, grants))).await;
        assert_eq!(record.output["connected"], true, "{}", record.output);
        accept.await.unwrap().unwrap();
    }
}
