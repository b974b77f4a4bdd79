#include "common/storage/resource_record.h"

namespace sokei::storage {

ResourceRecord RecordFromRow(Row&& r) {
  ResourceRecord rec;
  rec.name = Take(r[0]);
  rec.municipality = Take(r[1]);
  rec.parent = Take(r[2]);
  rec.code = Take(r[3]);
  rec.sort_key = AsInt(r[4]);
  rec.revision = AsInt(r[5]);
  rec.data = Take(r[6]);
  return rec;
}

std::vector<Value> RecordParams(const std::string& kind, const ResourceRecord& r) {
  return {kind, r.name, r.municipality, r.parent, r.code, r.sort_key, r.revision, Blob{r.data}};
}

}  // namespace sokei::storage
