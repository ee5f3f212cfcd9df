"""Measures the face path on the labelled real photos of manifest.json (issue 10).

Usage: evaluate.py SPLIT [FACE_SET_DIR] [CULL_BINARY]
  SPLIT: tune or heldout. The photos are not in the repository (several are third-party
  stills, and the held-out half must stay unseen): DATA.md says which registry package and
  path each comes from; FACE_SET_DIR holds them as images/<package>/<file> (default
  $CULL_FACE_SET). Runs `cull scan --json` over the split in a fresh library, matches each
  labelled face to the nearest detection (centre within half the face's height) and prints
  per-face rows, detection recall (all faces, faces under 40 px), unmatched detections and the
  eye-state confusion matrix. Never tune on `heldout`.
"""
import json, sys, subprocess, os, collections
split = sys.argv[1]
root = sys.argv[2] if len(sys.argv) > 2 else os.environ.get('CULL_FACE_SET')
if not root:
    sys.exit('evaluate.py SPLIT FACE_SET_DIR (or set CULL_FACE_SET): the folder holding images/<package>/<file>')
cull = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), '../../../target/release/cull')
man_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'manifest.json')
man = [m for m in json.load(open(man_path)) if m['split'] == split]
import tempfile
lib = tempfile.mkdtemp(prefix=f'cull-face-eval-{split}-')
os.makedirs(lib, exist_ok=True)
files = [os.path.join(root, m['file']) for m in man]
out = subprocess.run([cull, '--library', lib + '/lib', 'scan', '--json'] + files,
                     capture_output=True, text=True).stdout
res = {}
for l in out.splitlines():
    try: d = json.loads(l)
    except: continue
    if 'path' in d: res[d['path']] = d
conf = collections.Counter(); det = collections.Counter(); small = collections.Counter(); extra = 0
rows = []
for m in man:
    p = os.path.join(root, m['file']); d = res.get(p)
    if d is None: print('missing', p); continue
    W, H = d['width'], d['height']
    dets = [dict(f, used=False) for f in d.get('faces', [])]
    for f in m['faces']:
        cx, cy, fh = f['cx'] * W, f['cy'] * H, f['h'] * H
        best = None
        for g in dets:
            x, y, w, h = g['box']
            gx, gy = x + w / 2, y + h / 2
            dist = ((gx - cx) ** 2 + (gy - cy) ** 2) ** .5
            if not g['used'] and dist < 0.5 * max(fh, h) and (best is None or dist < best[0]):
                best = (dist, g)
        is_small = fh < 40
        det['faces'] += 1; small['faces'] += is_small
        if best:
            best[1]['used'] = True
            det['found'] += 1; small['found'] += is_small
            g = best[1]
            conf[(f['eyes'], g['eyes'])] += 1
            rows.append((m['file'], f['eyes'], g['eyes'], g['openness'], g.get('edge_px'), f.get('focus'), round(fh), f.get('note', '')))
        else:
            conf[(f['eyes'], 'missed')] += 1
            rows.append((m['file'], f['eyes'], 'MISSED', None, None, f.get('focus'), round(fh), f.get('note', '')))
    for g in dets:
        if not g['used'] and m.get('complete', True):
            extra += 1; rows.append((m['file'], 'NO FACE', g['eyes'], g['openness'], g.get('edge_px'), '', round(g['box'][3]), 'false detection'))
    codes = [r['code'] for r in d.get('reasons', [])]
    if 'closed_eyes' in codes or 'face_blur' in codes:
        rows.append((m['file'], 'PHOTO', d['verdict'], codes, None, '', 0, ''))
for r in rows: print(r)
print('detection', dict(det), 'small', dict(small), 'false detections', extra)
labels = ['open', 'closed', 'not_blink', 'cant_tell']; preds = ['open', 'closed', 'unknown', 'missed']
print('label \\ pred', preds)
for a in labels: print(a.ljust(10), [conf[(a, b)] for b in preds])
