//! XMP sidecars other tools read (issue 12): Cull's call on a shot as `xmp:Rating` (−1 rejected,
//! 1–5 kept) and `xmp:Label` (review), with Cull's reasons in its own namespace — written into an
//! existing sidecar in place, keeping every other field, namespace and edit history byte for byte
//! (darktable's history, Lightroom's develop settings, digiKam's tags); and a rating already there
//! read back as the user's call.
//!
//! XMP is RDF/XML, and the tools write the same property two ways: as an attribute of
//! `rdf:Description` (`xmp:Rating="3"`: darktable, Lightroom) or as an element inside it
//! (`<xmp:Rating>3</xmp:Rating>`: Exiv2, digiKam). Both are read and updated where they stand;
//! a missing property is added as an attribute of the first `rdf:Description`, declaring its
//! namespace there when the document does not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::judge::Verdict;
use crate::store::Decision;

/// The XMP basic namespace (`xmp:Rating`, `xmp:Label`).
pub const XMP_NS: &str = "http://ns.adobe.com/xap/1.0/";
/// Cull's own namespace: its verdict and reasons, for people and scripts.
pub const CULL_NS: &str = "https://cull.photo/ns/1.0/";
const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// How sidecars are named, as the other tool expects.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SidecarNaming {
    /// `IMG_1.xmp`: Lightroom, Capture One.
    Stem,
    /// `IMG_1.CR2.xmp`: darktable, digiKam.
    WithExtension,
}

/// The sidecar path of `photo` under `naming`.
pub fn sidecar_path(photo: &Path, naming: SidecarNaming) -> PathBuf {
    match naming {
        SidecarNaming::Stem => photo.with_extension("xmp"),
        SidecarNaming::WithExtension => {
            let mut name = photo.as_os_str().to_owned();
            name.push(".xmp");
            PathBuf::from(name)
        }
    }
}

/// What Cull writes into a sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct Marks {
    /// −1 rejected, 1–5 kept.
    pub rating: i32,
    /// "Review" for shots that want a look; `None` leaves the label as it is.
    pub label: Option<String>,
    /// Cull's verdict ("keep", "review", "reject").
    pub verdict: String,
    /// Cull's reason codes, comma-separated in the sidecar.
    pub reasons: Vec<String>,
}

impl Marks {
    /// Cull's call on a shot for other tools: the user's own decision first; else a reject is −1,
    /// a review keeps a rating from the score and is labelled "Review", and a keep is rated by
    /// its score (0–100) in fifths: 90 and up 5 stars, 75 4, 60 3, 40 2, below 1.
    pub fn of(
        verdict: Verdict,
        score: f32,
        decision: Option<Decision>,
        reasons: &[String],
    ) -> Self {
        let stars = match score {
            s if s >= 90.0 => 5,
            s if s >= 75.0 => 4,
            s if s >= 60.0 => 3,
            s if s >= 40.0 => 2,
            _ => 1,
        };
        let (rating, label) = match (decision, verdict) {
            (Some(Decision::Reject), _) | (None, Verdict::Reject) => (-1, None),
            (Some(Decision::Keep), _) | (None, Verdict::Keep) => (stars, None),
            (None, Verdict::Review) => (stars, Some("Review".to_string())),
        };
        Self {
            rating,
            label,
            verdict: verdict.as_str().to_string(),
            reasons: reasons.to_vec(),
        }
    }
}

/// The prefixes declared for each namespace URI in `doc` (the last declaration of a prefix wins;
/// real sidecars declare each once).
fn prefixes(doc: &str) -> HashMap<String, String> {
    let mut by_uri = HashMap::new();
    let mut rest = doc;
    while let Some(at) = rest.find("xmlns:") {
        rest = &rest[at + 6..];
        let Some(eq) = rest.find('=') else { break };
        let prefix = rest[..eq].trim().to_string();
        let value = rest[eq + 1..].trim_start();
        let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(end) = value[1..].find(quote) else {
            break;
        };
        by_uri.insert(value[1..=end].to_string(), prefix);
    }
    by_uri
}

