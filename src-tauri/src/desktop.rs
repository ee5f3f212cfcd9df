//! The desktop's conventions for a shot's files: show them in the file manager, open the photo in
//! the system's default app (the user's editor), and drag shots out of the grid as files into
//! another app or a folder. Each command takes shot ids, never paths, so the page cannot point
//! any of them at a file outside the library.

use std::path::PathBuf;

use tauri::{AppHandle, Manager, State, WebviewWindow};

use crate::state::{AppError, AppResult, AppState};

/// Every file of the shots `ids` (a RAW+JPEG pair is two), in order, without repeats. A shot that
/// is not in the library, or whose files are gone from the disk, is an error naming it: the user
/// asked for these files.
fn files_of(state: &AppState, ids: &[i64]) -> AppResult<Vec<PathBuf>> {
    let store = state.store();
    let mut files: Vec<PathBuf> = Vec::new();
    for &id in ids {
        let shot = store
            .shot(id)?
            .ok_or_else(|| AppError::Message(format!("no shot {id} in the library")))?;
        let report = shot.report;
        let own = if report.files.is_empty() {
            vec![report.path.clone()]
        } else {
            report.files.clone()
        };
        for file in own {
            if !file.exists() {
                return Err(AppError::Message(format!(
                    "{} is no longer on the disk",
                    file.display()
                )));
            }
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    if files.is_empty() {
        return Err(AppError::Message("no shot chosen".into()));
    }
    Ok(files)
}

/// The judged file of shot `id` (the JPEG of a RAW+JPEG pair: what an editor opens quickest).
fn judged_file(state: &AppState, id: i64) -> AppResult<PathBuf> {
    let shot = state
        .store()
        .shot(id)?
        .ok_or_else(|| AppError::Message(format!("no shot {id} in the library")))?;
    let path = shot.report.path;
    if !path.exists() {
        return Err(AppError::Message(format!(
            "{} is no longer on the disk",
            path.display()
        )));
    }
    Ok(path)
}

/// Shows the files of shots `ids` selected in the system's file manager (Finder, Explorer, or on
/// Linux whichever file manager answers `org.freedesktop.FileManager1`, else the folder through
/// the desktop portal).
#[tauri::command]
pub async fn show_in_folder(app: AppHandle, ids: Vec<i64>) -> AppResult<()> {
    crate::commands::blocking(move || show_files(&app.state::<AppState>(), &ids)).await
}

fn show_files(state: &AppState, ids: &[i64]) -> AppResult<()> {
    let files = files_of(state, ids)?;
    tauri_plugin_opener::reveal_items_in_dir(&files).map_err(|e| {
        AppError::Message(format!(
            "no file manager answered the request to show it: {e}"
        ))
    })
}

/// Opens shot `id`'s photo in the app the system opens such files with (the user's editor or
/// viewer), as a double-click in the file manager would.
#[tauri::command]
pub async fn open_in_default_app(app: AppHandle, id: i64) -> AppResult<()> {
    crate::commands::blocking(move || {
        let path = judged_file(&app.state::<AppState>(), id)?;
        tauri_plugin_opener::open_path(&path, None::<&str>)
            .map_err(|e| AppError::Message(format!("no app could open {}: {e}", path.display())))
    })
    .await
}

/// Starts dragging the files of shots `ids` out of the window, as copies, with the first shot's
/// thumbnail under the pointer. The page calls it when the user starts to drag a grid cell; the
/// pointer is still down, so the system's drag takes over from there.
#[tauri::command]
pub fn drag_out(window: WebviewWindow, state: State<'_, AppState>, ids: Vec<i64>) -> AppResult<()> {
    let files = files_of(&state, &ids)?;
    let icon = ids
        .first()
        .and_then(|&id| state.store().thumbnail(id).ok().flatten())
        .unwrap_or_default();
    let files = drag_paths(files);
    // GTK, AppKit and OLE all want their drag started on the UI thread.
    let target = window.clone();
    window
        .run_on_main_thread(move || {
            if let Err(err) = start_drag(&target, files, icon) {
                eprintln!("cull: the drag could not start: {err}");
            }
        })
        .map_err(|e| AppError::Message(format!("the drag could not start: {e}")))
}

fn start_drag(window: &WebviewWindow, files: Vec<PathBuf>, icon: Vec<u8>) -> AppResult<()> {
    let item = drag::DragItem::Files(files);
    let image = drag::Image::Raw(icon);
    let options = drag::Options {
        mode: drag::DragMode::Copy,
        ..Default::default()
    };
    #[cfg(target_os = "linux")]
    let result = window
        .gtk_window()
        .map_err(|e| AppError::Message(e.to_string()))
        .and_then(|gtk| {
            drag::start_drag(&gtk, item, image, |_, _| {}, options)
                .map_err(|e| AppError::Message(e.to_string()))
        });
    #[cfg(not(target_os = "linux"))]
    let result = drag::start_drag(window, item, image, |_, _| {}, options)
        .map_err(|e| AppError::Message(e.to_string()));
    result
}

/// The paths as the drag hands them to the platform. On Linux the drag crate writes each as
/// `file://` + the path verbatim, which breaks a name with a space, a `#` or bytes that are not
/// UTF-8; handing it the path already percent-encoded (RFC 8089) makes every name a valid URI.
/// Elsewhere the platform takes real paths.
fn drag_paths(files: Vec<PathBuf>) -> Vec<PathBuf> {
    if cfg!(target_os = "linux") {
        files
            .into_iter()
            .map(|f| PathBuf::from(percent_encode_path(&f)))
            .collect()
    } else {
        files
    }
}

/// `path` as the path part of a `file://` URI (RFC 8089), percent-encoded from the raw OS name
/// (a name that is not UTF-8 survives) by the `url` crate, as the opener plugin encodes what it
/// shows; a relative path, which a library never holds, stays as it is.
fn percent_encode_path(path: &std::path::Path) -> String {
    tauri::Url::from_file_path(path).map_or_else(
        |()| path.to_string_lossy().into_owned(),
        |uri| uri.path().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shots_files_are_found_by_id_and_a_missing_one_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, id) = crate::state::with_one_photo(dir.path());
        let photo = dir.path().join("photos/cup.jpg");
        assert_eq!(
            files_of(&state, &[id, id]).expect("files"),
            vec![photo.clone()]
        );
        assert_eq!(judged_file(&state, id).expect("file"), photo);
        let unknown = files_of(&state, &[id + 1]).expect_err("not in the library");
        assert!(unknown.to_string().contains("no shot"), "{unknown}");
        assert!(files_of(&state, &[]).is_err());
        std::fs::remove_file(&photo).expect("remove");
        let gone = judged_file(&state, id).expect_err("gone");
        assert!(gone.to_string().contains("no longer on the disk"), "{gone}");
    }

    /// What a file manager is told over D-Bus (`org.freedesktop.FileManager1.ShowItems`), on a
    /// private session bus: no file manager runs here, so the test answers for one and records
    /// the call.
    #[cfg(target_os = "linux")]
    #[test]
    fn show_in_folder_asks_the_file_manager_to_select_the_shots_files() {
        use std::io::BufRead;
        use std::sync::{Arc, Mutex};

        struct FileManager(Arc<Mutex<Vec<Vec<String>>>>);
        #[zbus::interface(name = "org.freedesktop.FileManager1")]
        impl FileManager {
            fn show_items(&self, uris: Vec<String>, _startup_id: String) {
                if let Ok(mut shown) = self.0.lock() {
                    shown.push(uris);
                }
            }
        }

        let Ok(mut bus) = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address"])
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            eprintln!("skipped: no dbus-daemon on this machine");
            return;
        };
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the bus address");
        let address = address.trim().to_string();
        // Only this test talks to a session bus in this process.
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
        let shown = Arc::new(Mutex::new(Vec::new()));
        let _file_manager = zbus::blocking::connection::Builder::address(address.as_str())
            .expect("address")
            .name("org.freedesktop.FileManager1")
            .expect("name")
            .serve_at("/org/freedesktop/FileManager1", FileManager(shown.clone()))
            .expect("serve")
            .build()
            .expect("the stand-in file manager is on the bus");

        let dir = tempfile::tempdir().expect("tempdir");
        let (state, id) = crate::state::with_one_photo(dir.path());
        let result = show_files(&state, &[id]);
        let _ = bus.kill();
        let _ = bus.wait();
        result.expect("shown");
        let photo = std::fs::canonicalize(dir.path().join("photos/cup.jpg")).expect("path");
        let expected = format!("file://{}", percent_encode_path(&photo));
        assert_eq!(*shown.lock().expect("lock"), vec![vec![expected]]);
    }

    #[test]
    fn a_dragged_name_with_spaces_hashes_and_non_utf8_bytes_is_a_valid_uri_path() {
        assert_eq!(
            percent_encode_path(std::path::Path::new("/home/ana/Photos 2026/#1 día.jpg")),
            "/home/ana/Photos%202026/%231%20d%C3%ADa.jpg"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let latin1 = std::path::Path::new(std::ffi::OsStr::from_bytes(b"/p/caf\xe9.jpg"));
            assert_eq!(percent_encode_path(latin1), "/p/caf%E9.jpg");
        }
        assert_eq!(
            percent_encode_path(std::path::Path::new("/a/IMG_0001.CR2")),
            "/a/IMG_0001.CR2"
        );
    }
}
