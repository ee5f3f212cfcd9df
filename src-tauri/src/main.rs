// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(err) = cull_app::run() {
        eprintln!("cull-app: {err}");
        std::process::exit(1);
    }
}
