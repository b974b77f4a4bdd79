#!/usr/bin/env python3
"""Writes isehara-5th-sample-costs-fy2020.tsv: a SAMPLE budget / settlement table (made-up
amounts, deterministic) for the 109 事業 of seed 001, shaped as a 財務会計システム exports it, so
the demo's 事業 carry costs that go through the real importer (ImportCostTable). These are not
Isehara's figures. usage: make_sample_costs.py > isehara-5th-sample-costs-fy2020.tsv"""
import hashlib
import pathlib
import re

seed = pathlib.Path(__file__).with_name("isehara-5th-progress-table-fy2020.tsv")
projects = []
for line in seed.read_text(encoding="utf-8").splitlines():
    cells = line.split("\t")
    if re.fullmatch(r"\d\d-\d\d\d", cells[0]) and cells[0] not in dict(projects):
        projects.append((cells[0], cells[1]))


def draw(code, salt, lo, hi):
    h = int(hashlib.sha256(f"{code}/{salt}".encode()).hexdigest(), 16)
    return lo + h % (hi - lo + 1)


print("※サンプル（架空の数値）: Sokei のデモ用に作った予算・決算表です。伊勢原市の実際の予算・決算ではありません。")
print("令和2年度 事業別予算・決算一覧（単位：千円）")
print("\t".join(["予算事業コード", "事業番号", "事業名", "当初予算", "補正予算（第1号）", "補正予算（第2号）",
                 "予算現額", "決算額", "翌年度繰越額", "国庫支出金", "県支出金", "地方債", "その他特定財源",
                 "一般財源", "人工"]))
for code, title in projects:
    initial = draw(code, "initial", 800, 60000)
    supp1 = draw(code, "s1", -500, 3000) if draw(code, "has1", 0, 3) == 0 else 0
    supp2 = draw(code, "s2", 0, 1500) if draw(code, "has2", 0, 7) == 0 else 0
    current = initial + supp1 + supp2
    carried = current * draw(code, "carry", 0, 10) // 100 if draw(code, "hascarry", 0, 9) == 0 else 0
    settled = (current - carried) * draw(code, "rate", 82, 99) // 100
    national = settled * draw(code, "nat", 0, 40) // 100
    prefectural = settled * draw(code, "pref", 0, 20) // 100
    bonds = settled * draw(code, "bond", 0, 30) // 100 if draw(code, "hasbond", 0, 9) == 0 else 0
    other = settled * draw(code, "other", 0, 10) // 100
    general = settled - national - prefectural - bonds - other
    fte = draw(code, "fte", 3, 30) / 10

    def k(v):
        return f"{v:,}" if v >= 0 else f"△{-v:,}"

    print("\t".join([f"0{code[:2]}-{code[3:]}0", code, title, k(initial), k(supp1) if supp1 else "",
                     k(supp2) if supp2 else "", k(current), k(settled), k(carried), k(national),
                     k(prefectural), k(bonds), k(other), k(general), f"{fte:.1f}"]))
