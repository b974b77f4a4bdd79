#include "demo/demo_survey.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sokei::survey::demo {
namespace {

namespace pb = ::sokei::survey::v1;

// splitmix64: the same sequence on every platform (std distributions are not portable).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  int Pick(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = Uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (u < weights[i]) return static_cast<int>(i);
      u -= weights[i];
    }
    return static_cast<int>(weights.size()) - 1;
  }
  double Normal() {  // Box–Muller
    const double u1 = std::max(Uniform(), 1e-12), u2 = Uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }

 private:
  uint64_t s_;
};

void AddCategories(pb::Attribute* a, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    auto* c = a->add_categories();
    c->set_code(absl::StrCat(i + 1));
    c->set_label(labels[i]);
  }
}

const std::vector<std::string> kAges = {"18〜29歳", "30〜39歳", "40〜49歳",
                                        "50〜59歳", "60〜69歳", "70歳以上"};
const std::vector<std::string> kDistricts = {"伊勢原", "大山", "高部屋", "比々多", "成瀬", "大田"};
const std::vector<std::string> kYears = {"5年未満", "5〜10年未満", "10〜20年未満", "20年以上"};
// 住民基本台帳 (18歳以上, rounded): the weighting margins.
const std::vector<int64_t> kSexPop = {42300, 42700};
const std::vector<int64_t> kAgePop = {12000, 11500, 14500, 14000, 12000, 21000};
const std::vector<int64_t> kDistrictPop = {38000, 1700, 9000, 12000, 15000, 9300};
// Who answers a postal survey: older people and women more often.
const std::vector<double> kAgeResponse = {0.55, 0.7, 0.85, 1.0, 1.25, 1.45};
const std::vector<double> kSexResponse = {0.85, 1.15};

void Option(pb::Question* q, const std::string& code, const std::string& label, bool scored,
            double score, pb::Polarity polarity) {
  auto* o = q->add_options();
  o->set_code(code);
  o->set_label(label);
  o->set_scored(scored);
  o->set_score(score);
  o->set_polarity(polarity);
}

void FivePoint(pb::Question* q, const char* const labels[5]) {
  const double scores[5] = {2, 1, 0, -1, -2};
  const pb::Polarity pol[5] = {pb::POLARITY_POSITIVE, pb::POLARITY_POSITIVE, pb::POLARITY_NEUTRAL,
                               pb::POLARITY_NEGATIVE, pb::POLARITY_NEGATIVE};
  for (int i = 0; i < 5; ++i) Option(q, absl::StrCat(i + 1), labels[i], true, scores[i], pol[i]);
  Option(q, "6", "わからない", false, 0, pb::POLARITY_EXCLUDED);
}

// A 5-point answer around a latent mean on +2…−2; わからない and 無回答 now and then.
std::string Likert(Rng& rng, double mean, double dont_know) {
  const double u = rng.Uniform();
  if (u < 0.03) return "";
  if (u < 0.03 + dont_know) return "6";
  const double x = mean + 0.9 * rng.Normal();
  const int score = static_cast<int>(std::lround(std::clamp(x, -2.0, 2.0)));
  return absl::StrCat(3 - score);  // +2 → 1 … −2 → 5
}

std::string Cell(const std::string& s) {
  return s.find(',') == std::string::npos ? s : "\"" + s + "\"";
}

}  // namespace

const std::vector<std::string>& PolicyAreas() {
  static const auto* areas = new std::vector<std::string>{"防災",
                                                          "消防・救急",
                                                          "防犯・消費生活",
                                                          "交通安全",
                                                          "地域福祉",
                                                          "高齢者福祉",
                                                          "障がい者福祉",
                                                          "健康づくり",
                                                          "地域医療",
                                                          "運動・スポーツ",
                                                          "子育て支援",
                                                          "幼児教育・保育",
                                                          "若者・青少年",
                                                          "学校教育",
                                                          "教育環境整備",
                                                          "生涯学習",
                                                          "歴史文化",
                                                          "商工業",
                                                          "観光",
                                                          "農林業",
                                                          "地球・生活環境",
                                                          "循環型社会",
                                                          "新たな土地利用",
                                                          "都市整備",
                                                          "道路",
                                                          "公園・緑化",
                                                          "河川・下水道",
                                                          "住宅",
                                                          "景観",
                                                          "公共交通",
                                                          "コミュニティ・市民協働",
                                                          "人権・男女共同参画",
                                                          "平和・多文化共生",
                                                          "広報・シティプロモーション",
                                                          "行財政運営",
                                                          "公共施設マネジメント",
                                                          "ICTの利活用"};
  return *areas;
}

