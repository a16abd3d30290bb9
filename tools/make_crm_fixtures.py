"""Write tests/data/recipients/crm/: recipient lists as CRMs and spreadsheets export them (issue 14, item 5).

    python tools/make_crm_fixtures.py

The files are committed; this script says how each was made, so that a
fixture can be changed and remade rather than edited byte by byte (the
encodings, byte-order marks, delimiters and merged cells are the point).
Every person and address is fictional.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "recipients" / "crm"


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


# CiviCRM, "Export contacts" of the embassies (officials: addressed by name, address in parts).
CIVICRM = [
    ["Contact ID", "Contact Type", "Individual Prefix", "First Name", "Last Name", "Job Title", "Current Employer",
     "Street Address", "Supplemental Address 1", "City", "Postal Code", "State", "Country", "Email",
     "Preferred Language"],
    ["101", "Individual", "H.E. Mr", "Daniel", "Okafor", "Ambassador", "Embassy of the Republic of Elbonia",
     "14 Alder Gardens", "", "London", "NW8 4QX", "", "United Kingdom", "embassy.london@example.org",
     "English (United Kingdom)"],
    ["102", "Individual", "S.E. Mme", "Claire", "Moreau", "Ambassadrice", "Ambassade de la République d'Elbonie",
     "4 rue Adolphe Yvon", "", "Paris", "75116", "", "France", "ambassade.paris@example.org", "French"],
    ["103", "Individual", "Excmo. Sr.", "Javier", "Ortega", "Embajador", "Embajada de la República de Elbonia",
     "Calle del Arce 12", "Piso 3", "Madrid", "28001", "", "Spain", "", "Español"],
    ["104", "Individual", "H.E. Ms", "Grace", "Whitlam", "Ambassador", "Embassy of the Republic of Elbonia",
     "5 Wattle Crescent", "", "Deakin", "2600", "ACT", "Australia", "", "EN"],
]  # fmt: skip

# Action Network, activists export (supporters: they sign; language cells as people typed them).
ACTION_NETWORK = [
    ["uuid", "first_name", "last_name", "email", "zip_code", "can2_user_address", "can2_user_city",
     "can2_state_abbreviated", "can2_country", "language", "can2_subscription_status"],
    ["a1f3", "Margaret", "Holloway", "m.holloway@example.org", "M1 1AA", "3 Canal St", "Manchester", "", "GB",
     "english", "subscribed"],
    ["b2e4", "Lucía", "Fernández", "lucia.f@example.org", "41001", "", "Sevilla", "", "ES", "Español", "subscribed"],
    ["c3d5", "Ольга", "Смирнова", "olga.s@example.org", "190000", "", "Санкт-Петербург", "", "RU", "Русский",
     "subscribed"],
    ["d4c6", "ليلى", "حداد", "layla.h@example.org", "", "", "عمّان", "", "JO", "العربية", "subscribed"],
    ["e5b7", "小明", "王", "wang.xm@example.org", "100000", "", "北京", "", "CN", "Chinese (Simplified)",
     "subscribed"],
    ["f6a8", "ចាន់ថា", "សុខ", "chantha.s@example.org", "12000", "", "ភ្នំពេញ", "", "KH", "ខ្មែរ", "subscribed"],
    ["g7b9", "Étienne", "Giraud", "e.giraud@example.org", "69001", "", "Lyon", "", "FR", "FR", "subscribed"],
]  # fmt: skip

# Mailchimp, "Export audience" (supporters; the address is one cell, the supporter's own).
MAILCHIMP = [
    ["Email Address", "First Name", "Last Name", "Address", "Phone Number", "Language", "MEMBER_RATING",
     "OPTIN_TIME", "CONFIRM_TIME", "LEID", "EUID", "NOTES", "TAGS"],
    ["t.nguyen@example.org", "Thomas", "Nguyen", "12 Lygon St  Carlton  VIC  3053  AU", "", "en", "2",
     "2026-10-01 09:12:44", "2026-10-01 09:13:02", "101", "a1b2c3", "", '"Melbourne students"'],
    ["anna.k@example.org", "Anna", "Kowalska", "", "", "fr", "3", "2026-10-02 10:00:00", "2026-10-02 10:01:00",
     "102", "d4e5f6", "", ""],
]  # fmt: skip

# Salesforce, a contacts report saved from Excel in western Europe: semicolons, UTF-8 with a BOM, the
# report's title and filter lines above the header, a row id again in other case, the report's total.
SALESFORCE = [
    ["Embassies of Elbonia: contacts", "", "", "", "", "", "", "", ""],
    ["Filtered by: Account Type equals Embassy", "", "", "", "", "", "", "", ""],
    [],
    ["Contact ID", "First Name", "Last Name", "Account Name", "Mailing Street", "Mailing City",
     "Mailing Zip/Postal Code", "Mailing Country", "Email"],
    ["003A1", "Ingrid", "Larsen", "Embassy of the Republic of Elbonia", "Karl Johans gate 5", "Oslo", "0154",
     "Norway", "embassy.oslo@example.org"],
    ["003B2", "Hans", "Becker", "Botschaft der Republik Elbonien", "Unter den Linden 7", "Berlin", "10117",
     "Germany", ""],
    [" 003a1", "Ingrid", "Larsen", "Embassy of the Republic of Elbonia", "Karl Johans gate 5", "Oslo", "0154",
     "Norway", ""],
    ["Grand Totals (3 records)", "", "", "", "", "", "", "", ""],
]  # fmt: skip

# The same supporters as a Windows code page (Excel's plain "CSV" in western Europe).
CP1252 = [
    ["First Name", "Last Name", "E-mail", "City", "Preferred Language"],
    ["Renée", "Dupré", "renee@example.org", "Besançon", "Français"],
    ["Zoë", "Müller", "zoe@example.org", "Köln", "English"],
    ["François", "Lefèvre", "", "Orléans", "fr"],
]

# Excel's "Unicode text": UTF-16 with a byte-order mark, tab separated.
UTF16 = [
    ["Name", "Job Title", "Organization", "Address", "E-mail Address", "Language"],
    ["Chen Wei", "Ambassador", "Embassy of the Republic of Elbonia", "1 Sanlitun Road, Beijing", "", "中文"],
    ["Ana Petrova", "Посол", "Посольство Республики Элбония", "ул. Арбат 10, Москва", "", "ru"],
]

# Two headers that both mean email.
AMBIGUOUS = [["Name", "Email", "E-mail Address"], ["Ann Smith", "ann@example.org", "ann.smith@example.org"]]

# A value under a column the header does not name.
UNNAMED = [["id", "name", "office", "", "language"], ["u1", "Ann Smith", "Minister", "call first", "en"]]


def write_xlsx(path: Path) -> None:
    """A list kept in Excel: a title and a note above the header, the embassy merged down two rows, a value
    right of the header's columns, and a Total row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Embassies"
    ws.append(["Embassies of Elbonia: urgent appeal, December"])
    ws.merge_cells("A1:F1")
    ws.append(["Check the addresses before printing"])
    ws.append([])
    ws.append(["ID", "Preferred Language", "Name", "Job Title", "Organisation", "Email"])
    ws.append(["emb-nairobi", "English", "Amani Mwangi", "Ambassador", "Embassy of the Republic of Elbonia",
               "embassy.nairobi@example.org"])  # fmt: skip
    ws.append(["emb-mombasa", "English", "Baraka Otieno", "Consul", None, None])
    ws.merge_cells("E5:E6")  # the embassy, typed once for both
    ws.append(["emb-dakar", "Français", "Awa Diop", "Ambassadrice", "Ambassade de la République d'Elbonie", None])
    ws.append([None, None, None, None, None, None, "stray note"])
    ws.append(["Total", None, None, None, None, 3])
    wb.save(path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "civicrm_contacts.csv").write_bytes(csv_text(CIVICRM).encode("utf-8"))
    (OUT / "action_network_activists.csv").write_bytes(csv_text(ACTION_NETWORK).encode("utf-8"))
    (OUT / "mailchimp_audience.csv").write_bytes(csv_text(MAILCHIMP).encode("utf-8"))
    (OUT / "salesforce_report.csv").write_bytes(csv_text(SALESFORCE, ";").encode("utf-8-sig"))
    (OUT / "supporters_cp1252.csv").write_bytes(csv_text(CP1252).encode("cp1252"))
    (OUT / "unicode_text.txt").write_bytes(csv_text(UTF16, "\t").encode("utf-16"))
    (OUT / "ambiguous_email.csv").write_bytes(csv_text(AMBIGUOUS).encode("utf-8"))
    (OUT / "unnamed_column.csv").write_bytes(csv_text(UNNAMED).encode("utf-8"))
    write_xlsx(OUT / "excel_embassies.xlsx")


if __name__ == "__main__":
    main()
