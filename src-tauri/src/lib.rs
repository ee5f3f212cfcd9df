//! `cull-app`, Cull's desktop shell: a thin Tauri layer that configures and drives `cull-core`.
//! Commands answer queries and perform actions, a `Channel` streams each running scan, and the
//! async `cull://` URI scheme serves thumbnails and previews by shot id — never by path, and events
//! carry the folder watcher's news (photos that arrived, changed or left). All
//! judging, storing and trashing happens in the engine; nothing here decodes or measures itself
//! except the loupe preview.

pub mod api;
mod commands;
mod desktop;
mod images;
mod state;
mod watcher;

pub use state::AppState;

/// Starts the app. Errors (no data folder, an unopenable cache) come back to `main`, which
/// prints them: the window shows its own errors once it is up.
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    builder().run(tauri::generate_context!())?;
    Ok(())
}

/// The app as configured, without a context, so tests can build it on a mock runtime.
pub fn builder() -> tauri::Builder<tauri::Wry> {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let state = AppState::load(app.handle())?;
            tauri::Manager::manage(app, state);
            watcher::restart(app.handle());
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol("cull", images::serve)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::set_settings,
            commands::add_folders,
            commands::remove_folder,
            commands::open_sample_library,
            commands::scan,
            commands::cancel_scan,
            commands::list_shots,
            commands::shot_detail,
            commands::decide,
            commands::cleanup_plan,
            commands::cleanup,
            commands::undo_cleanup,
            desktop::show_in_folder,
            desktop::open_in_default_app,
            desktop::drag_out,
        ])
}
