#include "common/api/change_record.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/resources.h"
#include "google/protobuf/descriptor.h"
#include "sokei/type/v1/changes.pb.h"

namespace sokei::api {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The string field `field` of `m` ("" when it has none).
std::string StringField(const Message& m, const char* field) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(field);
  if (f == nullptr || f->is_repeated() || f->type() != FieldDescriptor::TYPE_STRING) return "";
  return m.GetReflection()->GetString(m, f);
}

// "municipalities/{m}/plans/{p}" when `name` lies in a plan.
std::string PlanPrefix(const std::string& name) {
  if (!absl::StartsWith(name, "municipalities/")) return "";
  const size_t plans = name.find("/plans/");
  if (plans == std::string::npos) return "";
  const size_t end = name.find('/', plans + 7);
  return end == std::string::npos ? name : name.substr(0, end);
}

}  // namespace

bool PubliclyVisible(const Message& m) {
  struct Published {
    const char* type;
    const char* field;
    const char* value;
  };
  static constexpr Published kPublished[] = {
      {"sokei.plan.v1.Plan", "status", "PLAN_STATUS_ADOPTED"},
      {"sokei.survey.v1.Survey", "status", "SURVEY_STATUS_PUBLISHED"},
      {"sokei.kpi.v1.Evaluation", "stage", "EVALUATION_STAGE_PUBLISHED"},
  };
  const std::string& type = m.GetDescriptor()->full_name();
  for (const Published& p : kPublished) {
    if (type != p.type) continue;
    const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(p.field);
    return f != nullptr && f->type() == FieldDescriptor::TYPE_ENUM &&
           m.GetReflection()->GetEnum(m, f)->name() == p.value;
  }
  return false;
}

std::string PlansOf(const std::string& resource, const Message* m) {
  std::set<std::string> plans;
  if (std::string p = PlanPrefix(resource); !p.empty()) plans.insert(std::move(p));
  if (m != nullptr) {
    // Top-level references (an indicator's owner nodes, an evaluation's plan).
    const auto* d = m->GetDescriptor();
    const auto* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->type() != FieldDescriptor::TYPE_STRING) continue;
      if (f->is_repeated()) {
        for (int j = 0; j < r->FieldSize(*m, f); ++j) {
          if (std::string p = PlanPrefix(r->GetRepeatedString(*m, f, j)); !p.empty()) {
            plans.insert(std::move(p));
          }
        }
      } else if (std::string p = PlanPrefix(r->GetString(*m, f)); !p.empty()) {
        plans.insert(std::move(p));
      }
    }
  }
  std::string out;
  for (const std::string& p : plans) absl::StrAppend(&out, p, "\n");
  return out;
}

absl::Duration ChangeRetention() {
  static const absl::Duration retention = [] {
    absl::Duration d = absl::Hours(168);
    const char* v = std::getenv("SOKEI_CHANGE_RETENTION");
    if (v != nullptr && *v != '\0') {
      absl::Duration parsed;
      if (absl::ParseDuration(v, &parsed) && parsed > absl::ZeroDuration()) d = parsed;
    }
    return d;
  }();
  return retention;
}

bool PruneDue(absl::Time now) {
  static std::atomic<int64_t> last_micros{0};
  const int64_t interval =
      absl::ToInt64Microseconds(std::min(ChangeRetention() / 10, absl::Minutes(10)));
  int64_t last = last_micros.load();
  const int64_t t = Micros(now);
  if (t - last < interval) return false;
  return last_micros.compare_exchange_strong(last, t);
}

storage::ChangeRow ChangeRecord(const std::string& municipality, const std::string& resource,
                                const Message* before, const Message* after,
                                std::string after_bytes, const std::string& request_id,
                                absl::Time now) {
  storage::ChangeRow row;
  row.municipality = municipality;
  row.time_micros = Micros(now);
  row.resource = resource;
  row.request_id = request_id;
  const Message* shown = after != nullptr ? after : before;
  if (shown != nullptr) row.resource_type = shown->GetDescriptor()->full_name();
  if (after == nullptr) {
    row.change_type = type::v1::CHANGE_TYPE_DELETED;
  } else {
    const bool is_resource = StringField(*after, "name") == resource;
    row.change_type = before == nullptr && is_resource ? type::v1::CHANGE_TYPE_CREATED
                                                       : type::v1::CHANGE_TYPE_UPDATED;
    if (is_resource) row.etag = StringField(*after, "etag");
    row.value = std::move(after_bytes);
  }
  row.plans = PlansOf(resource, shown);
  row.public_visible = (after != nullptr && PubliclyVisible(*after)) ||
                       (before != nullptr && PubliclyVisible(*before));
  return row;
}

}  // namespace sokei::api
