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

#[cfg(test)]
mod tests {
    /// Regression: commands registered in the handler but missing from `build.rs`'s app manifest
    /// or from the window's capability were refused by Tauri's ACL in the real window, while every
    /// test that calls them directly passed.
    #[test]
    fn every_command_is_in_the_manifest_and_granted_to_the_window() {
        let lib = include_str!("lib.rs");
        let manifest = include_str!("../build.rs");
        let capability = include_str!("../capabilities/default.json");
        let start = lib.find("generate_handler![").expect("the handler list");
        let end = start + lib[start..].find("])").expect("its end");
        let names: Vec<&str> = lib[start..end]
            .split([',', '\n', ' ', '['])
            .filter_map(|token| token.trim().rsplit_once("::").map(|(_, name)| name))
            .filter(|name| !name.is_empty())
            .collect();
        assert!(names.len() >= 16, "{names:?}");
        for name in names {
            assert!(
                manifest.contains(&format!("\"{name}\"")),
                "{name} is not in build.rs's app manifest"
            );
            let permission = format!("\"allow-{}\"", name.replace('_', "-"));
            assert!(
                capability.contains(&permission),
                "{permission} is not granted in capabilities/default.json"
            );
        }
    }
}
