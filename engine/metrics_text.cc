#include "engine/metrics_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

namespace certplan {

namespace {

std::string label_text(const std::vector<MetricLabel>& labels) {
  if (labels.empty()) return "";
  std::string text = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text += ",";
    text += labels[i].name + "=\"" + escape_label_value(labels[i].value) + "\"";
  }
  return text + "}";
}

Error line_error(std::size_t line_number, const std::string& problem) {
  return make_error(ErrorKind::invalid, fmt::format("metrics line {}: {}", line_number, problem));
}

bool is_name_character(char c, bool first) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return letter || (!first && c >= '0' && c <= '9');
}

bool is_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_character(name[i], i == 0)) return false;
  }
  return true;
}

// Undoes escape_label_value or escape_help_text; nullopt on an unknown escape.
std::optional<std::string> unescape(std::string_view text, bool allow_quote) {
  std::string plain;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      plain += text[i];
      continue;
    }
    if (i + 1 == text.size()) return std::nullopt;
    const char next = text[++i];
    if (next == '\\') plain += '\\';
    else if (next == 'n') plain += '\n';
    else if (next == '"' && allow_quote) plain += '"';
    else return std::nullopt;
  }
  return plain;
}

std::optional<double> parse_value(const std::string& text) {
  if (text == "NaN") return std::nan("");
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// Parses `{a="x",b="y"}` at the start of `text`; returns the labels and
// the length consumed, or nullopt when the set is malformed.
std::optional<std::pair<std::vector<MetricLabel>, std::size_t>> parse_labels(std::string_view text) {
  std::vector<MetricLabel> labels;
  std::size_t at = 1;
  while (at < text.size() && text[at] != '}') {
    const std::size_t equals = text.find('=', at);
    if (equals == std::string_view::npos || equals + 1 >= text.size() || text[equals + 1] != '"') {
      return std::nullopt;
    }
    MetricLabel label;
    label.name = std::string(text.substr(at, equals - at));
    if (!is_metric_name(label.name) || label.name.find(':') != std::string::npos) return std::nullopt;

    // The value ends at the first double quote that no backslash escapes.
    std::size_t end = equals + 2;
    while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
    if (end >= text.size()) return std::nullopt;
    auto value = unescape(text.substr(equals + 2, end - equals - 2), true);
    if (!value) return std::nullopt;
    label.value = std::move(*value);
    labels.push_back(std::move(label));

    at = end + 1;
    if (at < text.size() && text[at] == ',') ++at;
  }
  if (at >= text.size()) return std::nullopt;
  return std::make_pair(std::move(labels), at + 1);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  for (const char c : value) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '"') escaped += "\\\"";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return escaped;
}

std::string escape_help_text(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '\\') escaped += "\\\\";
    else if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  return escaped;
}

std::string format_sample_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);

  std::string text = fmt::format("{:.6f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string render_metrics(const MetricFamilies& families) {
  std::string text;
  for (const auto& [name, family] : families) {
    if (family.samples.empty()) continue;

    std::vector<std::string> lines;
    for (const MetricSample& sample : family.samples) {
      lines.push_back(name + label_text(sample.labels) + " " + format_sample_value(sample.value));
    }
    std::sort(lines.begin(), lines.end());

    text += "# HELP " + name + " " + escape_help_text(family.help) + "\n";
    text += "# TYPE " + name + " " + family.type + "\n";
    for (const std::string& line : lines) text += line + "\n";
  }
  return text;
}

Result<MetricFamilies> parse_metrics(std::string_view text) {
  MetricFamilies families;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) return line_error(line_number + 1, "the text does not end with a line feed");
    const std::string line(text.substr(start, end - start));
    start = end + 1;
    ++line_number;

    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const std::string rest = line.substr(7);
      const std::size_t space = rest.find(' ');
      if (space == std::string::npos) return line_error(line_number, "\"" + line + "\" has no text after the name");
      const std::string name = rest.substr(0, space);
      if (!is_metric_name(name)) return line_error(line_number, "\"" + name + "\" is not a metric name");
      MetricFamily& family = families[name];
      family.name = name;
      if (line[2] == 'H') {
        auto help = unescape(rest.substr(space + 1), false);
        if (!help) return line_error(line_number, "the help text has an unknown escape");
        family.help = std::move(*help);
      } else {
        family.type = rest.substr(space + 1);
      }
      continue;
    }
    if (line.empty() || line.starts_with('#')) return line_error(line_number, "\"" + line + "\" is not a HELP, TYPE or sample line");

    std::size_t name_end = 0;
    while (name_end < line.size() && is_name_character(line[name_end], name_end == 0)) ++name_end;
    const std::string name = line.substr(0, name_end);
    const auto family = families.find(name);
    if (name.empty() || family == families.end()) {
      return line_error(line_number, "the sample \"" + line + "\" comes before the HELP and TYPE lines of its metric");
    }

    MetricSample sample;
    std::size_t at = name_end;
    if (at < line.size() && line[at] == '{') {
      auto labels = parse_labels(std::string_view(line).substr(at));
      if (!labels) return line_error(line_number, "the labels of \"" + line + "\" are malformed");
      sample.labels = std::move(labels->first);
      at += labels->second;
    }
    if (at >= line.size() || line[at] != ' ') return line_error(line_number, "\"" + line + "\" has no value");
    const auto value = parse_value(line.substr(at + 1));
    if (!value) return line_error(line_number, "the value of \"" + line + "\" is not a number");
    sample.value = *value;
    family->second.samples.push_back(std::move(sample));
  }
  return families;
}

}  // namespace certplan