/// Where a property's value lies in the document, as a byte range.
fn find_property(doc: &str, qname: &str) -> Option<std::ops::Range<usize>> {
    // As an element: <xmp:Rating>3</xmp:Rating>.
    let open = format!("<{qname}>");
    if let Some(at) = doc.find(&open) {
        let start = at + open.len();
        let end = start + doc[start..].find(&format!("</{qname}>"))?;
        return Some(start..end);
    }
    // As an attribute: xmp:Rating="3" (after whitespace, so xmp:RatingX does not match).
    let mut from = 0;
    while let Some(at) = doc[from..].find(qname) {
        let at = from + at;
        from = at + qname.len();
        let before_ok = doc[..at].chars().last().is_some_and(char::is_whitespace);
        let after = doc[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value = after[1..].trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let start = doc.len() - value.len() + 1;
        let end = start + doc[start..].find(quote)?;
        return Some(start..end);
    }
    None
}

/// The rating already in `doc` (`xmp:Rating`, under whatever prefix the document gave the XMP
/// namespace), if any.
pub fn read_rating(doc: &str) -> Option<i32> {
    let prefix = prefixes(doc).get(XMP_NS).cloned()?;
    let range = find_property(doc, &format!("{prefix}:Rating"))?;
    let value = doc[range].trim();
    // Some tools write "3.0".
    value
        .parse::<i32>()
        .ok()
        .or_else(|| value.parse::<f32>().ok().map(|v| v.round() as i32))
}

/// The call a rating stands for: −1 a reject, 1–5 a keep, 0 (unrated) none.
fn call_of(rating: i32) -> Option<Decision> {
    match rating {
        -1 => Some(Decision::Reject),
        1..=5 => Some(Decision::Keep),
        _ => None,
    }
}

/// The call an existing sidecar carries: a rating of −1 is a reject, 1–5 a keep.
pub fn decision_in(doc: &str) -> Option<Decision> {
    call_of(read_rating(doc)?)
}

/// The user's own call in a sidecar: its rating, unless it is the one Cull itself wrote there
/// (`cull:Rating`) — a rating set or changed in Lightroom, darktable or digiKam is the user's.
pub fn user_call(doc: &str) -> Option<Decision> {
    let rating = read_rating(doc)?;
    let written_by_cull = prefixes(doc).get(CULL_NS).and_then(|prefix| {
        let range = find_property(doc, &format!("{prefix}:Rating"))?;
        doc[range].trim().parse::<i32>().ok()
    });
    if written_by_cull == Some(rating) {
        return None;
    }
    call_of(rating)
}

/// The APP1 signature of an XMP packet embedded in a JPEG.
const JPEG_XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// The user's call in the XMP embedded in a photo (its `bytes`, as the scan read them to decode
/// it), as a sidecar's would count ([`user_call`]); `None` when it carries none. A JPEG keeps its
/// packet in an APP1 segment among its headers; TIFF and the TIFF-based RAWs (tag 700), HEIF (a
/// `mime` item), PNG (`iTXt`) and WebP (`XMP ` chunk) store it as plain text wherever their writer
/// put it, so those files are searched whole for the packet.
pub fn embedded_call(bytes: &[u8]) -> Option<Decision> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_packet(bytes).and_then(|packet| user_call(&packet));
    }
    user_call(&String::from_utf8_lossy(packet_in(bytes)?))
}

/// The XMP packet of a JPEG whose header segments are in `head`.
fn jpeg_packet(head: &[u8]) -> Option<String> {
    let mut at = 2;
    while at + 4 <= head.len() && head[at] == 0xFF {
        let marker = head[at + 1];
        // Start of scan: the header segments are over.
        if marker == 0xDA {
            break;
        }
        let length = usize::from(u16::from_be_bytes([head[at + 2], head[at + 3]]));
        let body = head.get(at + 4..at + 2 + length)?;
        if marker == 0xE1 && body.starts_with(JPEG_XMP_SIGNATURE) {
            return Some(String::from_utf8_lossy(&body[JPEG_XMP_SIGNATURE.len()..]).into_owned());
        }
        at += 2 + length;
    }
    None
}

/// The first `<x:xmpmeta>…</x:xmpmeta>` packet in `bytes`, stored as plain text.
fn packet_in(bytes: &[u8]) -> Option<&[u8]> {
    let start = memchr::memmem::find(bytes, b"<x:xmpmeta")?;
    const END: &[u8] = b"</x:xmpmeta>";
    let len = memchr::memmem::find(&bytes[start..], END)?;
    Some(&bytes[start..start + len + END.len()])
}

