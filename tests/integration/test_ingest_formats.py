"""Every delivery format and encoding lands as text exactly as delivered, Chinese intact."""

from __future__ import annotations

import json

import ingest
from govlake.registry import load_registry
from tests.lake_fixtures import csv_bytes, jsonl_bytes, make_batch, read_quarantined_rows, read_raw, xlsx_bytes

REG = load_registry()
BATCH = "2026-10-01"


def load(lake, landing, source_id, files):
    source = REG.sources[source_id]
    r = ingest.ingest_batch(source, make_batch(landing, source_id, BATCH, files), lake)
    return r, read_raw(lake, source_id, BATCH), read_quarantined_rows(lake, source_id, BATCH)


def values(rows, source_id):
    cols = REG.sources[source_id].column_names
    return [[row[c] for c in cols] for row in rows]


# -- CSV ------------------------------------------------------------------------------


def test_csv_gb18030_with_a_four_byte_character(lake, landing):
    src = REG.sources["rsj.social_insurance"]
    rows = [
        ["372330194405041969", "孙𠀀英", "120", "", "2", "", "20230122"],
        ["372324195709087103", "高洁娜", "110", "91371600MAT9WJ5A8M", "1", "21949.40", "20181107"],
    ]
    r, raw, q = load(lake, landing, src.id, {"sbcb_202610.csv": csv_bytes(list(src.headers), rows, encoding="gb18030")})
    assert r.status == "loaded" and q == []
    assert values(raw, src.id) == rows  # '' stays '', 21949.40 keeps its trailing zero


def test_csv_utf8_sig_with_quotes_commas_and_text_that_looks_null(lake, landing):
    src = REG.sources["xyzx.double_publicity"]
    row = [
        "滨税罚〔2026〕00010号",
        "行政处罚",
        "邹平市袁记汽车修理部",
        "个体工商户",
        "92371626MANAFFLQ78",
        "2026-06-04",
        "国家税务总局滨州市税务局",
        "11371600MB1664407T",
        "未按规定期限办理纳税申报,处以罚款",
        "NULL",
        "  ",
    ]
    r, raw, q = load(
        lake, landing, src.id, {"sgs_20261001.csv": csv_bytes(list(src.headers), [row], encoding="utf-8-sig")}
    )
    assert r.status == "loaded" and values(raw, src.id) == [row]
    assert r.file_results[0].bom is True


def test_csv_utf8_reordered_columns_land_in_registry_order(lake, landing):
    src = REG.sources["wjw.death_record"]
    headers = list(src.headers)[::-1]
    r, raw, q = load(
        lake,
        landing,
        src.id,
        {
            "swzm_20261001.csv": csv_bytes(
                headers, [["371602", "C16.9", "2023-03-22", "苏梅", "372322194309107980"]], newline="\n"
            )
        },
    )
    assert r.status == "loaded"
    assert values(raw, src.id) == [["372322194309107980", "苏梅", "2023-03-22", "C16.9", "371602"]]
    assert r.file_results[0].column_mapping == {h: src.headers[h] for h in headers}


def test_csv_with_only_a_header_is_a_valid_empty_delivery(lake, landing):
    src = REG.sources["wjw.death_record"]
    r, raw, q = load(lake, landing, src.id, {"swzm_20261001.csv": csv_bytes(list(src.headers), [])})
    assert (r.status, r.rows_read, raw, q) == ("loaded", 0, [], [])
    assert (r.partition / "part-00000.parquet").exists()  # the schema is there for readers


def test_an_empty_csv_has_no_header_and_is_rejected(lake, landing):
    r, raw, q = load(lake, landing, "wjw.death_record", {"swzm_20261001.csv": b""})
    assert r.status == "rejected" and "no header row" in r.messages[0]


# -- XLSX -----------------------------------------------------------------------------


