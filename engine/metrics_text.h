#pragma once

// Metrics in the Prometheus text exposition format (version 0.0.4), as
// node_exporter's textfile collector reads them: a "# HELP" and a "# TYPE"
// line per family, then one line per sample.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "state/result.h"

namespace certplan {

struct MetricLabel {
  std::string name;
  std::string value;
};

struct MetricSample {
  std::vector<MetricLabel> labels;  // written in this order
  double value = 0;
};

// One metric name with its help text, type ("gauge", "counter", ...) and samples.
struct MetricFamily {
  std::string name;
  std::string help;
  std::string type = "gauge";
  std::vector<MetricSample> samples;
};

// Families by name, so that they are written sorted by name.
using MetricFamilies = std::map<std::string, MetricFamily>;

// A label value with backslash, double quote and line feed escaped as
// \\, \" and \n.
std::string escape_label_value(std::string_view value);

// Help text with backslash and line feed escaped as \\ and \n.
std::string escape_help_text(std::string_view text);

// A sample value: integers without a fraction ("42"), other numbers with
// up to 6 decimals and no trailing zeros ("12.5"), and NaN, +Inf, -Inf.
std::string format_sample_value(double value);

// The exposition text of `families`: families sorted by name, each with its
// HELP and TYPE lines, and its samples sorted by their label text. A family
// without samples is left out, because a TYPE line without samples gives a
// reader nothing.
std::string render_metrics(const MetricFamilies& families);

// Reads text in the form render_metrics writes. Fails with ErrorKind::invalid,
// naming the line, on anything else: a sample before its TYPE line, a
// malformed label set, an unknown escape, a value that is not a number.
Result<MetricFamilies> parse_metrics(std::string_view text);

}  // namespace certplan