DemoSurvey MakeIseharaSurvey(const DemoOptions& opt) {
  DemoSurvey out;
  pb::Survey& s = out.survey;
  s.set_display_name(absl::StrCat("伊勢原市 市民意識調査（", opt.fiscal_year, "年度）"));
  s.set_kind(pb::SURVEY_KIND_CITIZEN_AWARENESS);
  s.set_fiscal_year(opt.fiscal_year);
  s.set_wave(opt.wave);
  s.set_sampling_frame(pb::SAMPLING_FRAME_STRATIFIED);
  s.set_population_size(85000);
  s.set_sample_size(opt.respondents * 2);
  s.set_delivered(opt.respondents * 2 - std::min(23, opt.respondents / 50));
  s.set_mode("郵送・Web併用");
  s.set_field_start(absl::StrCat(opt.fiscal_year, "-06-01"));
  s.set_field_end(absl::StrCat(opt.fiscal_year, "-06-30"));
  s.set_status(pb::SURVEY_STATUS_CLOSED);
  s.set_respondent_id_column("整理番号");
  auto* sex = s.add_attributes();
  sex->set_id("sex");
  sex->set_display_name("性別");
  AddCategories(sex, {"男性", "女性"});
  auto* age = s.add_attributes();
  age->set_id("age");
  age->set_display_name("年代");
  AddCategories(age, kAges);
  auto* district = s.add_attributes();
  district->set_id("district");
  district->set_display_name("地区");
  AddCategories(district, kDistricts);
  auto* years = s.add_attributes();
  years->set_id("years");
  years->set_display_name("居住年数");
  AddCategories(years, kYears);
  for (const auto& dims : std::vector<std::vector<std::string>>{
           {"sex"}, {"age"}, {"district"}, {"years"}, {"sex", "age"}, {"district", "age"}}) {
    auto* d = s.add_tabulation_dimensions();
    for (const auto& a : dims) d->add_attributes(a);
  }
  auto* w = s.mutable_weighting();
  w->set_method(pb::WEIGHTING_METHOD_RAKING);
  for (const auto& [attr, pop] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
           {"sex", kSexPop}, {"age", kAgePop}, {"district", kDistrictPop}}) {
    w->add_attributes(attr);
    auto* m = w->add_margins();
    m->set_attribute(attr);
    for (size_t i = 0; i < pop.size(); ++i) (*m->mutable_counts())[absl::StrCat(i + 1)] = pop[i];
  }
  w->set_trim_min(0.3);
  w->set_trim_max(3.0);
  s.mutable_disclosure()->set_min_cell_count(10);
  auto* layout = s.mutable_cs_layout();
  layout->set_orientation(pb::CS_AXIS_SATISFACTION_X);
  layout->set_label_high_importance_low_satisfaction("重点改善分野");
  layout->set_label_high_importance_high_satisfaction("重点維持分野");
  layout->set_label_low_importance_low_satisfaction("改善分野");
  layout->set_label_low_importance_high_satisfaction("維持分野");

  int position = 0;
  auto add_question = [&](const std::string& id) {
    auto& req = out.questions.emplace_back();
    req.set_question_id(id);
    req.mutable_question()->set_position(++position);
    return req.mutable_question();
  };
  pb::Question* q1 = add_question("settle");
  q1->set_number("問1");
  q1->set_text("あなたは、これからも伊勢原市に住み続けたいと思いますか。");
  q1->set_type(pb::QUESTION_TYPE_SINGLE);
  Option(q1, "1", "住み続けたい", false, 0, pb::POLARITY_POSITIVE);
  Option(q1, "2", "どちらかといえば住み続けたい", false, 0, pb::POLARITY_POSITIVE);
  Option(q1, "3", "どちらかといえば転出したい", false, 0, pb::POLARITY_NEGATIVE);
  Option(q1, "4", "転出したい", false, 0, pb::POLARITY_NEGATIVE);
  Option(q1, "5", "わからない", false, 0, pb::POLARITY_EXCLUDED);
  pb::Question* q2 = add_question("consult");
  q2->set_number("問2");
  q2->set_text("困りごとがある時に相談できる人や場所がありますか。");
  q2->set_type(pb::QUESTION_TYPE_SINGLE);
  Option(q2, "1", "ある", false, 0, pb::POLARITY_POSITIVE);
  Option(q2, "2", "ない", false, 0, pb::POLARITY_NEGATIVE);
  Option(q2, "3", "わからない", false, 0, pb::POLARITY_EXCLUDED);
  if (!opt.consult_indicator.empty()) {
    auto* link = q2->add_kpi_links();
    link->set_indicator(opt.consult_indicator);
    link->set_measure(pb::KPI_MEASURE_OPTION_SHARE);
    link->set_option_code("1");
  }
  pb::Question* q3 = add_question("channels");
  q3->set_number("問3");
  q3->set_text("市政情報を主にどこから得ていますか（3つまで）。");
  q3->set_type(pb::QUESTION_TYPE_MULTIPLE);
  q3->set_max_choices(3);
  for (const char* label :
       {"広報いせはら", "市ホームページ", "SNS", "自治会の回覧", "新聞・テレビ", "その他"}) {
    Option(q3, absl::StrCat(q3->options_size() + 1), label, false, 0, pb::POLARITY_UNSPECIFIED);
  }
  static const char* const kSat[5] = {"満足", "やや満足", "どちらともいえない", "やや不満", "不満"};
  static const char* const kImp[5] = {"重要", "やや重要", "どちらともいえない", "あまり重要でない",
                                      "重要でない"};
  const auto& areas = PolicyAreas();
  for (size_t i = 0; i < areas.size(); ++i) {
    const std::string code = absl::StrFormat("%02d", i + 1);
    const std::string node = absl::StrCat(opt.plan, "/nodes/f", code);
    pb::Question* sat = add_question(absl::StrCat("sat-", code));
    sat->set_number(absl::StrCat("問4(", code, ")"));
    sat->set_text(absl::StrCat("「", areas[i], "」の満足度"));
    sat->set_type(pb::QUESTION_TYPE_LIKERT);
    FivePoint(sat, kSat);
    auto* ls = sat->add_node_links();
    ls->set_node(node);
    ls->set_role(pb::LINK_ROLE_SATISFACTION);
    ls->set_display_name(areas[i]);
    ls->set_code(code);
  }
  for (size_t i = 0; i < areas.size(); ++i) {
    const std::string code = absl::StrFormat("%02d", i + 1);
    const std::string node = absl::StrCat(opt.plan, "/nodes/f", code);
    pb::Question* imp = add_question(absl::StrCat("imp-", code));
    imp->set_number(absl::StrCat("問5(", code, ")"));
    imp->set_text(absl::StrCat("「", areas[i], "」の重要度"));
    imp->set_type(pb::QUESTION_TYPE_LIKERT);
    FivePoint(imp, kImp);
    auto* li = imp->add_node_links();
    li->set_node(node);
    li->set_role(pb::LINK_ROLE_IMPORTANCE);
    li->set_display_name(areas[i]);
    li->set_code(code);
  }

  // The latent means per 分野 depend only on the plan seed (the same across waves).
  Rng area_rng(42);
  std::vector<double> sat_mean, imp_mean, dont_know;
  for (size_t i = 0; i < areas.size(); ++i) {
    sat_mean.push_back(-0.5 + 1.1 * area_rng.Uniform());
    imp_mean.push_back(0.2 + 1.3 * area_rng.Uniform());
    dont_know.push_back(0.03 + 0.15 * area_rng.Uniform());
  }

  std::string& csv = out.csv;
  csv = "整理番号,性別,年代,地区,居住年数,問1,問2,問3";
  for (size_t i = 0; i < areas.size(); ++i)
    absl::StrAppend(&csv, ",問4(", absl::StrFormat("%02d", i + 1), ")");
  for (size_t i = 0; i < areas.size(); ++i)
    absl::StrAppend(&csv, ",問5(", absl::StrFormat("%02d", i + 1), ")");
  csv += "\n";
  Rng rng(opt.seed);
  std::vector<double> age_w, district_w, sex_w;
  for (size_t i = 0; i < kAgePop.size(); ++i) age_w.push_back(kAgePop[i] * kAgeResponse[i]);
  for (size_t i = 0; i < kSexPop.size(); ++i) sex_w.push_back(kSexPop[i] * kSexResponse[i]);
  for (int64_t p : kDistrictPop) district_w.push_back(static_cast<double>(p));
  for (int r = 0; r < opt.respondents; ++r) {
    const int a = rng.Pick(age_w);
    const int sx = rng.Pick(sex_w);
    const int d = rng.Pick(district_w);
    const int y = rng.Pick({a == 0 ? 3.0 : 1.0, 1.0, 1.5, a >= 3 ? 5.0 : 2.0});
    absl::StrAppend(&csv, absl::StrFormat("%05d", r + 1), ",",
                    rng.Uniform() < 0.02 ? "" : absl::StrCat(sx + 1), ",",
                    rng.Uniform() < 0.01 ? "" : absl::StrCat(a + 1), ",", d + 1, ",", y + 1);
    // 問1: older and longer-resident people want to stay more.
    const double stay = 0.5 + 0.08 * a + 0.1 * y;
    absl::StrAppend(
        &csv, ",",
        rng.Uniform() < 0.02 ? "" : absl::StrCat(rng.Pick({stay, 1.0, 0.25, 0.1, 0.15}) + 1));
    // 問2: about 70% can consult someone; fewer among the young.
    absl::StrAppend(&csv, ",", absl::StrCat(rng.Pick({a == 0 ? 2.0 : 2.6, 1.0, 0.2}) + 1));
    // 問3: up to three channels; a few tick four (counted as 無回答 with a warning).
    std::vector<std::string> picked;
    for (int c = 0; c < 6; ++c) {
      const double p = c == 0 ? 0.6 - 0.05 * (5 - a) : c == 2 ? 0.12 * (6 - a) : 0.22;
      if (rng.Uniform() < p) picked.push_back(absl::StrCat(c + 1));
    }
    if (picked.size() > 3 && rng.Uniform() < 0.8) picked.resize(3);
    std::string multi;
    for (size_t i = 0; i < picked.size(); ++i) absl::StrAppend(&multi, i ? "," : "", picked[i]);
    absl::StrAppend(&csv, ",", Cell(multi));
    const double mood = 0.3 * rng.Normal();  // some people are happier with everything
    for (size_t i = 0; i < areas.size(); ++i) {
      const double age_effect = (i == 10 || i == 11) ? (a <= 2 ? -0.3 : 0.1) : 0.03 * (a - 2);
      absl::StrAppend(
          &csv, ",",
          Likert(rng, sat_mean[i] + mood + age_effect + opt.satisfaction_shift, dont_know[i]));
    }
    for (size_t i = 0; i < areas.size(); ++i) {
      absl::StrAppend(&csv, ",", Likert(rng, imp_mean[i] + 0.1 * (a >= 4), dont_know[i] / 2));
    }
    csv += "\n";
  }
  return out;
}

