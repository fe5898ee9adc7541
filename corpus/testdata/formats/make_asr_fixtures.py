#!/usr/bin/env python3
"""Writes the speech-recognition JSON, ELAN and CHAT fixtures of this folder
from AnnoMI conversations (public domain; see README.md).

Run from the repository root:

    python3 corpus/testdata/formats/make_asr_fixtures.py

Each file holds one AnnoMI conversation, text word for word, in the layout
its tool writes (the evidence is in README.md). Utterance start times are
AnnoMI's timestamp column plus a fraction of a second; long utterances are
cut at sentence ends into several segments, as the tools cut speech, with
times shared out by length. Speaker names and machine labels are invented
in each tool's style. The output is deterministic.
"""
import csv
import json
import re
from xml.sax.saxutils import escape, quoteattr

SRC = "corpus/testdata/annomi/AnnoMI-simple.csv"
OUT = "corpus/testdata/formats/"


def conversation(tid):
    rows = [r for r in csv.DictReader(open(SRC, encoding="utf-8")) if r["transcript_id"] == tid]
    rows.sort(key=lambda r: int(r["utterance_id"]))
    # Starts: the stamp's second plus a fraction that keeps utterances
    # stamped with the same second in order.
    secs = []
    for r in rows:
        h, m, s = (int(x) for x in r["timestamp"].split(":"))
        secs.append(h * 3600 + m * 60 + s)
    starts = []
    for i, s in enumerate(secs):
        group = [j for j in range(len(secs)) if secs[j] == s]
        k = group.index(i)
        starts.append(round(s + 0.05 + 0.9 * k / len(group) + 0.013 * (i % 3), 3))
    utts = []
    for i, r in enumerate(rows):
        text = r["utterance_text"].strip()
        words = len(text.split())
        start = starts[i]
        if i + 1 < len(rows):
            end = min(starts[i + 1] - 0.02, start + 0.2 + 0.38 * words)
        else:
            end = start + 0.2 + 0.38 * words
        end = round(max(end, start + 0.01), 3)
        utts.append({"role": r["interlocutor"], "text": text, "start": start, "end": end})
    return utts


def sentences(text, limit=110):
    """Cuts text at sentence ends into pieces of about limit characters;
    joining the pieces with one space gives the text back."""
    parts = re.split(r"(?<=[.?!]) ", text)
    out, cur = [], ""
    for p in parts:
        if cur and len(cur) + 1 + len(p) > limit:
            out.append(cur)
            cur = p
        else:
            cur = p if not cur else cur + " " + p
    out.append(cur)
    assert " ".join(out) == text
    return out


def segments(u):
    """Splits an utterance into timed segments, times shared by length."""
    pieces = sentences(u["text"])
    total = sum(len(p) for p in pieces)
    t, out = u["start"], []
    for p in pieces:
        d = (u["end"] - u["start"]) * len(p) / total
        out.append({"text": p, "start": round(t, 3), "end": round(t + d, 3)})
        t += d
    out[-1]["end"] = u["end"]
    return out


def words(seg):
    """Timed words of a segment: whitespace tokens, times shared by length."""
    toks = seg["text"].split(" ")
    total = sum(len(w) + 1 for w in toks)
    t, out = seg["start"], []
    for w in toks:
        d = (seg["end"] - seg["start"]) * (len(w) + 1) / total
        out.append({"w": w, "start": round(t, 3), "end": round(t + d * 0.9, 3)})
        t += d
    return out


def split_punct(tok):
    """A token's word and its trailing punctuation ("Sal," -> "Sal", ",")."""
    m = re.match(r"^(.*?[^.,?!;:])([.,?!;:]+)$", tok)
    return (m.group(1), m.group(2)) if m else (tok, "")


def conf(i):
    return round(0.81 + (i * 37 % 19) / 100, 3)


def whisper(tid, name):
    utts = conversation(tid)
    segs, tok = [], 50364
    for u in utts:
        for s in segments(u):
            n = len(s["text"].split())
            tokens = [tok + (k * 7919) % 12000 for k in range(n + 2)]
            tok = (tok + 311) % 40000 + 10000
            segs.append({
                "id": len(segs), "seek": int(s["start"] * 100) // 3000 * 3000,
                "start": s["start"], "end": s["end"], "text": " " + s["text"],
                "tokens": tokens, "temperature": 0.0,
                "avg_logprob": -0.21 - (len(segs) % 5) / 50,
                "compression_ratio": 1.46, "no_speech_prob": round(0.01 + (len(segs) % 7) / 300, 4),
            })
    doc = {"text": "".join(s["text"] for s in segs), "segments": segs, "language": "en"}
    open(OUT + name, "w", encoding="utf-8").write(json.dumps(doc))


