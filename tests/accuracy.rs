//! How well the measured detectors tell generated defects from clean and legitimately unusual
//! photos, judged through the real CLI. Prints the per-transform table used in the notes.

use std::collections::BTreeMap;

use cull_tests::{labelled_library, scan_json};

#[test]
fn detectors_find_generated_defects_and_spare_legitimate_looks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let library = dir.path().join("library");
    let labels = labelled_library(&library).expect("library");
    let run = scan_json(&dir.path().join("db"), dir.path(), &[&library]);
    assert!(run.output.status.success(), "{}", run.stderr);

    // transform → (correct, total)
    let mut table: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut defects = (0, 0);
    let mut clean = (0, 0);
    for label in &labels {
        let name = label
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name");
        let line = run.line(name);
        let flagged = line["verdict"] != "keep";
        let correct = match label.expected_code {
            Some(code) => flagged && run.codes(name).iter().any(|c| c == code),
            None => !flagged,
        };
        if !correct {
            eprintln!("miss: {name}: {} {:?}", line["verdict"], run.codes(name));
        }
        let entry = table.entry(label.transform).or_default();
        entry.0 += usize::from(correct);
        entry.1 += 1;
        let bucket = if label.expected_code.is_some() {
            &mut defects
        } else {
            &mut clean
        };
        bucket.0 += usize::from(correct);
        bucket.1 += 1;
    }
    eprintln!("transform        correct/total");
    for (name, (ok, total)) in &table {
        eprintln!("{name:<16} {ok}/{total}");
    }
    eprintln!(
        "defects found with the right reason: {}/{}",
        defects.0, defects.1
    );
    eprintln!(
        "clean or legitimate photos kept:     {}/{}",
        clean.0, clean.1
    );

    for (name, (ok, total)) in &table {
        assert!(
            *ok * 10 >= *total * 7,
            "{name}: only {ok}/{total} judged as expected"
        );
    }
    assert!(
        defects.0 * 100 >= defects.1 * 90,
        "defect recall {defects:?}"
    );
    assert!(clean.0 * 100 >= clean.1 * 88, "clean kept {clean:?}");
}
