#!/bin/sh
# Regenerates the document fixtures from AnnoMI (see README.md). Needs
# python3 and LibreOffice Writer (soffice); the tests do not.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import csv, html, sys, zlib, struct, base64
tmp = sys.argv[1]
rows = list(csv.DictReader(open('../annomi/AnnoMI-simple.csv', encoding='utf-8')))
def conv(tid):
    out = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>Interview</title></head><body>']
    for r in rows:
        if r['transcript_id'] == tid:
            who = {'therapist': 'Therapist', 'client': 'Client'}[r['interlocutor']]
            text = ' '.join(r['utterance_text'].split())
            out.append('<p><b>%s:</b> %s</p>' % (who, html.escape(text)))
    out.append('</body></html>')
    return '\n'.join(out)
for tid, name in [('23', 'annomi-023'), ('85', 'annomi-085'), ('44', 'annomi-044')]:
    open('%s/%s.html' % (tmp, name), 'w', encoding='utf-8').write(conv(tid))
# A "scan": one grey page image, no text layer.
w, h = 200, 280
raw = b''.join(b'\x00' + bytes([200 if (x // 10 + y // 14) % 2 else 230 for x in range(w)]) for y in range(h))
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open('%s/scan.html' % tmp, 'w').write('<html><body><p><img src="data:image/png;base64,%s" width="600" height="840"></p></body></html>' % base64.b64encode(png).decode())
PY
so="soffice --headless -env:UserInstallation=file://$tmp/profile"
$so --infilter="HTML (StarWriter)" --convert-to odt --outdir "$tmp" "$tmp"/annomi-*.html "$tmp/scan.html" >/dev/null
$so --convert-to odt --outdir . "$tmp/annomi-085.odt" >/dev/null 2>&1 || cp "$tmp/annomi-085.odt" .
$so --convert-to rtf --outdir . "$tmp/annomi-023.odt" >/dev/null
$so --convert-to pdf --outdir . "$tmp/annomi-044.odt" >/dev/null
$so --convert-to pdf --outdir "$tmp/pdf" "$tmp/scan.odt" >/dev/null
cp "$tmp/pdf/scan.pdf" scan.pdf
