"""Writes the import test corpus (deterministic): `python tests/data/import/make_corpus.py`.

Each file's expected report is in expected.json beside it.
"""

import codecs
import csv
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["Email", "First name", "Last name", "Phone", "Country", "Birth date", "Newsletter"]
PEOPLE = [
    ["ann@example.com", "Ann", "Berg", "+49 151 1234567", "DE", "1990-03-04", "yes"],
    ["bruno@example.com", "Bruno", "Costa", "912 345 678", "Portugal", "13/04/1985", "no"],
    ["chloe@example.com", "Chloé", "Durand", "", "FRA", "", ""],
]


def csv_text(header, rows, delimiter=",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    write("bom.csv", codecs.BOM_UTF8 + csv_text(HEADER, PEOPLE).encode())
    write("semicolon.csv", csv_text(HEADER, PEOPLE, ";").encode())
    write("tab_utf16.csv", csv_text(HEADER, PEOPLE, "\t").encode("utf-16"))
    cp1252 = [*PEOPLE, ["zoe@example.com", "Zoë", "Müller–SStraße", "", "Österreich", "", "ja"]]
    write("cp1252.csv", csv_text(HEADER, cp1252, ";").encode("cp1252"))
    write("header_only.csv", csv_text(HEADER, []).encode())
    write("empty.csv", b"")
    write(
        "duplicate_headers.csv",
        csv_text(
            ["Email", "First name", "Email"], [["a@example.com", "A", "b@example.com"]]
        ).encode(),
    )
    write(
        "missing_email.csv",
        csv_text(["First name", "Last name", "City"], [["Ann", "Berg", "Berlin"]]).encode(),
    )
    invalid = [
        ["good@example.com", "Good", "", "", "", "", ""],
        ["not-an-email", "Bad", "", "", "", "", ""],
        ["two@@example.com", "Bad", "", "", "", "", ""],
        ["spaces in@example.com", "Bad", "", "", "", "", ""],
        ["", "No email", "", "", "", "", ""],
        ["ok2@example.com", "Bad phone", "", "12", "", "", ""],
        ["ok3@example.com", "Bad country", "", "", "Atlantis", "", ""],
        ["ok4@example.com", "Ambiguous", "", "", "", "03/04/1990", ""],
        ["ok5@example.com", "Bad consent", "", "", "", "", "perhaps"],
    ]
    write("invalid_emails.csv", csv_text(HEADER, invalid).encode())
    # 500 people, each three times with the email in different case: 1,000 duplicates.
    dups = []
    for n in range(500):
        email = f"person{n}@example.com"
        dups.append([email, f"First{n}", "", "", "", "", ""])
        dups.append([email.upper(), "", f"Last{n}", "", "", "", ""])
        dups.append([email.title(), "", "", "", "DE", "", "yes"])
    write("duplicates_1000.csv", csv_text(HEADER, dups).encode())
    formulas = [
        ["f1@example.com", "=1+2", "+SUM(A1)", "", "", "", ""],
        ["f2@example.com", "-2+3", "@cmd", "", "", "", ""],
        ['=HYPERLINK("http://x")', "Eve", "", "", "", "", ""],
    ]
    write("formulas.csv", csv_text(HEADER, formulas).encode())
    write(
        "multi_sheet.xlsx",
        xlsx({
            "Notes": [["This sheet is notes, not customers"]],
            "Customers": [HEADER, *PEOPLE, ["xl@example.com", "=1+1", "Formula", 4915112345678,
                                            "DE", "1999-12-31", "yes"]],
        }),
    )  # fmt: skip
    whole = xlsx({"Customers": [HEADER, *PEOPLE]})
    write("truncated.xlsx", whole[: len(whole) // 2])
    write("zip_bomb.xlsx", zip_bomb())
    orders = [
        ["SO-1", "ann@example.com", "2026-01-05T10:00:00+01:00", "19,90", "EUR"],
        ["SO-2", "ANN@example.com", "2026-02-01", "1.234,50", "EUR"],
        ["SO-3", "nobody@example.com", "2026-02-01", "5.00", "EUR"],
        ["SO-4", "bruno@example.com", "tomorrow", "5.00", "EUR"],
        ["SO-5", "bruno@example.com", "2026-03-01 14:30", "7.50", "usd"],
    ]
    write(
        "orders.csv",
        csv_text(["Order ID", "Email", "Order date", "Amount", "Currency"], orders).encode(),
    )


def zip_bomb() -> bytes:
    """A well-formed XLSX whose sheet unpacks to 1.1 GB of blanks (about 1 MB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(1100):
                member.write(chunk)
    return out.getvalue()


if __name__ == "__main__":
    main()