def whisperx(tid, name, labels):
    utts = conversation(tid)
    segs, allw = [], []
    for u in utts:
        for s in segments(u):
            ws = [{"word": w["w"], "start": w["start"], "end": w["end"], "score": conf(i),
                   "speaker": labels[u["role"]]} for i, w in enumerate(words(s))]
            segs.append({"start": s["start"], "end": s["end"], "text": s["text"],
                         "words": ws, "speaker": labels[u["role"]]})
            allw += ws
    doc = {"segments": segs, "word_segments": allw, "language": "en"}
    open(OUT + name, "w", encoding="utf-8").write(json.dumps(doc, ensure_ascii=False))


def amazon_time(t):
    return str(round(t, 3))


def amazon(tid, name, labels):
    utts = conversation(tid)
    items, lsegs, asegs, texts = [], [], [], []
    for u in utts:
        spk = labels[u["role"]]
        for s in segments(u):
            ids, litems = [], []
            for w in words(s):
                word, punct = split_punct(w["w"])
                it = {"id": len(items), "type": "pronunciation",
                      "alternatives": [{"confidence": str(conf(len(items))), "content": word}],
                      "start_time": amazon_time(w["start"]), "end_time": amazon_time(w["end"]),
                      "speaker_label": spk}
                ids.append(len(items))
                items.append(it)
                litems.append({"speaker_label": spk, "start_time": it["start_time"], "end_time": it["end_time"]})
                if punct:
                    ids.append(len(items))
                    items.append({"id": len(items), "type": "punctuation",
                                  "alternatives": [{"confidence": "0.0", "content": punct}],
                                  "speaker_label": spk})
            lsegs.append({"start_time": amazon_time(s["start"]), "end_time": amazon_time(s["end"]),
                          "speaker_label": spk, "items": litems})
            asegs.append({"id": len(asegs), "transcript": s["text"], "start_time": amazon_time(s["start"]),
                          "end_time": amazon_time(s["end"]), "speaker_label": spk, "items": ids})
            texts.append(s["text"])
    doc = {"jobName": "annomi-" + tid, "accountId": "111122223333", "status": "COMPLETED",
           "results": {"transcripts": [{"transcript": " ".join(texts)}],
                       "speaker_labels": {"segments": lsegs, "channel_label": "ch_0", "speakers": 2},
                       "items": items, "audio_segments": asegs}}
    open(OUT + name, "w", encoding="utf-8").write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


def assemblyai(tid, name, labels):
    utts = conversation(tid)
    allw, uts = [], []
    for u in utts:
        spk = labels[u["role"]]
        ws = []
        for s in segments(u):
            ws += [{"text": w["w"], "start": int(w["start"] * 1000), "end": int(w["end"] * 1000),
                    "confidence": conf(len(allw) + i), "speaker": spk} for i, w in enumerate(words(s))]
        allw += ws
        uts.append({"confidence": 0.93, "end": int(u["end"] * 1000), "speaker": spk,
                    "start": int(u["start"] * 1000), "text": u["text"], "words": ws})
    doc = {"id": "6c8f3a1e-2b4d-4e7a-9c1f-5d2e8b7a4f30", "language_model": "assemblyai_default",
           "acoustic_model": "assemblyai_default", "language_code": "en_us", "status": "completed",
           "audio_url": "https://example.org/annomi-" + tid + ".mp3",
           "text": " ".join(u["text"] for u in utts), "words": allw, "utterances": uts,
           "confidence": 0.93, "audio_duration": int(utts[-1]["end"]) + 1, "punctuate": True,
           "format_text": True, "speaker_labels": True, "speakers_expected": None}
    open(OUT + name, "w", encoding="utf-8").write(json.dumps(doc, indent=2, ensure_ascii=False))


