//! The harness's one error type: what went wrong talking to the server, or
//! a refused option.

/// Why a scenario could not run (or ran into a wall).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad option or a target outside 127.0.0.0/8.
    #[error("{0}")]
    Usage(String),
    #[error("http: {0}")]
    Http(String),
    #[error("websocket: {0}")]
    Ws(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The server answered, but not what the protocol promises.
    #[error("server: {0}")]
    Server(String),
    #[error("timed out: {0}")]
    Timeout(String),
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Http(e.to_string())
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        Error::Ws(e.to_string())
    }
}
