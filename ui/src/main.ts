import "./styles.css";
import { errorMessage, hasTauri } from "./api";
import { App } from "./app";
import { h } from "./ui/dom";

/** Opened in a plain browser (no Tauri IPC): say so instead of failing. */
function noTauri(root: HTMLElement): void {
  root.appendChild(
    h(
      "div",
      { class: "no-tauri", "data-testid": "no-tauri", role: "alert" },
      h("h1", null, "Cull"),
      h("p", null, "This page is Cull's window and only works inside the Cull app."),
      h(
        "p",
        { class: "muted" },
        "It was opened in a plain web browser, where it cannot reach your photos. Start the Cull app instead (or run `cargo tauri dev`).",
      ),
      import.meta.env.DEV ? h("p", { class: "muted small" }, "For UI work without the Rust side, open this page with ?mock.") : null,
    ),
  );
}

async function boot(): Promise<void> {
  const root = document.getElementById("app") ?? document.body;
  const params = new URLSearchParams(location.search);
  if (import.meta.env.DEV && params.has("mock")) {
    const { installMock } = await import("./dev/mock");
    const fail = Object.fromEntries((params.get("fail") ?? "").split(",").filter(Boolean).map((c) => [c, `mock failure in ${c}`]));
    installMock(Number(params.get("mock")) || 2000, { fresh: params.has("fresh"), fail, cancelRejects: params.has("cancelerr") });
  }
  if (!hasTauri()) {
    noTauri(root);
    return;
  }
  const app = new App();
  root.appendChild(app.el);
  window.addEventListener("error", (e) => app.showError(e.message || "Unexpected error"));
  window.addEventListener("unhandledrejection", (e) => app.showError(errorMessage(e.reason)));
  await app.start();
}

void boot();
