// Typed wrappers around the Tauri commands described in ui/API.md.
// Every command rejects with a string message (shown in the error banner).
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { open } from "@tauri-apps/plugin-dialog";
import type {
  AppInfo,
  CleanupPlanView,
  CleanupResult,
  Decision,
  LibraryNews,
  ScanEvent,
  ScanSummaryView,
  Settings,
  ShotDetail,
  ShotView,
  UndoResult,
} from "./types";

export type * from "./types";

export type ImageKind = "thumb" | "preview" | "full";

/** True when the page runs inside the Tauri webview (the IPC bridge is there). */
export function hasTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/**
 * The URL of a shot's image on the app's `cull` URI scheme. WebView2 on Windows only reaches
 * custom schemes through `http://<scheme>.localhost/`.
 */
export function imageUrl(kind: ImageKind, id: number, version: number, userAgent?: string): string {
  // The server answers with "immutable": the version makes an edited photo a new URL.
  return `${schemeBase(userAgent)}/${kind}/${id}?v=${version}`;
}

/**
 * The URL of face `index` (its place in ShotDetail.faces) of a shot, cropped from the photo at
 * 100 %. A rescan may find other faces, but only a changed photo is rescanned, and that changes
 * the version too.
 */
export function faceUrl(id: number, index: number, version: number, userAgent?: string): string {
  return `${schemeBase(userAgent)}/face/${id}/${index}?v=${version}`;
}

function schemeBase(userAgent?: string): string {
  const ua = userAgent ?? (typeof navigator !== "undefined" ? navigator.userAgent : "");
  return ua.includes("Windows") ? "http://cull.localhost" : "cull://localhost";
}

/** A rejected invoke's reason as a readable message. */
export function errorMessage(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === "object" && "message" in e && typeof (e as { message: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  setSettings: (settings: Settings) => invoke<AppInfo>("set_settings", { settings }),
  addFolders: (paths: string[]) => invoke<AppInfo>("add_folders", { paths }),
  removeFolder: (path: string) => invoke<AppInfo>("remove_folder", { path }),
  openSampleLibrary: () => invoke<AppInfo>("open_sample_library"),
  /** Scans every configured folder; `onEvent` gets progress and batches of judged shots. */
  scan: (onEvent: (event: ScanEvent) => void) => {
    const channel = new Channel<ScanEvent>();
    channel.onmessage = onEvent;
    return invoke<ScanSummaryView>("scan", { onEvent: channel });
  },
  cancelScan: () => invoke<null>("cancel_scan"),
  listShots: () => invoke<ShotView[]>("list_shots"),
  shotDetail: (id: number) => invoke<ShotDetail>("shot_detail", { id }),
  decide: (ids: number[], decision: Decision | null) => invoke<ShotView[]>("decide", { ids, decision }),
  cleanupPlan: () => invoke<CleanupPlanView>("cleanup_plan"),
  cleanup: () => invoke<CleanupResult>("cleanup"),
  undoCleanup: () => invoke<UndoResult>("undo_cleanup"),
  /** The shots' files, selected in the system's file manager. */
  showInFolder: (ids: number[]) => invoke<null>("show_in_folder", { ids }),
  /** The shot's photo in the app the system opens such files with. */
  openInDefaultApp: (id: number) => invoke<null>("open_in_default_app", { id }),
  /** Hands a drag that started on a grid cell to the system, carrying the shots' files. */
  dragOut: (ids: number[]) => invoke<null>("drag_out", { ids }),
  /** The folder watcher's news: photos that arrived, changed or left, without a rescan. */
  onLibraryNews: (handler: (news: LibraryNews) => void): Promise<UnlistenFn> =>
    listen<LibraryNews>("library-news", (e) => handler(e.payload)),
  /** Progress while the watcher judges a batch of arrivals (a card import). */
  onWatchProgress: (handler: (event: ScanEvent) => void): Promise<UnlistenFn> =>
    listen<ScanEvent>("watch-progress", (e) => handler(e.payload)),
};

/** The native folder picker (plugin-dialog); resolves to the chosen folders, [] when cancelled. */
export async function pickFolders(): Promise<string[]> {
  const picked = await open({ directory: true, multiple: true, title: "Choose photo folders" });
  if (picked == null) return [];
  return Array.isArray(picked) ? picked : [picked];
}
