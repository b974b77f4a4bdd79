#!/usr/bin/env python3
"""A progress table in seed 001's shape with N indicators (default 2,000): 基本政策 coded g-b as
the seed's (under implied まちづくり目標) → 4 施策展開の方向 each → 施策 → rows of 事業番号 / 主な事業 /
事業指標 / 当初水準 / 令和2年度目標 / 令和2年度実績 / 所管課. Deterministic; values spread so that every
grade occurs. usage: synthetic_table.py [N]"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
per_measure = 20
measures = (n + per_measure - 1) // per_measure
out = []
header = "事業番号\t主な事業\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課"
done = 0
m = 0
for b in range(1, 6):
    out += ["", f"■基本政策{b}-{b} 合成の基本政策{b}", ""]
    for d in range(1, 5):
        out += [f"(施策展開の方向{b}-{b}-{d}) 合成の方向{b}-{d}", "", header, "-----\t" * 6 + "-----", ""]
        for _ in range((measures + 19) // 20):
            if done >= n:
                break
            m += 1
            out += [f"【施策{m:02d}】 合成施策{m:02d}", ""]
            for i in range(per_measure):
                if done >= n:
                    break
                target = 100 + (done * 7) % 400
                actual = target * (40 + (done * 37) % 90) // 100
                out.append(f"{m:02d}-{101 + i}\t合成事業{done + 1}\t合成指標{done + 1}\t{target // 2}人 (平成29年度)"
                           f"\t{target}人\t{actual}人\t合成課{(done % 40) + 1}")
                done += 1
            out.append("")
sys.stdout.write("\n".join(out) + "\n")
