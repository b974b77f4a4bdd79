#include "services/survey/domain/published_stats.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "common/jp/text.h"

namespace sokei::survey {

namespace pb = ::sokei::survey::v1;

std::vector<stats::OptionMeta> OptionMetaOf(const pb::Question& q) {
  std::vector<stats::OptionMeta> out;
  for (const auto& o : q.options()) {
    stats::OptionMeta m;
    m.scored = o.scored();
    m.score = o.score();
    m.polarity = o.polarity() == pb::POLARITY_POSITIVE   ? stats::Polarity::kPositive
                 : o.polarity() == pb::POLARITY_NEGATIVE ? stats::Polarity::kNegative
                 : o.polarity() == pb::POLARITY_NEUTRAL  ? stats::Polarity::kNeutral
                 : o.polarity() == pb::POLARITY_EXCLUDED ? stats::Polarity::kExcluded
                                                         : stats::Polarity::kNone;
    out.push_back(m);
  }
  return out;
}

namespace {

// The printed percent of each option (0 where the table leaves it out).
std::vector<double> Percents(const pb::Question& q) {
  std::vector<double> out(q.options_size(), 0.0);
  for (const auto& s : q.published().shares()) {
    for (int o = 0; o < q.options_size(); ++o) {
      if (jp::Nfkc(q.options(o).code()) == jp::Nfkc(s.code())) out[o] = s.percent();
    }
  }
  return out;
}

}  // namespace

// The printed percentages are of everyone who was asked when they include 無回答 and the like
// (they then add up to about 100 with them), else of the base: either way a count is
// percent / (the sum printed) × n, and the base is n less the excluded options' counts.
stats::Distribution PublishedDistribution(const pb::Question& q) {
  const pb::PublishedResult& r = q.published();
  stats::Distribution d;
  const std::vector<double> pct = Percents(q);
  const auto meta = OptionMetaOf(q);
  double in_base = 0, all = 0;
  for (size_t o = 0; o < pct.size(); ++o) {
    all += pct[o];
    if (meta[o].in_base()) in_base += pct[o];
  }
  // Weights in the units of n (100 when the report prints no n): shares come out as printed.
  const double scale = r.n() > 0 ? static_cast<double>(r.n()) : 100.0;
  d.counts.assign(pct.size(), 0);
  d.weighted.assign(pct.size(), 0);
  double scored_share = 0, score_sum = 0;
  for (size_t o = 0; o < pct.size() && all > 0; ++o) {
    d.weighted[o] = pct[o] / all * scale;
    d.counts[o] = static_cast<int64_t>(std::llround(pct[o] / all * static_cast<double>(r.n())));
    if (!meta[o].in_base() || in_base <= 0) continue;
    const double share = pct[o] / in_base;  // of the base
    if (meta[o].polarity == stats::Polarity::kPositive) d.positive += share;
    if (meta[o].polarity == stats::Polarity::kNegative) d.negative += share;
    if (meta[o].scored) {
      scored_share += share;
      score_sum += share * meta[o].score;
    }
  }
  // The base from the printed shares, not the sum of rounded counts; means alone: n is the base.
  d.base = all > 0 ? std::llround(in_base / all * static_cast<double>(r.n())) : r.n();
  d.answered = r.n();
  d.weighted_base = all > 0 ? in_base / all * scale : 0;
  d.weighted_answered = all > 0 ? scale : 0;
  // No weights: the effective base (weighted_base² / Σw²) is the base.
  d.sum_w2 = d.base > 0 ? d.weighted_base * d.weighted_base / static_cast<double>(d.base) : 0;
  if (r.has_mean()) {
    d.has_mean = true;
    d.mean = r.mean_score();
  } else if (scored_share > 0) {
    d.has_mean = true;
    d.mean = score_sum / scored_share;
  }
  return d;
}

std::optional<double> PublishedMeanStandardError(const pb::Question& q) {
  if (q.published().n() <= 1 || q.published().shares().empty()) return std::nullopt;
  const stats::Distribution d = PublishedDistribution(q);
  if (!d.has_mean) return std::nullopt;
  const auto meta = OptionMetaOf(q);
  const std::vector<double> pct = Percents(q);
  double total = 0, var = 0;
  for (size_t o = 0; o < pct.size(); ++o) {
    if (meta[o].scored) total += pct[o];
  }
  if (total <= 0) return std::nullopt;
  for (size_t o = 0; o < pct.size(); ++o) {
    if (!meta[o].scored) continue;
    const double dev = meta[o].score - d.mean;
    var += pct[o] / total * dev * dev;
  }
  const double n = static_cast<double>(d.base);
  if (n <= 1) return std::nullopt;
  return std::sqrt(var * n / (n - 1)) / std::sqrt(n);
}

pb::QuestionStats PublishedQuestionStats(const pb::Survey& s, const pb::Question& q) {
  auto round1 = [](double x) { return std::round(x * 10) / 10; };
  const pb::PublishedResult& r = q.published();
  const stats::Distribution d = PublishedDistribution(q);
  const auto meta = OptionMetaOf(q);
  pb::QuestionStats out;
  out.set_question(q.name());
  out.set_number(q.number());
  out.set_text(q.text());
  out.set_published(true);
  out.set_respondents(r.n());
  out.set_answered(r.n());
  out.set_base(d.base);
  out.set_weighted_base(static_cast<double>(d.base));
  out.set_effective_base(static_cast<double>(d.base));
  out.set_data_version(s.data_version());
  for (int o = 0; o < q.options_size(); ++o) {
    auto* os = out.add_options();
    os->set_code(q.options(o).code());
    os->set_label(q.options(o).label());
    os->set_in_base(meta[o].in_base());
    os->set_count(d.counts[o]);
    os->set_weighted(d.weighted[o]);
    std::string raw;
    for (const auto& sh : r.shares()) {
      if (sh.code() == q.options(o).code()) {
        os->set_percent(sh.percent());
        raw = sh.raw();
      }
    }
    os->set_display(raw.empty() ? "-" : absl::StrFormat("%.1f", os->percent()));
  }
  out.set_has_mean(d.has_mean);
  if (d.has_mean) out.set_mean_score(std::round(d.mean * 100) / 100);
  if (q.type() == pb::QUESTION_TYPE_NUMERIC && d.has_mean) out.set_numeric_mean(d.mean);
  if (q.options_size() > 0) {
    out.set_positive_percent(round1(d.positive * 100));
    out.set_negative_percent(round1(d.negative * 100));
    out.set_net_score(round1((d.positive - d.negative) * 100));
  }
  const bool sampled = s.sampling_frame() != pb::SAMPLING_FRAME_EVENT_BASED && d.base > 0;
  out.set_has_margin_of_error(sampled && q.options_size() > 0);
  if (out.has_margin_of_error()) {
    out.set_margin_of_error_points(round1(stats::MarginOfErrorPoints(
        d.positive, static_cast<double>(d.base), d.base, s.population_size())));
    out.set_margin_of_error_max_points(round1(
        stats::MarginOfErrorPoints(0.5, static_cast<double>(d.base), d.base, s.population_size())));
  }
  return out;
}

}  // namespace sokei::survey