stats::Dataset MakeBenchDataset(size_t n, int questions, uint64_t seed) {
  stats::Dataset d;
  d.n = n;
  d.attribute_sizes = {2, 6, 6};
  d.attributes.assign(3, std::vector<uint8_t>(n));
  Rng rng(seed);
  std::vector<double> age_w, district_w;
  for (size_t i = 0; i < kAgePop.size(); ++i) age_w.push_back(kAgePop[i] * kAgeResponse[i]);
  for (int64_t p : kDistrictPop) district_w.push_back(static_cast<double>(p));
  for (size_t i = 0; i < n; ++i) {
    d.attributes[0][i] = static_cast<uint8_t>(rng.Uniform() < 0.54);
    d.attributes[1][i] = static_cast<uint8_t>(rng.Pick(age_w));
    d.attributes[2][i] = static_cast<uint8_t>(rng.Pick(district_w));
  }
  for (int q = 0; q < questions; ++q) {
    stats::Column c;
    c.type = stats::ColumnType::kChoice;
    c.options = {{true, 2, stats::Polarity::kPositive},  {true, 1, stats::Polarity::kPositive},
                 {true, 0, stats::Polarity::kNeutral},   {true, -1, stats::Polarity::kNegative},
                 {true, -2, stats::Polarity::kNegative}, {false, 0, stats::Polarity::kExcluded}};
    c.codes.resize(n);
    const double mean = -0.5 + (q % 10) * 0.12;
    for (size_t i = 0; i < n; ++i) {
      const std::string a = Likert(rng, mean, 0.05);
      c.codes[i] = a.empty() ? stats::kMissing : static_cast<uint8_t>(a[0] - '1');
    }
    d.columns.push_back(std::move(c));
  }
  return d;
}

}  // namespace sokei::survey::demo
