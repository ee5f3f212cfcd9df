// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The same allocator as the `cull` command, for the same reason (large buffers per photo).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    if let Err(err) = cull_app::run() {
        eprintln!("cull-app: {err}");
        std::process::exit(1);
    }
}