def test_xlsx_named_sheet_stored_text_dates_as_serials(lake, landing):
    import datetime as dt

    src = REG.sources["mzj.subsistence_allowance"]
    header = list(src.headers)
    rows = [
        ["372330194405041969", "孙玲英", 3, 512.5, "2024-01-01", "在保", "371602"],
        [None, None, None, None, None, None, None],  # a blank row: not a record
        ["372324195709087103", "高洁娜", 1, 600, dt.datetime(2026, 8, 19), "停保", "371603"],
        ["372324195709087111", "𠀀", 2, 0.1, "2024-01-01", "在保", None, "extra"],
    ]
    book = xlsx_bytes(src.sheet, header, rows, other_sheets={"说明": [["这不是数据"]]}, date_columns=(4,))
    r, raw, q = load(lake, landing, src.id, {"dbdx_202610.xlsx": book})
    assert (r.status, r.rows_read, r.rows_written, r.rows_quarantined) == ("loaded", 3, 2, 1)
    assert values(raw, src.id) == [
        ["372330194405041969", "孙玲英", "3", "512.5", "2024-01-01", "在保", "371602"],
        ["372324195709087103", "高洁娜", "1", "600", "46253", "停保", "371603"],  # 2026-08-19 as its serial
    ]
    assert [x["_row_no"] for x in raw] == [1, 3]  # sheet row - header row: what Excel shows, minus one
    assert r.file_results[0].blank_rows_skipped == 1
    (bad,) = q
    assert (bad["reason"], bad["line"], bad["row_no"]) == ("too_many_fields", 5, 4)
    assert json.loads(bad["raw_text"])[-1] == "extra"


def test_xlsx_without_the_named_sheet_is_rejected(lake, landing):
    book = xlsx_bytes("Sheet1", ["a"], [["b"]])
    r, raw, q = load(lake, landing, "mzj.marriage_register", {"hydj_202610.xlsx": book})
    assert r.status == "rejected" and "sheet '婚姻登记' not found" in r.messages[0]


# -- JSON array -----------------------------------------------------------------------


def test_json_array_numbers_keep_their_text(lake, landing):
    src = REG.sources["swj.taxpayer"]
    text = (
        '[\n{"nsrsbh": "91371603437043994P", "nsrmc": "山东丰昌石油装备股份有限公司", "nsrzt": "非正常", '
        '"nsxydj": null, "pdnd": 2024},\n'
        '{"nsrsbh": "X", "nsrmc": 1.50, "nsrzt": "正常", "nsxydj": {"a": [1, 2.0]}, "pdnd": 3.14159265358979323846},\n'
        '{"nsrsbh": "Y", "nsrmc": "缺年度", "nsrzt": "正常", "nsxydj": "A"},\n'
        '{"nsrsbh": "Z", "nsrmc": "\\u6ee8\\u5dde", "nsrzt": "正常", "nsxydj": "A", "pdnd": 2025}\n]'
    )
    r, raw, q = load(lake, landing, src.id, {"nsr_202610.json": text.encode()})
    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 3, 1)
    assert values(raw, src.id) == [
        ["91371603437043994P", "山东丰昌石油装备股份有限公司", "非正常", None, "2024"],
        ["X", "1.50", "正常", '{"a":[1,2.0]}', "3.14159265358979323846"],
        ["Z", "滨州", "正常", "A", "2025"],
    ]
    assert [x["_row_no"] for x in raw] == [1, 2, 4]
    assert (q[0]["row_no"], q[0]["line"], q[0]["reason"]) == (3, 4, "fields_differ")
    assert "missing pdnd" in q[0]["detail"]


def test_malformed_json_array_is_rejected_with_its_position(lake, landing):
    r, raw, q = load(lake, landing, "swj.taxpayer", {"nsr_202610.json": b'[\n{"nsrsbh": "A",\n}\n]'})
    assert r.status == "rejected" and "line 3 column 1" in r.messages[0]


# -- JSON Lines -----------------------------------------------------------------------


def test_jsonl_lines_values_and_bad_lines(lake, landing):
    src = REG.sources["wjw.birth_certificate"]
    good = {
        "cszmbh": "Q461044896",
        "xm": None,
        "xb": "1",
        "csrq": "2026-09-27",
        "mqsfzh": "372324199201222288",
        "fqsfzh": None,
        "csdd": "博兴县人民医院",
        "xzqh": "371623",
        "qfrq": "2026-09-30",
    }
    odd = dict(good, cszmbh="P1", xm="邱𠀀", xb=1, csdd={"院": ["滨州", 1.50]}, xzqh=371623.0)
    lines = [good, "", "not json", odd, "[1, 2]", {k: v for k, v in good.items() if k != "qfrq"}]
    data = jsonl_bytes(lines) + b'{"cszmbh": "\xff"}\n'
    r, raw, q = load(lake, landing, src.id, {"cszm_20261001.jsonl": data})
    assert (r.status, r.rows_read, r.rows_written, r.rows_quarantined) == ("loaded", 6, 2, 4)
    assert [x["_row_no"] for x in raw] == [1, 4]  # the physical line
    assert raw[0]["child_name"] is None and raw[0]["mother_id_no"] == "372324199201222288"
    assert (raw[1]["child_name"], raw[1]["gender"], raw[1]["region_code"]) == ("邱𠀀", "1", "371623.0")
    assert raw[1]["birth_place"] == '{"院":["滨州",1.5]}'  # nested values: compact JSON text
    assert r.file_results[0].blank_rows_skipped == 1
    got = {x["line"]: x["reason"] for x in q}
    assert got == {3: "malformed_json", 5: "not_an_object", 6: "fields_differ", 7: "undecodable"}
    assert [bytes.fromhex(x["raw_hex"]) for x in q if x["reason"] == "undecodable"] == [b'{"cszmbh": "\xff"}']


