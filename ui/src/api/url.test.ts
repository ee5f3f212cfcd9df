import { describe, expect, it } from "vitest";
import { faceUrl, imageUrl } from "./index";

describe("imageUrl", () => {
  it("names the shot by id and carries its version, so an edited photo is a new URL", () => {
    const linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15";
    expect(imageUrl("thumb", 42, 7, linux)).toBe("cull://localhost/thumb/42?v=7");
    expect(imageUrl("thumb", 42, 8, linux)).not.toBe(imageUrl("thumb", 42, 7, linux));
  });

  it("reaches the scheme through http on WebView2", () => {
    expect(imageUrl("preview", 1, 3, "Mozilla/5.0 (Windows NT 10.0) Edg/120")).toBe(
      "http://cull.localhost/preview/1?v=3",
    );
  });
});

describe("faceUrl", () => {
  it("names the face by shot id and index, with the shot's version", () => {
    const linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15";
    expect(faceUrl(42, 1, 7, linux)).toBe("cull://localhost/face/42/1?v=7");
    expect(faceUrl(42, 0, 3, "Mozilla/5.0 (Windows NT 10.0) Edg/120")).toBe("http://cull.localhost/face/42/0?v=3");
  });
});
