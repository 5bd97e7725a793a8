#!/usr/bin/env python3
"""Writes data/reference/gan_iryoken_2024.csv: the がん医療圏 of April 2024 as an area set of the
`areas` dataset, each がん医療圏 made of 構想区域 (R6 codes) or, where it splits one, of
municipalities (names as the hospital master writes them).

Sources: data/reference/area_basic.csv (R6 構想区域, 2020 population) and
data/reference/published/gan_iryoken_7pref.csv (what is known of the 7 prefectures where がん医療圏
differ from 二次医療圏). The ministry counts 336 がん医療圏 in April 2024 (published/SOURCES.txt S1);
this file has 336. Run: python3 scripts/gan_iryoken.py (stdlib only).
"""

import csv
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SET = "がん医療圏2024"
SAME = "がん医療圏 = 二次医療圏 = 構想区域（厚生労働省 2024-12-23 資料: 40 都道府県で二次医療圏と同じ）; 確度 高"

# prefecture code -> [(code, name, parts, note)]; parts are 構想区域 codes or municipality names.
DIFFERENT = {
    "05": None,  # 秋田: がん医療圏 keep the 8 old areas, which are its 8 構想区域 (medium: newspaper report)
    "17": [
        ("1701", "南加賀", ["1701"], "石川: 確度 低（推定: 金沢医科大学病院が能登中部・能登北部の担当）"),
        ("1702", "石川中央", ["1702"], "石川: 確度 低（推定）"),
        ("1791", "能登", ["1703", "1704"], "石川: 能登中部 + 能登北部; 確度 低（推定）"),
    ],
    "24": None,  # 三重: 8 がん医療圏 = 8 構想区域 (high)
    "28": None,  # 兵庫: April 2024 taken as its 8 構想区域 (the 10-area map is of 2026; 336 holds only with 8)
    "30": [
        ("3091", "和歌山・有田", ["3001", "3004"], "和歌山: 第八次保健医療計画で有田を和歌山に統合; 確度 高"),
        ("3002", "那賀", ["3002"], "和歌山: 確度 高"),
        ("3003", "橋本", ["3003"], "和歌山: 確度 高"),
        ("3005", "御坊", ["3005"], "和歌山: 確度 高"),
        ("3006", "田辺", ["3006"], "和歌山: 確度 高"),
        ("3007", "新宮", ["3007"], "和歌山: 確度 高"),
    ],
    "37": [
        ("3791", "大川", ["さぬき市", "東かがわ市"], "香川: 2018 年以前の二次医療圏（東部を分割）; 確度 高（構成市町は旧二次医療圏）"),
        ("3702", "小豆", ["3702"], "香川: 確度 高"),
        ("3792", "高松", ["高松市", "三木町", "直島町"], "香川: 旧二次医療圏（東部を分割）; 確度 高（構成市町は旧二次医療圏）"),
        ("3793", "中讃", ["丸亀市", "坂出市", "善通寺市", "宇多津町", "綾川町", "琴平町", "多度津町", "まんのう町"],
         "香川: 旧二次医療圏（西部を分割）; 確度 高（構成市町は旧二次医療圏）"),
        ("3794", "西讃", ["観音寺市", "三豊市"], "香川: 旧三豊（西部を分割）; 確度 高（構成市町は旧二次医療圏）"),
    ],
    "45": [
        ("4591", "県北", ["4503", "4507"], "宮崎: 延岡西臼杵 + 日向入郷; 4 がん医療圏は確度 高、構成は推定（確度 中）"),
        ("4592", "県央", ["4501", "4506"], "宮崎: 宮崎東諸県 + 西都児湯; 構成は推定（確度 中）"),
        ("4593", "県西", ["4502", "4505"], "宮崎: 都城北諸県 + 西諸; 構成は推定（確度 中）"),
        ("4594", "県南", ["4504"], "宮崎: 日南串間; 構成は推定（確度 中）"),
    ],
}
SAME_NOTES = {
    "05": "秋田: 二次医療圏は 2024 年から 3 だが、がんは従来の 8 区域（= 構想区域）; 確度 中（報道）",
    "24": "三重: 8 がん医療圏 = 8 構想区域（二次医療圏 4 を分割）; 確度 高",
    "28": "兵庫: 2024 年 4 月は 8 構想区域とした（2026 年の推薦資料の 10 区域とは異なる。336 はこの場合に合う）; 確度 中",
}


def main():
    areas = {}
    with open(ROOT / "data/reference/area_basic.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["published_fy"] == "R6":
                areas[r["area_code"]] = r
    rows = []
    for code, a in sorted(areas.items()):
        pref = a["pref_code"]
        if DIFFERENT.get(pref):
            continue
        rows.append([SET, pref, code, a["area_name"], a["population_2020"], a["area_2020_km2"], code,
                     SAME_NOTES.get(pref, SAME)])
    for pref, defs in DIFFERENT.items():
        for code, name, parts, note in defs or []:
            whole = all(p in areas for p in parts)
            pop = sum(int(areas[p]["population_2020"]) for p in parts) if whole else ""
            km2 = round(sum(float(areas[p]["area_2020_km2"]) for p in parts), 2) if whole else ""
            if not whole:
                note += "; 人口・面積は市町村別の値がないため空欄"
            rows.append([SET, pref, code, name, pop, km2, ";".join(parts), note])
    rows.sort(key=lambda r: r[2])
    assert len(rows) == 336, len(rows)
    out = ROOT / "data/reference/gan_iryoken_2024.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["区域年度", "都道府県コード", "構想区域コード", "構想区域名", "人口2020", "面積", "構成区域", "注記"])
        w.writerows(rows)
    print(f"wrote {out} ({len(rows)} がん医療圏)")


if __name__ == "__main__":
    main()