def deepgram(tid, name, labels):
    utts = conversation(tid)
    allw, dutts, paras, lines = [], [], [], []
    for u in utts:
        spk = labels[u["role"]]
        sents = []
        for s in segments(u):
            ws = []
            for i, w in enumerate(words(s)):
                bare = re.sub(r"[^\w'-]", "", w["w"]).lower() or w["w"]
                ws.append({"word": bare, "start": w["start"], "end": w["end"], "confidence": conf(len(allw) + i),
                           "speaker": spk, "speaker_confidence": 0.6, "punctuated_word": w["w"]})
            allw += ws
            dutts.append({"start": s["start"], "end": s["end"], "confidence": 0.95, "channel": 0,
                          "transcript": s["text"], "words": ws, "speaker": spk,
                          "id": "0f1e2d3c-%04d-4b5a-8c9d-0e1f2a3b4c5d" % len(dutts)})
            sents.append({"text": s["text"], "start": s["start"], "end": s["end"]})
        paras.append({"sentences": sents, "speaker": spk, "num_words": len(u["text"].split()),
                      "start": u["start"], "end": u["end"]})
        lines.append("\n\nSpeaker %d: %s" % (spk, u["text"]))
    doc = {"metadata": {"transaction_key": "deprecated", "request_id": "3d5b2c1a-7e8f-4a9b-b0c1-d2e3f4a5b6c7",
                        "sha256": "5e1d6f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e",
                        "created": "2025-04-08T16:15:45.798Z", "duration": utts[-1]["end"] + 1,
                        "channels": 1, "models": ["3b3aabe4-608a-46ac-9585-7960a25daf1a"],
                        "model_info": {"3b3aabe4-608a-46ac-9585-7960a25daf1a":
                                       {"name": "general-nova-3", "version": "2024-12-20.0", "arch": "nova-3"}}},
           "results": {"channels": [{"alternatives": [{
               "transcript": " ".join(u["text"] for u in utts), "confidence": 0.99, "words": allw,
               "paragraphs": {"transcript": "".join(lines), "paragraphs": paras}}]}],
               "utterances": dutts}}
    open(OUT + name, "w", encoding="utf-8").write(json.dumps(doc, indent=2, ensure_ascii=False))


def revai(tid, name, labels):
    utts = conversation(tid)
    mons = []
    for u in utts:
        els = []
        for s in segments(u):
            for w in words(s):
                word, punct = split_punct(w["w"])
                if els:
                    els.append({"type": "punct", "value": " "})
                els.append({"type": "text", "value": word, "ts": w["start"], "end_ts": w["end"],
                            "confidence": conf(len(els))})
                if punct:
                    els.append({"type": "punct", "value": punct})
        mons.append({"speaker": labels[u["role"]], "elements": els})
    open(OUT + name, "w", encoding="utf-8").write(json.dumps({"monologues": mons}, ensure_ascii=False))


