//! `exchange-service [--fixed] [--port 8080] [--exchange-file ./exchange.dat]`

use clap::Parser;
use exchange_service::{Behaviour, serve};
use std::path::PathBuf;

/// Serves an exchange file over HTTP, as in the Chaos Toolkit tutorial.
#[derive(Parser)]
struct Args {
    /// Answer 503 instead of failing with 500 when the exchange file is missing.
    #[arg(long)]
    fixed: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The file to serve.
    #[arg(long, default_value = "./exchange.dat")]
    exchange_file: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let behaviour = if args.fixed { Behaviour::Fixed } else { Behaviour::Broken };
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
    eprintln!(
        "exchange-service ({}) serving {} on http://{}",
        if args.fixed { "fixed" } else { "broken" },
        args.exchange_file.display(),
        listener.local_addr()?
    );
    tokio::select! {
        result = serve(listener, args.exchange_file, behaviour) => result?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