/// The user's call in the sidecars beside a shot's `files` (`name.ext.xmp` of each file, then
/// `name.xmp` of the judged one), if any carries one, with when that sidecar was last written
/// (seconds since 1970).
pub fn sidecar_call(files: &[PathBuf]) -> Option<(Decision, i64)> {
    let candidates = files
        .iter()
        .map(|f| sidecar_path(f, SidecarNaming::WithExtension))
        .chain(files.first().map(|f| sidecar_path(f, SidecarNaming::Stem)));
    candidates.into_iter().find_map(|path| {
        let bytes = std::fs::read(&path).ok()?;
        let call = user_call(&String::from_utf8_lossy(&bytes))?;
        Some((call, modified_secs(&path)))
    })
}

/// When `path` was last written, in seconds since 1970 (0 when unknown): a call made in another
/// tool is weighed against the user's call in Cull by it.
pub fn modified_secs(path: &Path) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A new, minimal sidecar carrying `marks`.
fn new_document(marks: &Marks) -> String {
    let label = marks.label.as_ref().map_or(String::new(), |l| {
        format!("\n   xmp:Label=\"{}\"", escape(l))
    });
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"Cull\">\n \
         <rdf:RDF xmlns:rdf=\"{RDF_NS}\">\n  \
         <rdf:Description rdf:about=\"\"\n    \
         xmlns:xmp=\"{XMP_NS}\"\n    \
         xmlns:cull=\"{CULL_NS}\"\n   \
         xmp:Rating=\"{}\"{label}\n   \
         cull:Verdict=\"{}\"\n   \
         cull:Rating=\"{}\"\n   \
         cull:Reasons=\"{}\"/>\n \
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"w\"?>\n",
        marks.rating,
        escape(&marks.verdict),
        marks.rating,
        escape(&marks.reasons.join(","))
    )
}

/// Sets `local` in namespace `uri` to `value` in `doc`: in place where it is, else as a new
/// attribute of the first `rdf:Description` (declaring the namespace there under `fallback`
/// when the document has no prefix for it).
fn set_property(doc: &mut String, uri: &str, fallback: &str, local: &str, value: &str) -> bool {
    let known = prefixes(doc).get(uri).cloned();
    let prefix = known.clone().unwrap_or_else(|| fallback.to_string());
    if known.is_some() {
        if let Some(range) = find_property(doc, &format!("{prefix}:{local}")) {
            doc.replace_range(range, &escape(value));
            return true;
        }
    }
    let rdf = prefixes(doc)
        .get(RDF_NS)
        .cloned()
        .unwrap_or_else(|| "rdf".to_string());
    let open = format!("<{rdf}:Description");
    let Some(at) = doc.find(&open) else {
        return false;
    };
    // After the start tag's last attribute: before its `>` (or `/>`), quotes skipped.
    let Some(insert_at) = start_tag_end(doc, at + open.len()) else {
        return false;
    };
    let declaration = if known.is_none() {
        format!("\n    xmlns:{prefix}=\"{uri}\"")
    } else {
        String::new()
    };
    doc.insert_str(
        insert_at,
        &format!("{declaration}\n   {prefix}:{local}=\"{}\"", escape(value)),
    );
    true
}

/// Where the start tag that began before `from` ends: the position of its `>`, or of the `/` of
/// a `/>`, outside quoted values.
fn start_tag_end(doc: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in doc[from..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                let at = from + i;
                return Some(if doc[..at].ends_with('/') { at - 1 } else { at });
            }
            _ => {}
        }
    }
    None
}

/// `existing` (a sidecar's text, `None` when there is none) with `marks` in it. Everything
/// else in the document is kept as it was. Fails only on a document with no `rdf:Description`
/// to write into (not XMP at all): that file is left alone.
pub fn with_marks(existing: Option<&str>, marks: &Marks) -> Option<String> {
    let Some(existing) = existing else {
        return Some(new_document(marks));
    };
    let mut doc = existing.to_string();
    let mut ok = set_property(&mut doc, XMP_NS, "xmp", "Rating", &marks.rating.to_string());
    if let Some(label) = &marks.label {
        ok &= set_property(&mut doc, XMP_NS, "xmp", "Label", label);
    }
    ok &= set_property(&mut doc, CULL_NS, "cull", "Verdict", &marks.verdict);
    // What Cull wrote, so a rating someone changes later in another tool reads as their call.
    ok &= set_property(
        &mut doc,
        CULL_NS,
        "cull",
        "Rating",
        &marks.rating.to_string(),
    );
    ok &= set_property(
        &mut doc,
        CULL_NS,
        "cull",
        "Reasons",
        &marks.reasons.join(","),
    );
    ok.then_some(doc)
}