def elan(tid, name, participants):
    utts = conversation(tid)
    anns = []  # (role, start ms, end ms, text)
    for u in utts:
        for s in segments(u):
            anns.append((u["role"], int(s["start"] * 1000), int(s["end"] * 1000), s["text"]))
    slots = []
    for i, a in enumerate(anns):
        slots.append(a[1])
        slots.append(a[2])
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-05-14T10:21:07+01:00" FORMAT="3.0" VERSION="3.0" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">',
           '    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">',
           '        <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/Users/research/interviews/session-%s.wav" '
           'MIME_TYPE="audio/x-wav" RELATIVE_MEDIA_URL="./session-%s.wav"/>' % (tid, tid),
           '        <PROPERTY NAME="URN">urn:nl-mpi-tools-elan-eaf:5b7c2d9e-3f4a-4e1b-9c8d-7a6b5c4d3e2f</PROPERTY>',
           '        <PROPERTY NAME="lastUsedAnnotationId">%d</PROPERTY>' % (len(anns) + 3),
           '    </HEADER>', '    <TIME_ORDER>']
    # ELAN numbers slots in time order.
    order = sorted(range(len(slots)), key=lambda k: (slots[k], k))
    slot_id = {}
    for n, k in enumerate(order):
        slot_id[k] = "ts%d" % (n + 1)
        out.append('        <TIME_SLOT TIME_SLOT_ID="ts%d" TIME_VALUE="%d"/>' % (n + 1, slots[k]))
    out.append('    </TIME_ORDER>')
    aid = {}
    n = 0
    for i in range(len(anns)):
        n += 1
        aid[i] = "a%d" % n
    for role in ("therapist", "client"):
        tier, part = participants[role]
        out.append('    <TIER LINGUISTIC_TYPE_REF="default-lt" PARTICIPANT=%s TIER_ID=%s>' % (quoteattr(part), quoteattr(tier)))
        for i, a in enumerate(anns):
            if a[0] != role:
                continue
            out += ['        <ANNOTATION>',
                    '            <ALIGNABLE_ANNOTATION ANNOTATION_ID="%s" TIME_SLOT_REF1="%s" TIME_SLOT_REF2="%s">'
                    % (aid[i], slot_id[2 * i], slot_id[2 * i + 1]),
                    '                <ANNOTATION_VALUE>%s</ANNOTATION_VALUE>' % escape(a[3]),
                    '            </ALIGNABLE_ANNOTATION>', '        </ANNOTATION>']
        out.append('    </TIER>')
    # A dependent tier of notes on the client's speech, to be left out.
    tier, part = participants["client"]
    out.append('    <TIER LINGUISTIC_TYPE_REF="notes" PARENT_REF=%s PARTICIPANT=%s TIER_ID=%s>'
               % (quoteattr(tier), quoteattr(part), quoteattr("notes@" + tier)))
    notes = [i for i, a in enumerate(anns) if a[0] == "client"][:3]
    for k, i in enumerate(notes):
        out += ['        <ANNOTATION>',
                '            <REF_ANNOTATION ANNOTATION_ID="a%d" ANNOTATION_REF="%s">' % (len(anns) + 1 + k, aid[i]),
                '                <ANNOTATION_VALUE>%s</ANNOTATION_VALUE>' % ["hesitant", "laughs", "change talk?"][k],
                '            </REF_ANNOTATION>', '        </ANNOTATION>']
    out.append('    </TIER>')
    out += ['    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>',
            '    <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="notes" TIME_ALIGNABLE="false"/>',
            '    <LANGUAGE LANG_DEF="http://cdb.iso.org/lg/CDB-00138502-001" LANG_ID="eng" LANG_LABEL="English (eng)"/>',
            '    <CONSTRAINT DESCRIPTION="Time subdivision of parent annotation\'s time interval, no time gaps allowed within this interval" STEREOTYPE="Time_Subdivision"/>',
            '    <CONSTRAINT DESCRIPTION="Symbolic subdivision of a parent annotation. Annotations refering to the same parent are ordered" STEREOTYPE="Symbolic_Subdivision"/>',
            '    <CONSTRAINT DESCRIPTION="1-1 association with a parent annotation" STEREOTYPE="Symbolic_Association"/>',
            '    <CONSTRAINT DESCRIPTION="Time alignable annotations within the parent annotation\'s time interval, gaps are allowed" STEREOTYPE="Included_In"/>',
            '</ANNOTATION_DOCUMENT>']
    open(OUT + name, "w", encoding="utf-8").write("\n".join(out) + "\n")


def wrap(text, width=76):
    """CLAN wraps long tiers: continuation lines start with a tab."""
    lines, cur = [], ""
    for w in text.split(" "):
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = w if not cur else cur + " " + w
    lines.append(cur)
    return "\n\t".join(lines)


def chat(tid, name, codes):
    utts = conversation(tid)
    out = ["@UTF8", "@Begin", "@Languages:\teng",
           "@Participants:\tINV Maria Investigator, PAR Participant",
           "@ID:\teng|annomi|INV|||||Investigator|||",
           "@ID:\teng|annomi|PAR|||||Participant|||",
           "@Media:\tsession-%s, audio" % tid,
           "@Comment:\tAnnoMI conversation %s, motivational interviewing" % tid]
    n = 0
    for u in utts:
        for s in segments(u):
            bullet = "\x15%d_%d\x15" % (int(s["start"] * 1000), int(s["end"] * 1000))
            out.append("*%s:\t%s %s" % (codes[u["role"]], wrap(s["text"]), bullet))
            n += 1
            if n % 7 == 3:
                out.append("%com:\tspeaks quietly,\n\tlooking at the form")
            if n == 10:
                out.append("@Comment:\tbackground noise")
    out.append("@End")
    open(OUT + name, "w", encoding="utf-8").write("\n".join(out) + "\n")


whisper("19", "whisper.json")
whisperx("103", "whisperx.json", {"therapist": "SPEAKER_01", "client": "SPEAKER_00"})
amazon("47", "amazon-transcribe.json", {"therapist": "spk_0", "client": "spk_1"})
assemblyai("81", "assemblyai.json", {"therapist": "A", "client": "B"})
deepgram("11", "deepgram.json", {"therapist": 0, "client": 1})
revai("51", "revai.json", {"therapist": 0, "client": 1})
elan("48", "elan.eaf", {"therapist": ("Counsellor", "Ana Lind"), "client": ("Client", "Tom Berg")})
chat("73", "chat.cha", {"therapist": "INV", "client": "PAR"})
