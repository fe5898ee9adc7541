#!/bin/sh
# Regenerates the encoding fixtures from AnnoMI (see README.md). Needs
# python3 and iconv; the tests do not.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open('../annomi/AnnoMI-simple.csv', encoding='utf-8')))
def conv(tid):
    out = []
    for r in rows:
        if r['transcript_id'] == tid:
            who = {'therapist': 'Therapist', 'client': 'Client'}[r['interlocutor']]
            out.append(who + ': ' + ' '.join(r['utterance_text'].split()))
    return '\r\n\r\n'.join(out) + '\r\n'
for tid, name in [('58', 'windows-1252'), ('131', 'utf-16le'), ('117', 'utf-16be')]:
    open(name + '.utf8', 'w', encoding='utf-8', newline='').write(conv(tid))
PY
iconv -f UTF-8 -t CP1252 windows-1252.utf8 > windows-1252.txt
# Notepad's "Unicode" and "Unicode big endian": a byte-order mark first.
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE utf-16le.utf8; } > utf-16le.txt
{ printf '\376\377'; iconv -f UTF-8 -t UTF-16BE utf-16be.utf8; } > utf-16be.txt
rm -f *.utf8
