fn main() {
    // Every command is listed so that capabilities can grant exactly these and nothing else.
    let commands = &[
        "app_info",
        "set_settings",
        "add_folders",
        "remove_folder",
        "open_sample_library",
        "scan",
        "cancel_scan",
        "list_shots",
        "shot_detail",
        "decide",
        "cleanup_plan",
        "cleanup",
        "undo_cleanup",
        "show_in_folder",
        "open_in_default_app",
        "drag_out",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build script");
}