/// Writes `marks` into `photo`'s sidecar under `naming`, atomically; returns the sidecar's path,
/// or `None` when an existing file there is not XMP (then it is left untouched).
pub fn write_sidecar(
    photo: &Path,
    naming: SidecarNaming,
    marks: &Marks,
) -> Result<Option<PathBuf>> {
    let path = sidecar_path(photo, naming);
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(crate::Error::Io { path, source }),
    };
    let Some(doc) = with_marks(existing.as_deref(), marks) else {
        return Ok(None);
    };
    crate::files::write_atomically(&path, doc.as_bytes())?;
    Ok(Some(path))
}

/// Writes a judged shot's marks (its report as the user sees it, and the user's call) into the
/// sidecar of each of its files (`WithExtension`: one per file, a RAW+JPEG pair gets two) or of
/// its judged file (`Stem`: one per shot). Returns the sidecars written; a shot that could not
/// be judged gets none.
pub fn write_for_shot(
    report: &crate::scan::ShotReport,
    decision: Option<Decision>,
    naming: SidecarNaming,
) -> Result<Vec<PathBuf>> {
    let Some(judged) = report.judged() else {
        return Ok(Vec::new());
    };
    let reasons: Vec<String> = judged
        .reasons
        .iter()
        .map(|r| r.code.as_str().to_string())
        .collect();
    let marks = Marks::of(judged.verdict, judged.score, decision, &reasons);
    let photos: Vec<&PathBuf> = match naming {
        SidecarNaming::Stem => vec![&report.path],
        SidecarNaming::WithExtension => report.files.iter().collect(),
    };
    let mut written = Vec::new();
    for photo in photos {
        written.extend(write_sidecar(photo, naming, &marks)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As darktable 4 writes `IMG_1.CR2.xmp`: attributes, and an edit history to keep.
    const DARKTABLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:05:01 14:03:22"
   xmp:Rating="1"
   xmpMM:DerivedFrom="IMG_1.CR2"
   darktable:xmp_version="5"
   darktable:history_end="2">
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="exposure" darktable:enabled="1" darktable:params="0000000000008039"/>
     <rdf:li darktable:num="1" darktable:operation="colorbalancergb" darktable:enabled="1" darktable:params="gz48eJxjYGBgYGJg"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"#;

    /// As digiKam (Exiv2) writes `IMG_1.JPG.xmp`: properties as elements, tags to keep.
    const DIGIKAM: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/">
   <xmp:Rating>4</xmp:Rating>
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>People/Alice</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>Alice</rdf:li>
    </rdf:Bag>
   </dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"#;

    /// As Lightroom Classic writes `IMG_1.xmp` for a RAW: develop settings, no rating yet, the
    /// XMP namespace under the old `xap` prefix.
    const LIGHTROOM: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xap="http://ns.adobe.com/xap/1.0/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
   xap:ModifyDate="2024-05-02T10:00:00+02:00"
   crs:Version="15.0"
   crs:Exposure2012="+0.35"
   crs:HasSettings="True">
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"#;

    fn marks(rating: i32, label: Option<&str>) -> Marks {
        Marks {
            rating,
            label: label.map(str::to_string),
            verdict: if rating < 0 { "reject" } else { "keep" }.into(),
            reasons: vec!["blur".into(), "noise".into()],
        }
    }

    /// Every line of `before` not touched by the update is still in `after`, in order (a start
    /// tag's closing `>` may have moved past new attributes).
    fn kept_everything_else(before: &str, after: &str, touched: &[&str]) {
        let mut rest = after;
        for line in before
            .lines()
            .filter(|l| !touched.iter().any(|t| l.contains(t)))
        {
            let line = line.trim_end_matches('>').trim_end_matches('/');
            let at = rest
                .find(line)
                .unwrap_or_else(|| panic!("lost or moved {line:?} in\n{after}"));
            rest = &rest[at + line.len()..];
        }
    }

    #[test]
    fn a_darktable_sidecar_gets_the_rejection_in_place_and_keeps_its_history() {
        let after = with_marks(Some(DARKTABLE), &marks(-1, None)).expect("xmp");
        assert_eq!(read_rating(&after), Some(-1));
        assert!(after.contains("   xmp:Rating=\"-1\"\n"), "{after}");
        assert_eq!(after.matches("xmp:Rating").count(), 1, "updated, not added");
        assert!(after.contains(&format!("xmlns:cull=\"{CULL_NS}\"")));
        assert!(after.contains("cull:Reasons=\"blur,noise\""));
        kept_everything_else(DARKTABLE, &after, &["xmp:Rating"]);
        assert_eq!(decision_in(&after), Some(Decision::Reject));
    }

    #[test]
    fn a_digikam_sidecar_gets_its_element_rating_replaced_and_keeps_its_tags() {
        assert_eq!(read_rating(DIGIKAM), Some(4));
        let after = with_marks(Some(DIGIKAM), &marks(2, Some("Review"))).expect("xmp");
        assert!(after.contains("<xmp:Rating>2</xmp:Rating>"), "{after}");
        assert!(after.contains("xmp:Label=\"Review\""));
        kept_everything_else(DIGIKAM, &after, &["xmp:Rating"]);
    }

    #[test]
    fn a_lightroom_sidecar_gains_a_rating_under_its_own_prefix_and_keeps_its_settings() {
        assert_eq!(read_rating(LIGHTROOM), None);
        let after = with_marks(Some(LIGHTROOM), &marks(5, None)).expect("xmp");
        assert!(after.contains("xap:Rating=\"5\""), "{after}");
        assert!(
            !after.contains("xmlns:xmp="),
            "no second prefix for one namespace"
        );
        assert_eq!(read_rating(&after), Some(5));
        kept_everything_else(LIGHTROOM, &after, &[]);
        // Written twice, it reads the same: the update is idempotent.
        let again = with_marks(Some(&after), &marks(5, None)).expect("xmp");
        assert_eq!(again, after);
    }

    #[test]
    fn a_new_sidecar_is_valid_xmp_with_the_marks_and_a_foreign_file_is_left_alone() {
        let doc = with_marks(None, &marks(-1, None)).expect("xmp");
        assert_eq!(read_rating(&doc), Some(-1));
        assert!(doc.contains("cull:Verdict=\"reject\""));
        assert_eq!(with_marks(Some("not xmp at all"), &marks(1, None)), None);
    }

    #[test]
    fn the_rating_follows_the_users_call_then_the_verdict_and_score() {
        let of = |v, s, d| Marks::of(v, s, d, &[]);
        assert_eq!(of(Verdict::Reject, 20.0, None).rating, -1);
        assert_eq!(of(Verdict::Keep, 95.0, None).rating, 5);
        assert_eq!(of(Verdict::Keep, 62.0, None).rating, 3);
        let review = of(Verdict::Review, 70.0, None);
        assert_eq!(
            (review.rating, review.label.as_deref()),
            (3, Some("Review"))
        );
        assert_eq!(of(Verdict::Reject, 20.0, Some(Decision::Keep)).rating, 1);
        assert_eq!(of(Verdict::Keep, 99.0, Some(Decision::Reject)).rating, -1);
    }

    #[test]
    fn a_rating_set_in_another_tool_is_the_users_call_and_culls_own_is_not() {
        // Lightroom's rejection (no Cull marks): the user's.
        let rejected = with_marks(Some(LIGHTROOM), &marks(5, None))
            .expect("xmp")
            .replace("xap:Rating=\"5\"", "xap:Rating=\"-1\"");
        assert_eq!(user_call(&rejected), Some(Decision::Reject));
        // What Cull wrote, untouched: not a call of the user's.
        let ours = with_marks(Some(DARKTABLE), &marks(-1, None)).expect("xmp");
        assert_eq!(user_call(&ours), None);
        // darktable's own 1 star, before Cull ever wrote: a keep.
        assert_eq!(user_call(DARKTABLE), Some(Decision::Keep));
        assert_eq!(
            user_call(&with_marks(None, &marks(3, None)).expect("xmp")),
            None
        );
    }

    #[test]
    fn a_rating_embedded_in_a_jpeg_is_read_and_one_without_is_none() {
        let jpeg = crate::test_photos::jpeg(1);
        assert_eq!(embedded_call(&jpeg), None);
        // Lightroom's "Save metadata to file": an XMP APP1 segment after SOI.
        let packet = LIGHTROOM.replace("crs:HasSettings=\"True\"", "xap:Rating=\"-1\"");
        let mut segment = JPEG_XMP_SIGNATURE.to_vec();
        segment.extend_from_slice(packet.as_bytes());
        let mut rated = jpeg[..2].to_vec();
        rated.extend_from_slice(&[0xFF, 0xE1]);
        rated.extend_from_slice(
            &u16::try_from(segment.len() + 2)
                .expect("fits")
                .to_be_bytes(),
        );
        rated.extend_from_slice(&segment);
        rated.extend_from_slice(&jpeg[2..]);
        assert_eq!(embedded_call(&rated), Some(Decision::Reject));
    }

    /// A one-pixel grey TIFF whose IFD carries `packet` in tag 700, as TIFF and the TIFF-based
    /// RAWs store their XMP.
    fn tiff_with_xmp(packet: &str) -> Vec<u8> {
        let entries: [(u16, u16, u32, u32); 9] = [
            (256, 3, 1, 1), // width
            (257, 3, 1, 1), // height
            (258, 3, 1, 8), // bits per sample
            (259, 3, 1, 1), // no compression
            (262, 3, 1, 1), // black is zero
            (273, 4, 1, 0), // strip offset: patched below
            (278, 3, 1, 1), // rows per strip
            (279, 4, 1, 1), // strip byte count
            (700, 1, 0, 0), // XMP: count and offset patched below
        ];
        let ifd_len = 2 + entries.len() * 12 + 4;
        let pixel_at = u32::try_from(8 + ifd_len).expect("fits");
        let packet_at = pixel_at + 1;
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&u16::try_from(entries.len()).expect("fits").to_le_bytes());
        for (tag, kind, count, value) in entries {
            let (count, value) = match tag {
                273 => (count, pixel_at),
                700 => (u32::try_from(packet.len()).expect("fits"), packet_at),
                _ => (count, value),
            };
            tiff.extend_from_slice(&tag.to_le_bytes());
            tiff.extend_from_slice(&kind.to_le_bytes());
            tiff.extend_from_slice(&count.to_le_bytes());
            tiff.extend_from_slice(&value.to_le_bytes());
        }
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.push(128);
        tiff.extend_from_slice(packet.as_bytes());
        tiff
    }

    #[test]
    fn a_rating_embedded_in_a_tiff_is_read_and_culls_own_is_not() {
        let packet = LIGHTROOM.replace("crs:HasSettings=\"True\"", "xap:Rating=\"-1\"");
        let tiff = tiff_with_xmp(&packet);
        // A real TIFF, not just bytes with a packet in them.
        let decoded = image::load_from_memory(&tiff).expect("a valid TIFF");
        assert_eq!((decoded.width(), decoded.height()), (1, 1));
        assert_eq!(embedded_call(&tiff), Some(Decision::Reject));
        let ours = with_marks(Some(DARKTABLE), &marks(-1, None)).expect("xmp");
        assert!(packet_in(&tiff_with_xmp(&ours)).is_some());
        assert_eq!(embedded_call(&tiff_with_xmp(&ours)), None);
        assert_eq!(embedded_call(&tiff_with_xmp("")), None);
    }

    #[test]
    fn sidecars_are_named_as_each_tool_expects() {
        let photo = Path::new("/p/IMG_1.CR2");
        assert_eq!(
            sidecar_path(photo, SidecarNaming::Stem),
            Path::new("/p/IMG_1.xmp")
        );
        assert_eq!(
            sidecar_path(photo, SidecarNaming::WithExtension),
            Path::new("/p/IMG_1.CR2.xmp")
        );
    }

    #[test]
    fn a_sidecar_is_written_atomically_beside_the_photo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let photo = dir.path().join("IMG_1.CR2");
        std::fs::write(dir.path().join("IMG_1.CR2.xmp"), DARKTABLE).expect("write");
        let path = write_sidecar(&photo, SidecarNaming::WithExtension, &marks(-1, None))
            .expect("writes")
            .expect("xmp");
        let text = std::fs::read_to_string(path).expect("read");
        assert_eq!(read_rating(&text), Some(-1));
        assert!(text.contains("darktable:history_end=\"2\""));
        assert!(!photo.exists(), "the photo itself is never written");
    }
}
