#include "services/kpi/import/direction.h"

#include "absl/strings/str_cat.h"
#include "common/jp/text.h"

namespace sokei::kpi {
namespace {

// Words that make a quantity something to reduce. Checked before the increase words: 事故件数 is
// a count of accidents, 削減量 an amount saved (increase) is rare enough to confirm by hand.
constexpr const char* kDown[] = {
    "削減", "減少", "抑制", "低減", "縮減", "事故", "犯罪", "刑法犯", "被害", "死亡", "死者", "待機児童",
    "不登校", "滞納", "未納", "未利用", "空き家", "放置", "不法投棄", "ごみ排出", "ごみの排出",
    "排出量", "温室効果ガス", "CO2", "二酸化炭素", "離職", "苦情", "違反", "火災", "救急搬送",
    "感染", "孤立", "虐待", "待ち時間", "待機時間", "渋滞", "ひきこもり", "自殺", "貧困率",
    "失業", "負担率", "経常収支比率", "公債費比率", "将来負担比率", "実質公債費", "欠損",
    "未収", "残業", "時間外勤務", "浸水", "倒壊", "要介護", "肥満", "喫煙", "耕作放棄",
};
// Words that turn a bad thing into the work against it, counted up: 虐待防止研修会の参加者数,
// 浸水対策整備済み地区数, 延べ床面積の削減量.
constexpr const char* kAgainst[] = {"防止", "対策", "予防", "啓発", "削減量", "削減効果", "解消数"};
// Words that make it something to raise.
constexpr const char* kUp[] = {
    "受入", "寄附", "参加", "利用", "加入", "登録", "満足", "受診", "接種", "実施", "設置",
    "整備", "開催", "件数", "人数", "者数", "回数", "箇所", "達成", "普及", "認知", "協働",
    "来訪", "観光", "入込", "交流", "就業", "就職", "定住", "移住", "出生", "貸出", "収入",
    "収納率", "徴収率", "耐震化", "保有", "カバー率", "率",
};

}  // namespace

DirectionGuess InferDirection(const std::string& name, std::optional<double> baseline,
                              std::optional<double> target) {
  const std::string n = jp::Nfkc(name);
  const char* down_word = nullptr;
  const char* up_word = nullptr;
  bool against = false;
  for (const char* w : kAgainst) against = against || n.find(w) != std::string::npos;
  for (const char* w : kDown) {
    if (!against && n.find(w) != std::string::npos) {
      down_word = w;
      break;
    }
  }
  for (const char* w : kUp) {
    if (!down_word && n.find(w) != std::string::npos) {
      up_word = w;
      break;
    }
  }
  std::optional<v1::Direction> by_values;
  if (baseline && target) {
    by_values = *target > *baseline   ? v1::DIRECTION_INCREASE
                : *target < *baseline ? v1::DIRECTION_DECREASE
                                      : v1::DIRECTION_MAINTAIN;
  }
  DirectionGuess g;
  const char* word = down_word ? down_word : up_word;
  if (word) {
    g.direction = down_word ? v1::DIRECTION_DECREASE : v1::DIRECTION_INCREASE;
    const std::string name_says =
        absl::StrCat("指標名の「", word, "」から", down_word ? "減らす" : "増やす", "指標と判断");
    if (!by_values || *by_values == g.direction || *by_values == v1::DIRECTION_MAINTAIN) {
      g.source = v1::DIRECTION_SOURCE_NAME;
      g.evidence = name_says;
      if (by_values == v1::DIRECTION_MAINTAIN) {
        // Target = baseline: keeping the level is what is asked.
        g.direction = v1::DIRECTION_MAINTAIN;
        g.evidence = "目標値が基準値と同じ: 現状維持の指標と判断";
      }
    } else {
      g.source = v1::DIRECTION_SOURCE_DOUBTFUL;
      g.evidence = absl::StrCat(name_says, "。ただし目標値が基準値より",
                                *by_values == v1::DIRECTION_DECREASE ? "低い" : "高い",
                                "ため、方向の確認が必要（確認まで評価は暫定）");
    }
    return g;
  }
  if (by_values) {
    g.direction = *by_values;
    g.source = v1::DIRECTION_SOURCE_VALUES;
    g.evidence = *by_values == v1::DIRECTION_DECREASE   ? "目標値が基準値より低い: 減らす指標と判断"
                 : *by_values == v1::DIRECTION_MAINTAIN ? "目標値が基準値と同じ: 現状維持の指標と判断"
                                                        : "目標値が基準値より高い: 増やす指標と判断";
    return g;
  }
  // No words and no two numbers: a milestone or a text target, graded by its steps, where the
  // direction plays no part.
  g.direction = v1::DIRECTION_INCREASE;
  g.evidence = "数値の基準値と目標値がなく、方向は評価に使われない";
  return g;
}

}  // namespace sokei::kpi
