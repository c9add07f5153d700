#include "engine/plan.h"

#include <algorithm>
#include <array>
#include <utility>

namespace certplan {

namespace {

constexpr std::array<std::pair<ActionKind, std::string_view>, 4> kActionKindNames{{
    {ActionKind::issue, "issue"},
    {ActionKind::deploy, "deploy"},
    {ActionKind::reload, "reload"},
    {ActionKind::verify, "verify"},
}};

constexpr std::array<std::pair<ReasonCode, std::string_view>, 9> kReasonCodeNames{{
    {ReasonCode::not_present, "not_present"},
    {ReasonCode::renewal_due, "renewal_due"},
    {ReasonCode::expired, "expired"},
    {ReasonCode::names_changed, "names_changed"},
    {ReasonCode::key_type_changed, "key_type_changed"},
    {ReasonCode::key_mismatch, "key_mismatch"},
    {ReasonCode::file_drift, "file_drift"},
    {ReasonCode::served_mismatch, "served_mismatch"},
    {ReasonCode::forced, "forced"},
}};

template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view name) {
  for (const auto& [value, candidate] : table) {
    if (candidate == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view action_kind_name(ActionKind kind) { return name_of(kActionKindNames, kind); }

std::string_view reason_code_name(ReasonCode code) { return name_of(kReasonCodeNames, code); }

std::optional<ActionKind> parse_action_kind(std::string_view name) {
  return value_of(kActionKindNames, name);
}

std::optional<ReasonCode> parse_reason_code(std::string_view name) {
  return value_of(kReasonCodeNames, name);
}

SharedSummary share_summary(CertificateSummary summary) {
  return std::make_shared<const CertificateSummary>(std::move(summary));
}

const Action* Plan::find(const std::string& id) const {
  auto found = std::find_if(actions.begin(), actions.end(),
                            [&](const Action& action) { return action.id == id; });
  return found == actions.end() ? nullptr : &*found;
}

}  // namespace certplan