def test_jsonl_whose_first_object_has_other_keys_is_rejected_whole(lake, landing):
    r, raw, q = load(lake, landing, "dsj.e_licence", {"dzzz_20261001.jsonl": jsonl_bytes([{"zzbs": "1", "extra": 2}])})
    assert r.status == "rejected" and "unexpected extra" in r.messages[0] and raw == []


def test_an_empty_jsonl_file_is_zero_records(lake, landing):
    r, raw, q = load(lake, landing, "dsj.e_licence", {"dzzz_20261001.jsonl": b""})
    assert (r.status, r.rows_read) == ("loaded", 0)


# -- GeoJSON --------------------------------------------------------------------------


def test_geojson_properties_plus_compact_geometry(lake, landing):
    src = REG.sources["zrzy.land_parcel"]
    ring = [[118.0186479, 37.2193923], [118.0184385, 37.2198275], [118.0177347, 37.2199967], [118.0186479, 37.2193923]]
    props = {"zddm": "371625013011JC24618", "tdyt": "0601", "mj": "MJ", "qlr": None, "qlrzjh": None, "xzqh": "371625"}
    feature = {"type": "Feature", "id": 7, "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
    doc = {
        "type": "FeatureCollection",
        "name": "宗地",
        "features": [
            feature,
            dict(feature, properties={**props, "qlr": "山东滨城"}),
            dict(feature, properties={k: v for k, v in props.items() if k != "mj"}),
        ],
    }
    text = json.dumps(doc, ensure_ascii=False).replace('"MJ"', "10874.080")
    r, raw, q = load(lake, landing, src.id, {"zd_2026Q4.geojson": text.encode()})
    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 2, 1)
    assert raw[0]["area_m2"] == "10874.080" and raw[0]["owner_name"] is None and raw[1]["owner_name"] == "山东滨城"
    assert raw[0]["geometry"] == json.dumps({"type": "Polygon", "coordinates": [ring]}, separators=(",", ":"))
    assert (q[0]["row_no"], q[0]["reason"]) == (3, "fields_differ")
    notes = r.file_results[0].notes
    assert 'collection member name: "宗地"' in notes and any("'id'" in n for n in notes)


def test_geojson_with_a_stray_element_and_spaces_inside_strings(lake, landing):
    src = REG.sources["zrzy.land_parcel"]
    props = '"zddm": "A", "tdyt": "0601", "mj": 1.50, "qlr": "滨 州", "qlrzjh": null, "xzqh": "371625"'
    text = (
        '{"features": [\n'
        '  {"type": "Feature", "properties": {' + props + "},\n"
        '   "geometry": {"type": "Point", "coordinates": [118.0, 37.20], "note": "a b"}},\n'
        "  42,\n"
        '  {"type": "Feature", "properties": {' + props + '}, "geometry": null}\n'
        '], "type": "FeatureCollection"}'
    )
    r, raw, q = load(lake, landing, src.id, {"zd_2026Q4.geojson": text.encode()})
    assert (r.status, r.rows_written, r.rows_quarantined) == ("loaded", 2, 1)
    assert raw[0]["area_m2"] == "1.50" and raw[0]["owner_name"] == "滨 州"
    assert raw[0]["geometry"] == '{"type":"Point","coordinates":[118.0,37.20],"note":"a b"}'
    assert raw[1]["geometry"] is None and [x["_row_no"] for x in raw] == [1, 3]
    assert (q[0]["reason"], q[0]["row_no"], q[0]["line"], q[0]["raw_text"]) == ("not_a_feature", 2, 4, "42")


def test_malformed_geojson_is_rejected_with_its_position(lake, landing):
    r, raw, q = load(
        lake,
        landing,
        "zrzy.land_parcel",
        {"zd_2026Q4.geojson": b'{"type": "FeatureCollection", "features": [\n{"type": }\n]}'},
    )
    assert r.status == "rejected" and "line 2 column 10" in r.messages[0]
