#pragma once

// The plan as versioned JSON: the content of a plan file and of
// `certplan plan --format json`. docs/plan-format.md documents each field.
// It contains fingerprints, names, paths and dates, never key material.

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/plan.h"

namespace certplan {

// The format this certplan writes. Readers accept every minor version of
// the same major version, because minor versions only add fields.
inline constexpr int kPlanFormatMajor = 1;
inline constexpr int kPlanFormatMinor = 0;

// A plan document that cannot be read: another major version, or a field
// that is missing or has the wrong type or value (named in the message).
class PlanFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The plan as a JSON document of format kPlanFormatMajor.kPlanFormatMinor.
nlohmann::json plan_to_json(const Plan& plan);

// Reads a plan document. Ignores fields it does not know. Throws
// PlanFormatError for another major version or a malformed field.
Plan plan_from_json(const nlohmann::json& document);

}  // namespace certplan
