"""Write the small committed files of the hostile corpus (run once; big inputs are generated at test time).

    .venv/bin/python tests/data/hostile/make_files.py

Every text here was written for this corpus. The expected outcome of each file is in
``expected.json`` next to this script.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

STORY = (
    "Harbour town opens a new ferry line to the islands\n\n"
    "PORT ELLIS (Local Wire) - The harbour council of Port Ellis opened a ferry line to the three "
    "outer islands on Monday, ending a wait of nearly ten years for residents who until now relied "
    "on a weekly supply boat and private fishing vessels to reach the mainland.\n\n"
    "The new vessel carries up to two hundred passengers and forty cars, and it will sail twice a "
    "day in summer and once a day in winter, the council said. Tickets for island residents will "
    "cost half the regular fare, paid for by a regional transport grant.\n\n"
    "Fishermen on the largest island welcomed the service but asked the council to keep a berth "
    "free for their boats during the morning market hours, when most of the catch is landed.\n"
)
STORY_DE = (
    "Neue Radwege für die Altstadt von Kleinfurt\n\n"
    "KLEINFURT (Lokaldienst) - Die Stadt Kleinfurt baut in den kommenden zwei Jahren ein Netz von "
    "Radwegen durch die Altstadt, das die Bahnhofstraße mit dem Marktplatz und dem Flussufer "
    "verbinden soll. Der Stadtrat hat die Pläne am Dienstag mit großer Mehrheit beschlossen.\n\n"
    "Die Kosten von rund vier Millionen Euro teilen sich die Stadt und das Land. Händler in der "
    "Altstadt fürchten den Wegfall von Parkplätzen, die Verwaltung verspricht dafür ein neues "
    "Parkhaus am Rand des Zentrums.\n"
)


def _record(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8") + b"\n"


def files() -> dict[str, bytes]:
    """Every committed file of the corpus by name."""
    story = STORY.encode("utf-8")
    out: dict[str, bytes] = {}
    out["empty.txt"] = b""
    out["whitespace_only.txt"] = b"   \n\t\t\n \r\n    \n"
    out["zero_width_and_nbsp_only.txt"] = "\u200b\u00a0\u2060\n\u00a0\u200b\n".encode()
    out["byte_soup.txt"] = bytes((i * 73 + 41) % 256 for i in range(4096)).replace(b"\x00", b"\xff")
    out["utf16_bom.txt"] = STORY.encode("utf-16")  # BOM + UTF-16-LE
    out["utf8_bom.txt"] = b"\xef\xbb\xbf" + story
    # a UTF-8 paragraph, then a cp1252 paragraph (German umlauts as single bytes) in one payload
    out["mixed_encodings.txt"] = story + b"\n" + STORY_DE.encode("cp1252")
    out["nul_bytes.txt"] = story.replace(b"ferry", b"fer\x00ry", 3)
    out["control_chars.txt"] = (
        STORY.replace("council", "coun\x07cil", 2).replace("islands", "\x1b[31mislands\x1b[0m", 2).encode()
    )
    out["emoji_rtl.txt"] = (
        "Market day in the old city \U0001f31e\U0001f34a\n\n"
        + STORY.split("\n\n", 1)[1].replace("Monday", "Monday \U0001f6a2\U0001f389")
        + "\nשוק האיכרים נפתח שוב ביום שישי בבוקר ליד הנמל הישן.\n"
        + "افتتح السوق القديم أبوابه صباح الجمعة قرب الميناء، وحضر مئات الزوار.\n"
        + "\u202eThis line is reversed by a bidi override\u202c and ends here.\n"
    ).encode()
    out["unknown_script_georgian.txt"] = (
        "ახალი ხიდი მდინარეზე\n\n"
        "ქალაქის საბჭომ ორშაბათს გახსნა ახალი ხიდი მდინარეზე, რომელიც ძველ უბანს ახალ "
        "სადგურთან აკავშირებს. მშენებლობა ორი წელი გაგრძელდა და ქალაქის ბიუჯეტიდან დაფინანსდა. "
        "მაცხოვრებლები ამბობენ, რომ ახლა სამსახურამდე გზა ნახევარ საათით მოკლეა. საბჭოს "
        "წარმომადგენლის თქმით, მომავალ წელს ხიდზე ველოსიპედის ბილიკიც გაკეთდება, ხოლო ძველი "
        "ხიდი მხოლოდ ფეხით მოსიარულეებისთვის დარჩება. ბაზრის მოვაჭრეებიც კმაყოფილები არიან.\n"
    ).encode()
    out["only_numbers.txt"] = b"12 345 6789 2024\n\n17 99 1000 42 7 3.14 2.71\n\n555 0100 8 19 23 1 0 66\n"
    out["only_punctuation.txt"] = (
        b"!!! ??? ... ;;; ---\n\n*** ### $$$ %%% &&&\n\n(((( )))) [[ ]] {{ }} ,,, :::\n"
    )
    out["mojibake.txt"] = (
        STORY.replace("council", "councilâ€™s", 1).encode()
        + "Fußgänger".encode().decode("latin-1").encode()
        + b" waited at the quay.\n"
    )
    entities = STORY.replace("and", "&amp;", 3).replace("said", "&quot;said&quot;")
    out["html_entities_in_text.txt"] = entities.encode()
    out["html_in_txt.txt"] = (
        "<!DOCTYPE html><html><head><title>Ferry</title></head><body><article><h1>"
        + STORY.split("\n", 1)[0]
        + "</h1>"
        + "".join(f"<p>{p}</p>" for p in STORY.split("\n\n")[1:])
        + "</article></body></html>"
    ).encode()
    out["scripts_and_styles_only.html"] = (
        b"<html><head><style>body{color:red} p{margin:0}</style><script>var a=1;for(;;){}</script></head>"
        b"<body><script>document.write('hello');</script><style>.x{}</style><noscript></noscript></body></html>"
    )
    out["links_500.html"] = (
        "<html><body><nav><ul>"
        + "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(500))
        + "</ul></nav></body></html>"
    ).encode()
    out["pdf_bytes.txt"] = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] "
        b"/Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    out["png_bytes.txt"] = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
        b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    out["gzip_stream.txt"] = gzip.compress(story, mtime=0)
    out["crlf_and_cr_line_endings.txt"] = STORY.replace("\n", "\r\n").encode() + b"Old Mac line\rendings\r"
    out["combining_marks.txt"] = (
        STORY.split("\n\n", 1)[1]
        + "\n"
        + "Z\u0336\u0337\u0335a\u0334\u0338l\u0337g\u0336o\u0335 " * 40
        + "\n"
    ).encode()
    out["regex_runs_of_spaces.txt"] = (
        STORY + "\n" + "word" + " " * 20000 + "other" + "\t " * 5000 + "end.\n" + ("a " * 3000) + "\n"
    ).encode()
    # .jsonl records, one per file unless several are the point
    out["rec_not_json.jsonl"] = b"{this is not json\n"
    out["rec_array.jsonl"] = b'[1, 2, {"text": "inside an array"}]\n'
    out["rec_number.jsonl"] = b"42\n"
    out["rec_string.jsonl"] = b'"just a string"\n'
    out["rec_null.jsonl"] = b"null\n"
    out["rec_text_not_string.jsonl"] = _record(id="t1", text=12345)
    out["rec_text_null.jsonl"] = _record(id="t2", text=None)
    out["rec_missing_text.jsonl"] = _record(id="t3", title="A title without a body")
    out["rec_wrong_field_types.jsonl"] = _record(id="t4", text=STORY, title=["a", "list"], url=7)
    out["rec_empty_text.jsonl"] = _record(id="t5", text="")
    out["rec_extra_unknown_fields.jsonl"] = _record(
        id="t6", text=STORY, color="blue", nested={"deep": [1, 2, {"x": None}]}, score=0.5
    )
    out["rec_id_10kb.jsonl"] = _record(id="i" * 10240, text=STORY)
    out["rec_id_number.jsonl"] = _record(id=98765, text=STORY)
    out["rec_title_20kb.jsonl"] = _record(id="t7", text=STORY, title="Long title " * 1900)
    out["rec_lone_surrogate.jsonl"] = (
        b'{"id": "s1", "text": "' + json.dumps(STORY)[1:-1].encode() + b' broken \\ud800 escape here."}\n'
    )
    out["rec_published_year_3000.jsonl"] = _record(id="p1", text=STORY, published="3000-01-01T00:00:00Z")
    out["rec_published_far_past.jsonl"] = _record(id="p2", text=STORY, published="0001-01-01T00:00:00+00:00")
    out["rec_published_no_timezone.jsonl"] = _record(id="p3", text=STORY, published="2024-03-01T10:00:00")
    out["rec_published_not_a_date.jsonl"] = _record(id="p4", text=STORY, published="yesterday at noon")
    out["rec_published_number.jsonl"] = _record(id="p5", text=STORY, published=20240301)
    out["rec_html_content_type.jsonl"] = _record(
        id="h1", content_type="text/html", text=out["html_in_txt.txt"].decode()
    )
    out["rec_bad_line_among_good.jsonl"] = (
        _record(id="g1", text=STORY) + b"{broken line\n" + _record(id="g2", text=STORY_DE)
    )
    out["rec_tab_separated_junk.jsonl"] = b"a\tb\tc\n"
    return out


def main() -> None:
    FILES.mkdir(parents=True, exist_ok=True)
    for name, data in files().items():
        (FILES / name).write_bytes(data)
    print(f"wrote {len(files())} files to {FILES}")


if __name__ == "__main__":
    main()
