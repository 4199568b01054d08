//! The shared test server (`imcloud-testkit`) as the harness sees it: the
//! target to drive and the demo app's credentials.

use imcloud_loadtest::rest::Credentials;
use imcloud_loadtest::target::Target;
pub use imcloud_testkit::TestServer;

/// What a harness run needs of a test server.
pub trait HarnessServer {
    fn target(&self) -> Target;
    fn credentials(&self) -> Credentials;
}

impl HarnessServer for TestServer {
    fn target(&self) -> Target {
        Target::new(&self.base(), imcloud_testkit::APPKEY).expect("loopback target")
    }

    fn credentials(&self) -> Credentials {
        Credentials::from_data_dir(self.dir.path()).expect("demo-app.json written on first start")
    }
}
